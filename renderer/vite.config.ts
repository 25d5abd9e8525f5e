import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// Build-time config (runs in Node, not in the app). import.meta.dirname is this folder.
const root = import.meta.dirname

// The renderer is loaded from file:// in Electron and from `ntkw serve` over HTTP: relative asset paths
// (base './') work in both. No inline scripts, so the strict CSP in index.html holds.
export default defineConfig({
  root,
  base: './',
  plugins: [vue()],
  build: {
    // relative to root
    outDir: '../out/renderer',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
  },
  server: { port: 5173, strictPort: false },
})
