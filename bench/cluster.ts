import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeNpy } from '../electron/engine/io/npy'
import { uniformPoints } from './points'
import { QUICK, type BenchResult } from './types'

// Issue 20: the depth-3 ReLU NTK through BullMQ on Redis against this machine's threads, in one run.
//   1. n = 8 000 (BENCH_CLUSTER_N), d = 784, 512² tiles: `ntkw kernel --redis` with 2 local `ntkw worker`
//      processes (warm, started before the clock) against `ntkw kernel --workers 2` (the in-process threaded
//      path). Both are whole CLI processes writing the NPY; the two files must be the same bytes.
//   2. The queue's cost per tile: n = 2 048 in 64² tiles (528 tiles, little compute each) through Redis on
//      one worker: (the coordinator's run time − the compute time the worker's threads report) / tiles =
//      queueing, transfer, checksums, publication and the coordinator's share, per tile (the input's one
//      transfer amortised over the tiles). `ntkw kernel --workers 1` on the same tiles is reported beside.
//   3. A CNTK's tiles on workers: 2 × (conv 3×3 same → ReLU) → global average pooling on 8×8 images (every
//      pair carries the full 64 × 64 position covariance), n = 256, through Redis on 2 workers: the median
//      time per tile and per pair of points, for the arithmetic in docs/distributed.md.
// A real redis-server (appendonly yes, a password) on a free loopback port; skipped with a notice when there
// is none on PATH.

const D = 784
const N = Number(process.env.BENCH_CLUSTER_N ?? (QUICK ? 2000 : 8000))
const TILE = 512
const SMALL_N = QUICK ? 1024 : 2048
const SMALL_TILE = 64

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (!(existsSync(path.join(dir, 'bin', 'ntkw.js')) && existsSync(path.join(dir, 'package.json')))) {
    const up = path.dirname(dir)
    if (up === dir) throw new Error('cannot find the repository root (bin/ntkw.js)')
    dir = up
  }
  return dir
}

const points = (n: number, seed: number): Float32Array => uniformPoints(n, D, seed)

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

/** A child whose stderr (and stdout) is kept; `ready` resolves when `pattern` appears in its output. */
function child(cmd: string, args: string[], cwd: string, pattern?: RegExp): { p: ChildProcess; out: () => string; ready: Promise<void>; exit: Promise<number> } {
  const p = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  let resolveReady!: () => void
  const ready = new Promise<void>((r) => (resolveReady = r))
  const on = (b: Buffer): void => {
    text += b.toString()
    if (pattern && pattern.test(text)) resolveReady()
  }
  p.stdout!.on('data', on)
  p.stderr!.on('data', on)
  const exit = new Promise<number>((r) => p.on('exit', (c) => r(c ?? -1)))
  return { p, out: () => text, ready: pattern ? ready : Promise.resolve(), exit }
}

async function timed(cmd: string, args: string[], cwd: string): Promise<{ seconds: number; err: string }> {
  const t = performance.now()
  const c = child(cmd, args, cwd)
  const code = await c.exit
  if (code !== 0) throw new Error(`${args.slice(1, 3).join(' ')} exited with ${code}: ${c.out().slice(-600)}`)
  return { seconds: (performance.now() - t) / 1000, err: c.out() }
}

export async function run(): Promise<BenchResult[]> {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    process.stderr.write('  *** bench cluster SKIPPED: no redis-server on PATH (apt-get install redis-server) ***\n')
    return []
  }
  const root = findRoot()
  const ntkw = path.join(root, 'bin', 'ntkw.js')
  const dir = mkdtempSync(path.join(tmpdir(), 'ntkw-bench-cluster-'))
  const pass = randomBytes(12).toString('hex')
  const port = await freePort()
  const url = `redis://:${pass}@127.0.0.1:${port}/0`
  const procs: ReturnType<typeof child>[] = []
  const load = (): number => Math.round(loadavg()[0]! * 100) / 100
  try {
    const redis = child('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', pass, '--appendonly', 'yes', '--dir', dir, '--save', ''], dir, /Ready to accept connections/)
    procs.push(redis)
    await redis.ready
    const workers = ['bench-w1', 'bench-w2'].map((name) => child(process.execPath, [ntkw, 'worker', '--redis', url, '--name', name], dir, /serving/))
    procs.push(...workers)
    await Promise.all(workers.map((w) => w.ready))

    const node = process.execPath
    const kernel = (x: string, tile: number, out: string, extra: string[]): string[] => [ntkw, 'kernel', '--x', x, '--depth', '3', '--activation', 'relu', '--tile-size', String(tile), '--out', out, '--quiet', ...extra]
    const results: BenchResult[] = []

    // 1. n = N through Redis on 2 workers vs the in-process threads
    writeFileSync(path.join(dir, 'x.npy'), encodeNpy(points(N, 1), [N, D]))
    const loadBefore = load()
    const local = await timed(node, kernel('x.npy', TILE, 'local.npy', ['--workers', '2']), dir)
    const seen = workers.map((w) => w.out().length)
    const remote = await timed(node, kernel('x.npy', TILE, 'remote.npy', ['--redis', url]).filter((a) => a !== '--quiet'), dir)
    const same = readFileSync(path.join(dir, 'local.npy')).equals(readFileSync(path.join(dir, 'remote.npy')))
    if (!same) throw new Error('the kernel through Redis differs from the local one')
    const logged = (ws: typeof workers, from: number[]): { total: number; compute: number }[] =>
      ws.flatMap((w, i) => [...w.out().slice(from[i]).matchAll(/published in (\d+) ms \(compute (\d+) ms\)/g)].map((m) => ({ total: Number(m[1]), compute: Number(m[2]) })))
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN
    const perTile = logged(workers, seen)
    const tiles = Math.ceil(N / TILE) * (Math.ceil(N / TILE) + 1) / 2
    results.push({
      name: `depth-3 ReLU NTK, n = ${N}, d = ${D}, ${TILE}² tiles: 2 local ntkw workers through Redis`,
      value: Math.round(remote.seconds * 100) / 100,
      unit: 's (whole CLI process, NPY written)',
      baseline: { name: 'ntkw kernel --workers 2 (in-process threads)', value: Math.round(local.seconds * 100) / 100 },
      ratio: Math.round((local.seconds / remote.seconds) * 1000) / 1000,
      meta: {
        tiles,
        sameBytes: same,
        // on a worker: fetch + compute + encode + publish, and the compute alone (its thread's clock)
        medianTileMs: median(perTile.map((t) => t.total)),
        medianComputeMs: median(perTile.map((t) => t.compute)),
        runS: Number(/tiles in ([\d.]+) s/.exec(remote.err)?.[1] ?? NaN),
        loadavgBefore: loadBefore,
        loadavgAfter: load(),
      },
    })
    rmSync(path.join(dir, 'local.npy'))
    rmSync(path.join(dir, 'remote.npy'))

    // 2. the queue's cost per tile: many small tiles on one worker vs the same tiles on one local thread
    workers[1]!.p.kill('SIGTERM')
    await workers[1]!.exit
    writeFileSync(path.join(dir, 'small.npy'), encodeNpy(points(SMALL_N, 2), [SMALL_N, D]))
    const smallTiles = Math.ceil(SMALL_N / SMALL_TILE) * (Math.ceil(SMALL_N / SMALL_TILE) + 1) / 2
    const local1 = await timed(node, kernel('small.npy', SMALL_TILE, 'l1.npy', ['--workers', '1']), dir)
    const seen1 = [workers[0]!.out().length]
    const remote1 = await timed(node, kernel('small.npy', SMALL_TILE, 'r1.npy', ['--redis', url]).filter((a) => a !== '--quiet'), dir)
    const runS = Number(/tiles in ([\d.]+) s/.exec(remote1.err)?.[1] ?? NaN)
    const small = logged([workers[0]!], seen1)
    const computeS = small.reduce((a, t) => a + t.compute, 0) / 1000
    const overheadMs = ((runS - computeS) * 1000) / smallTiles
    results.push({
      name: `queue overhead per tile (n = ${SMALL_N} in ${SMALL_TILE}² tiles through Redis on 1 worker): (run − compute) / tiles`,
      value: Math.round(overheadMs * 100) / 100,
      unit: 'ms per tile',
      meta: {
        tiles: smallTiles,
        runS,
        computeS: Math.round(computeS * 100) / 100,
        medianWorkerOverheadMs: median(small.map((t) => t.total - t.compute)),
        wholeProcessS: Math.round(remote1.seconds * 100) / 100,
        localWholeProcessS: Math.round(local1.seconds * 100) / 100,
        sameBytes: readFileSync(path.join(dir, 'l1.npy')).equals(readFileSync(path.join(dir, 'r1.npy'))),
        loadavg: load(),
      },
    })

    // 3. a CNTK with global average pooling, tiles on the 2 workers (the second one started again)
    const w2 = child(process.execPath, [ntkw, 'worker', '--redis', url, '--name', 'bench-w2b'], dir, /serving/)
    procs.push(w2)
    await w2.ready
    const cn = QUICK ? 96 : 256
    const img = points(cn, 3).subarray(0, cn * 64)
    writeFileSync(path.join(dir, 'img.npy'), encodeNpy(img, [cn, 8, 8, 1]))
    writeFileSync(path.join(dir, 'cntk.json'), JSON.stringify({ input: [8, 8, 1], layers: [{ type: 'conv2d', filters: 1, kernel: 3, padding: 'same', activation: 'relu' }, { type: 'conv2d', filters: 1, kernel: 3, padding: 'same', activation: 'relu' }, { type: 'globalavgpool' }] }))
    const cSeen = [workers[0]!, w2].map((w) => w.out().length)
    const cntk = await timed(node, [ntkw, 'kernel', '--x', 'img.npy', '--arch', 'cntk.json', '--out', 'cntk.npy', '--redis', url], dir)
    const cTiles = logged([workers[0]!, w2], cSeen)
    const cTile = Number(/run \S+: \d+ tiles of (\d+)/.exec(cntk.err)?.[1] ?? NaN)
    const cMedian = median(cTiles.map((t) => t.total))
    results.push({
      name: `CNTK (2 × conv 3×3 ReLU, global average pooling, 8×8 images) n = ${cn} through Redis on 2 workers: time per pair of points`,
      value: Math.round((cMedian / (cTile * cTile)) * 1000) / 1000,
      unit: 'ms per pair (median tile / its pairs)',
      meta: { tileSize: cTile, tiles: cTiles.length, medianTileMs: cMedian, medianComputeMs: median(cTiles.map((t) => t.compute)), wholeRunS: Math.round(cntk.seconds * 100) / 100, loadavg: load() },
    })
    return results
  } finally {
    for (const c of procs.reverse()) {
      if (c.p.exitCode === null) {
        c.p.kill('SIGTERM')
        await c.exit
      }
    }
    rmSync(dir, { recursive: true, force: true })
  }
}
