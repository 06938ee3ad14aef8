import axios from 'axios'

// The one axios instance of the page. `options` lets tests pass a mocked adapter.
export function createApi(apiUrl, options = {}) {
  return axios.create({ ...options, baseURL: apiUrl, withCredentials: true })
}
