import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** The bundled tile worker (kernel-worker.ts); null when it was never built. */
export function kernelWorkerUrl(): URL | null {
  return bundledWorkerUrl('kernel-worker')
}

/**
 * A bundled worker-thread entry (scripts/build-node.mjs): next to the running bundle (out/node/ntkw.js,
 * bench.js, engine-host.js), else <repo>/out/node/NAME.js found by walking up from this module (sources run
 * by vitest/tsx, the Electron main bundle in out/main). null when it was never built.
 */
export function bundledWorkerUrl(name: 'kernel-worker' | 'sample-worker' | 'unit-worker' | 'gram-worker' | 'empirical-prefetch-worker'): URL | null {
  const sibling = new URL(`./${name}.js`, import.meta.url)
  if (sibling.protocol === 'file:' && existsSync(fileURLToPath(sibling))) return sibling
  if (!import.meta.url.startsWith('file:')) return null
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = path.join(dir, 'out', 'node', `${name}.js`)
    if (existsSync(candidate)) return pathToFileURL(candidate)
    const up = path.dirname(dir)
    if (up === dir) return null
    dir = up
  }
}
