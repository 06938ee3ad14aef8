import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  test: {
    environment: 'jsdom',
    // The page origin the tests expect in the "blocked or unreachable" text.
    environmentOptions: { jsdom: { url: 'http://localhost:8080/' } },
  },
})
