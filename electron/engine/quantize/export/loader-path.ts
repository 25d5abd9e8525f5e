import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const LOADER_FILE = 'ntkw-quantized.mjs'

/**
 * The standalone loader shipped beside `--format ntkw` exports: <repo>/resources/loader/ (sources, out/node
 * bundles, found by walking up from this module) or <resources>/loader/ in the packaged app.
 */
export function loaderSourcePath(): string | null {
  const packaged = (process as { resourcesPath?: string }).resourcesPath
  if (packaged) {
    const p = path.join(packaged, 'loader', LOADER_FILE)
    if (existsSync(p)) return p
  }
  if (!import.meta.url.startsWith('file:')) return null
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = path.join(dir, 'resources', 'loader', LOADER_FILE)
    if (existsSync(candidate)) return candidate
    const up = path.dirname(dir)
    if (up === dir) return null
    dir = up
  }
}
