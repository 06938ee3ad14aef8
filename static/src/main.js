import { createApp } from 'vue'
import App from './App.vue'

const fallbackApiUrl = 'http://localhost:5000'

// The Go web listener serves /config.json; under `vite dev` it is missing, so fall back.
async function loadApiUrl() {
  try {
    const response = await fetch('/config.json', { cache: 'no-store' })
    if (!response.ok) return fallbackApiUrl
    const { apiURL } = await response.json()
    return typeof apiURL === 'string' && apiURL !== '' ? apiURL : fallbackApiUrl
  } catch {
    return fallbackApiUrl
  }
}

loadApiUrl().then((apiUrl) => createApp(App, { apiUrl }).mount('#app'))
