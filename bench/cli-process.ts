import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

// The CLI as a separate process, for the benchmarks that time what a user runs: wall time and the peak
// resident set (VmHWM, read from /proc while it runs; 0 where there is no /proc).

/** The repository root (the folder holding bin/ntkw.js), found upwards from this file. */
export function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(path.join(dir, 'bin', 'ntkw.js')) && existsSync(path.join(dir, 'package.json'))) return dir
    const up = path.dirname(dir)
    if (up === dir) throw new Error('cannot find the repository root (bin/ntkw.js)')
    dir = up
  }
}

/** Runs `ntkw ARGS` in `cwd` to its end; a non-zero exit throws with the tail of stderr. */
export async function runCliMeasured(args: string[], cwd: string, onStderr?: (chunk: string) => void): Promise<{ seconds: number; peakRssMb: number; stdout: string }> {
  const t = performance.now()
  const child = spawn(process.execPath, [path.join(findRoot(), 'bin', 'ntkw.js'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let peakKb = 0
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()))
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString()
    onStderr?.(b.toString())
  })
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
      if (m) peakKb = Math.max(peakKb, Number(m[1]))
    } catch {
      /* exited */
    }
  }, 100)
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)))
  clearInterval(poll)
  if (code !== 0) throw new Error(`ntkw ${args[0]} exited with ${code}: ${stderr.slice(-500)}`)
  return { seconds: (performance.now() - t) / 1000, peakRssMb: Math.round(peakKb / 1024), stdout }
}
