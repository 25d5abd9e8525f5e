import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, expect, it } from 'vitest'
import { tempDir } from './tmp'

// A real redis-server for the cluster tests and the cluster E2E (issue 20): a free loopback port, a
// password, appendonly in a temp folder. Files that need it skip loudly when none is on PATH.

export const hasRedis = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0

/** prints the loud skip note once per file that needs redis-server */
export function warnIfNoRedis(what: string): void {
  if (!hasRedis) console.warn(`\n*** ${what} SKIPPED: no redis-server on PATH (apt-get install redis-server) ***\n`)
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export interface RedisServer {
  port: number
  password: string
  url: string
  /** (re)starts the server on the same port and folder; resolves once it answers PING */
  start(): Promise<void>
  /** a graceful shutdown: the append-only file is flushed */
  stop(): Promise<void>
}

export async function redisServer(dir: string, password: string): Promise<RedisServer> {
  const port = await freePort()
  let proc: ChildProcess | null = null
  const server: RedisServer = {
    port,
    password,
    url: `redis://:${password}@127.0.0.1:${port}/0`,
    async start() {
      proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--appendonly', 'yes', '--dir', dir, '--save', ''], { stdio: 'ignore' })
      const probe = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      probe.on('error', () => {})
      for (let i = 0; i < 100; i++) {
        try {
          await probe.connect()
          await probe.ping()
          break
        } catch {
          await new Promise((r) => setTimeout(r, 100))
        }
      }
      probe.disconnect()
    },
    async stop() {
      const p = proc
      if (!p || p.exitCode !== null) return
      const gone = new Promise((r) => p.on('exit', r))
      p.kill('SIGTERM')
      await gone
    },
  }
  return server
}

/** A running `ntkw` process with its output so far. */
export interface NtkwProc {
  child: ChildProcess
  err: string
  out: string
  exited: Promise<number | null>
}

export function startNtkw(ntkwJs: string, cwd: string, args: string[]): NtkwProc {
  const child = spawn(process.execPath, [ntkwJs, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  const p: NtkwProc = { child, err: '', out: '', exited: new Promise((r) => child.on('exit', (code) => r(code))) }
  child.stderr!.on('data', (d: Buffer) => (p.err += d.toString()))
  child.stdout!.on('data', (d: Buffer) => (p.out += d.toString()))
  return p
}

export async function stopNtkw(p: NtkwProc, sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) {
    p.child.kill('SIGCONT') // a stopped worker cannot handle SIGTERM
    p.child.kill(sig)
  }
  await p.exited
}

/**
 * The `ntkw` processes of a cluster test run from `cwd`: workers on the test's Redis (`url()`, read when
 * called), a command run on this machine (its stdout; it must succeed) and the same through the workers
 * (it must succeed). `procs` holds what `stopAll` kills after each test.
 */
export function clusterCli(ntkwJs: string, root: string, cwd: string, url: () => string) {
  const procs: NtkwProc[] = []
  return {
    procs,
    worker(name: string): NtkwProc {
      const w = startNtkw(ntkwJs, root, ['worker', '--redis', url(), '--name', name])
      procs.push(w)
      return w
    },
    local(args: string[]): string {
      const r = spawnSync(process.execPath, [ntkwJs, ...args, '--quiet'], { cwd, encoding: 'utf8', timeout: 300_000 })
      expect(r.status, r.stderr).toBe(0)
      return r.stdout
    },
    async remote(args: string[]): Promise<NtkwProc> {
      const c = startNtkw(ntkwJs, cwd, [...args, '--redis', url()])
      expect(await c.exited, c.err).toBe(0)
      return c
    },
    async stopAll(): Promise<void> {
      for (const p of procs.splice(0)) await stopNtkw(p, 'SIGKILL')
    },
  }
}

/** After each test: kill its `ntkw` processes; after the file: stop its redis-server and delete its folder. */
export function clusterHooks(stopAll: () => Promise<void>, server: () => RedisServer | undefined, tmp: { cleanup(): void }): void {
  afterEach(stopAll, 60_000)
  afterAll(async () => {
    await server()?.stop()
    tmp.cleanup()
  }, 60_000)
}

/** A cluster test file's fixed parts: the repository, the CLI entry, `it` that skips (said loudly) without redis-server, a temp folder. */
export function clusterFile(what: string, prefix: string) {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  warnIfNoRedis(what)
  return { root, ntkwJs: path.join(root, 'bin/ntkw.js'), itR: hasRedis ? it : it.skip, tmp: tempDir(prefix) }
}
