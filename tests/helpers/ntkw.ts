import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** Runs the built CLI (bin/ntkw.js) in `cwd`: exit code, stdout, stderr. */
export function ntkw(args: string[], cwd: string, timeout = 120_000): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/ntkw.js'), ...args], { cwd, encoding: 'utf8', timeout })
  return { code: r.status, out: r.stdout, err: r.stderr }
}
