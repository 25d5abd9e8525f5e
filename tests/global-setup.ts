import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// Worker threads and the engine child process run the esbuild bundles in out/node; build them once per
// test run so tests always exercise the current sources.
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url))
  execFileSync(process.execPath, ['scripts/build-node.mjs'], { cwd: root, stdio: 'inherit' })
}
