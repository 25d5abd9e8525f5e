import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const root = fileURLToPath(new URL('.', import.meta.url))

// The renderer is loaded from file:// in Electron and from `ntkw serve` over HTTP: relative asset paths
// (base './') work in both. No inline scripts, so the strict CSP in index.html holds.
export default defineConfig({
  root,
  base: './',
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL('../out/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
  },
  server: { port: 5173, strictPort: false },
})
