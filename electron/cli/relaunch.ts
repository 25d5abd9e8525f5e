import { spawn } from 'node:child_process'
import { engineProcessEnv, hugePagesChosen } from '../services/engine-env'

// A command that factors large matrices runs again in a child process started with glibc's huge pages
// (services/engine-env.ts), because the tunable is read only when a process starts. One more Node start
// (≈ 0.1 s) against 0.55× the time of the KRR solve and 0.71× of a whole `ntkw predict` at n = 4 000 on a VM
// (docs/performance.md "Huge pages"). Only `predict`: the kernel streams through reused tile buffers and the
// empirical NTK touches its pages ahead on another thread, so neither gains what the extra start costs.
const RELAUNCHED = new Set(['predict'])

/** whether this invocation should run in a child with huge pages (Linux, the user has not chosen either way) */
export function wantsRelaunch(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  const [name, ...rest] = argv
  if (platform !== 'linux' || name === undefined || !RELAUNCHED.has(name)) return false
  if (rest.includes('--help') || rest.includes('-h')) return false
  return env.NTKW_HUGEPAGES !== '0' && env.NTKW_RELAUNCHED !== '1' && !hugePagesChosen(env)
}

/**
 * Runs this CLI again with `argv` in a child that has huge pages, and resolves with its exit code (or ends
 * this process by the signal that ended the child). Signals: Ctrl-C in a terminal reaches both processes (one
 * process group), so SIGINT is passed on only when no standard stream is a terminal (a script's `kill -INT`);
 * SIGTERM and SIGHUP are always passed on. The child ends itself if this process dies (its IPC channel closes).
 */
export function relaunch(argv: readonly string[]): Promise<number> {
  const interactive = Boolean(process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY)
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...argv], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...engineProcessEnv(), NTKW_RELAUNCHED: '1' },
  })
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((sig) => {
    const h = (): void => {
      if (sig !== 'SIGINT' || !interactive) child.kill(sig)
    }
    process.on(sig, h)
    return [sig, h] as const
  })
  return new Promise((resolve) => {
    child.once('error', (e) => {
      process.stderr.write(`ntkw: could not start the child process with huge pages (${e.message}); set NTKW_HUGEPAGES=0 to run without\n`)
      resolve(1)
    })
    child.once('exit', (code, signal) => {
      for (const [sig, h] of handlers) process.off(sig, h)
      if (signal) process.kill(process.pid, signal)
      resolve(code ?? 1)
    })
  })
}

/** In the relaunched child: end with the parent (a parent killed outright would otherwise leave it computing). */
export function followParent(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NTKW_RELAUNCHED !== '1' || !process.channel) return
  process.channel.unref()
  // SIGKILL, not process.exit: worker threads inside a native GEMM would abort the process on exit (core/threads.ts)
  process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'))
}
