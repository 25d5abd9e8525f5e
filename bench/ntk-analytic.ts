import * as tf from '@tensorflow/tfjs-core'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { FcArch } from '../shared/arch'
import { writeNpy } from '../electron/engine/io/npy'
import { computeAnalyticKernels } from '../electron/engine/ntk/analytic'
import { fcLayers, type KernelLayer } from '../electron/engine/ntk/layers'
import { computeTile, TileInputCache } from '../electron/engine/ntk/tile'
import { shutdownKernelWorkers } from '../electron/engine/ntk/pool'
import { initBackend } from '../electron/engine/runtime/backend'
import { runCliMeasured } from './cli-process'
import { uniformPoints } from './points'
import { cpuTimeMs } from './cpu-time'
import { QUICK, type BenchResult } from './types'

// Analytic NNGP+NTK, depth-3 ReLU, d = 784 (issue 4): our tiled, multi-worker implementation against
// (a) itself on one thread (per-core scaling) and (b) a straightforward tfjs transcription measured in the
// same run (untiled; matMul with the transpose flag; atan2; div; square). The naive version takes ~40 s at
// n = 4000, so by default it is measured at n = 2000 (BENCH_BASELINE_N to change) and compared with ours
// at that same n. BENCH_BIG=1 also streams a 20 000-point NTK to disk through the CLI and reports its peak
// RSS (VmHWM of that process).

const D = 784
const N = QUICK ? 1000 : 4000
const BASELINE_N = Number(process.env.BENCH_BASELINE_N ?? (QUICK ? 500 : 2000))
const BIG_N = Number(process.env.BENCH_BIG_N ?? 20000)
const REPEATS = QUICK ? 1 : 5
const arch = FcArch.parse({ depth: 3, activation: { name: 'relu' } })

/** Median wall time, and CPU time of the whole process (worker threads included) per run. */
async function medianMs(fn: () => Promise<unknown>, repeats: number): Promise<{ median: number; all: number[]; cpuMs: number[] }> {
  const all: number[] = []
  const cpuMs: number[] = []
  for (let i = 0; i < repeats; i++) {
    const c = process.cpuUsage()
    const t = performance.now()
    await fn()
    all.push(Math.round(performance.now() - t))
    const u = process.cpuUsage(c)
    cpuMs.push(Math.round((u.user + u.system) / 1000))
  }
  const s = [...all].sort((a, b) => a - b)
  return { median: s[Math.floor(s.length / 2)]!, all, cpuMs }
}

/** What a first attempt looks like: docs/math.md §1 transcribed op by op on whole n×n matrices. */
function naiveKernels(x: tf.Tensor2D, depth: number): { ntk: tf.Tensor; nngp: tf.Tensor } {
  return tf.tidy(() => {
    const d = x.shape[1]
    let s: tf.Tensor = tf.div(tf.matMul(x, x, false, true), d)
    let q: tf.Tensor = tf.div(tf.sum(tf.square(x), 1, true), d)
    let theta: tf.Tensor = s // first Dense (σ_w = 1, no bias): Θ = Σ
    for (let l = 0; l < depth; l++) {
      const qq = tf.matMul(q, q, false, true)
      const root = tf.sqrt(tf.relu(tf.sub(qq, tf.square(s))))
      const angle = tf.atan2(root, s)
      const piMinus = tf.sub(tf.scalar(Math.PI), angle)
      const tDot = tf.div(piMinus, 2 * Math.PI)
      s = tf.div(tf.add(root, tf.mul(piMinus, s)), 2 * Math.PI)
      q = tf.div(q, 2)
      theta = tf.add(s, tf.mul(theta, tDot)) // activation then the next Dense
    }
    return { ntk: theta, nngp: s }
  })
}

/** Runs `ntkw kernel` on n points, polling the child's VmHWM (peak resident set). */
async function bigCliRun(n: number): Promise<{ seconds: number; peakRssMb: number; fileBytes: number; progressLines: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ntkw-bench-big-'))
  try {
    writeNpy(path.join(dir, 'x.npy'), uniformPoints(n, D, 7), [n, D])
    const out = path.join(dir, 'k.npy')
    let progressLines = 0
    const { seconds, peakRssMb } = await runCliMeasured(['kernel', '--x', 'x.npy', '--depth', '3', '--activation', 'relu', '--out', out], dir, (s) => {
      progressLines += (s.match(/%/g) ?? []).length
      process.stderr.write(s)
    })
    return { seconds, peakRssMb, fileBytes: statSync(out).size, progressLines }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The whole `ntkw run` process for an n-point kernel with a given number of workers (start-up, reading,
 * tiles, writing the NPY), with the job's own per-phase timings from its result JSON.
 */
async function wholeProcessRun(dir: string, n: number, workers: number): Promise<{ seconds: number; phases: Record<string, number> }> {
  const spec = { kind: 'kernel', x: { type: 'npy', path: path.join(dir, 'x.npy') }, arch: { depth: 3, activation: { name: 'relu' } }, kernels: ['ntk'], workers, heatmapSize: 0, spectrumPoints: 0 }
  const specFile = path.join(dir, `spec-${workers}.json`)
  writeFileSync(specFile, JSON.stringify(spec))
  const { seconds, stdout } = await runCliMeasured(['run', specFile, '--out', path.join(dir, `out-${workers}`), '--quiet'], dir)
  const result = JSON.parse(stdout) as { result?: { phases?: Record<string, number> }; phases?: Record<string, number> }
  const phases = result.result?.phases ?? result.phases ?? {}
  return { seconds, phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v * 1000) / 1000])) }
}

export async function run(): Promise<BenchResult[]> {
  const info = await initBackend()
  const cores = availableParallelism()
  const results: BenchResult[] = []
  const load = (): number => Math.round(loadavg()[0]! * 100) / 100

  const x = { data: uniformPoints(N, D, 1), rows: N, cols: D }
  // warm the worker pool and the wasm kernels once (an app keeps its pool warm)
  await computeAnalyticKernels({ data: uniformPoints(600, D, 2), rows: 600, cols: D }, null, arch, { kernels: ['ntk', 'nngp'], workers: 0 })
  // interleaved, so background load on the machine hits both sides alike
  const allRuns: { median: number; all: number[]; cpuMs: number[] }[] = []
  const oneRuns: { median: number; all: number[]; cpuMs: number[] }[] = []
  for (let r = 0; r < REPEATS; r++) {
    allRuns.push(await medianMs(() => computeAnalyticKernels(x, null, arch, { kernels: ['ntk', 'nngp'], workers: 0 }), 1))
    oneRuns.push(await medianMs(() => computeAnalyticKernels(x, null, arch, { kernels: ['ntk', 'nngp'], workers: 1 }), 1))
  }
  const merge = (rs: typeof allRuns): { median: number; all: number[]; cpuMs: number[] } => {
    const all = rs.flatMap((r) => r.all)
    const sorted = [...all].sort((a, b) => a - b)
    return { median: sorted[Math.floor(sorted.length / 2)]!, all, cpuMs: rs.flatMap((r) => r.cpuMs) }
  }
  const all = merge(allRuns)
  const one = merge(oneRuns)
  // The machines are shared: the fastest of the interleaved runs is the least disturbed one, so value and
  // baseline are best-of-REPEATS; medians are in meta.
  const best = (r: { all: number[] }): number => Math.min(...r.all)
  results.push({
    name: `analytic NNGP+NTK relu depth 3, n=${N}, d=${D}, ${cores} workers`,
    value: best(all),
    unit: 'ms',
    baseline: { name: 'same code on 1 thread (workers=1)', value: best(one) },
    ratio: Math.round((best(one) / best(all)) * 100) / 100,
    target: '≤ 5000 ms; ratio (per-core scaling) ≥ 1.7 on 2 cores',
    meta: {
      statistic: `best of ${REPEATS} interleaved runs`,
      medianMs: all.median,
      baselineMedianMs: one.median,
      ratioOfMedians: Math.round((one.median / all.median) * 100) / 100,
      backend: info.active,
      cores,
      tileSize: 'default (512 below 8192 points)',
      runsMs: all.all,
      baselineRunsMs: one.all,
      // CPU time over wall time: how many cores the run kept busy (other load on the machine lowers it)
      cpuMs: all.cpuMs,
      baselineCpuMs: one.cpuMs,
      loadavg1: load(),
    },
  })

  // one 512×512 tile, NNGP+NTK: the fused per-entry recursion (ntk/fc-fused.ts) against the same network as
  // layer-by-layer backend ops (what every tile ran before), CPU time of this thread, best of interleaved runs
  {
    const layers = fcLayers(arch)
    const ops: KernelLayer = { name: layers.name, apply: layers.apply }
    const T = 512
    const rb = { data: uniformPoints(T, D, 21), rows: T, d: D, key: 'r' }
    const cb = { data: uniformPoints(T, D, 22), rows: T, d: D, key: 'c' }
    const cache = new TileInputCache()
    const fusedMs: number[] = []
    const opsMs: number[] = []
    // warm both (the fused loop runs unoptimised until V8 compiles it)
    for (let i = 0; i < 3; i++) {
      computeTile(layers, rb, cb, ['ntk', 'nngp'], false, cache)
      computeTile(ops, rb, cb, ['ntk', 'nngp'], false, cache)
    }
    for (let i = 0; i < (QUICK ? 5 : 30); i++) {
      fusedMs.push(cpuTimeMs(() => computeTile(layers, rb, cb, ['ntk', 'nngp'], false, cache)))
      opsMs.push(cpuTimeMs(() => computeTile(ops, rb, cb, ['ntk', 'nngp'], false, cache)))
    }
    cache.dispose()
    results.push({
      name: `analytic NNGP+NTK relu depth 3, one ${T}×${T} tile, d=${D}: fused recursion vs backend ops`,
      value: Math.round(Math.min(...fusedMs) * 10) / 10,
      unit: 'ms',
      baseline: { name: 'the same tile through the layers as backend ops (matmul + ~10 ops per layer)', value: Math.round(Math.min(...opsMs) * 10) / 10 },
      ratio: Math.round((Math.min(...opsMs) / Math.min(...fusedMs)) * 100) / 100,
      meta: { statistic: 'CPU time of this thread, best of interleaved runs (both include the same float32 matmul)', backend: info.active, loadavg1: load() },
    })
  }

  // naive transcription vs ours at the same n
  const xb = { data: uniformPoints(BASELINE_N, D, 3), rows: BASELINE_N, cols: D }
  const xt = tf.tensor2d(xb.data, [BASELINE_N, D])
  const naive = await medianMs(async () => {
    const k = naiveKernels(xt, 3)
    await k.ntk.data()
    await k.nngp.data()
    tf.dispose([k.ntk, k.nngp])
  }, 1)
  const oursB = await medianMs(() => computeAnalyticKernels(xb, null, arch, { kernels: ['ntk', 'nngp'], workers: 0 }), REPEATS)
  // the two must agree, or the comparison means nothing
  const ref = naiveKernels(xt, 3)
  const refNtk = ref.ntk.dataSync()
  const ours = await computeAnalyticKernels(xb, null, arch, { kernels: ['ntk'], workers: 0 })
  let maxRel = 0
  for (let i = 0; i < refNtk.length; i += 97) maxRel = Math.max(maxRel, Math.abs(ours.ntk![i]! - refNtk[i]!) / Math.abs(refNtk[i]!))
  tf.dispose([ref.ntk, ref.nngp, xt])
  results.push({
    name: `analytic NNGP+NTK relu depth 3, n=${BASELINE_N}, d=${D}, ${cores} workers vs naive tfjs`,
    value: best(oursB),
    unit: 'ms',
    baseline: { name: `naive tfjs transcription at n=${BASELINE_N} (untiled, matMul transposeB, atan2, div, square), one run`, value: naive.median },
    ratio: Math.round((naive.median / best(oursB)) * 10) / 10,
    meta: {
      n: BASELINE_N,
      statistic: `ours: best of ${REPEATS}`,
      runsMs: oursB.all,
      // the naive version is less accurate on the diagonal (acos of a correlation that rounds below 1)
      maxRelDiffNtkSampled: maxRel,
      loadavg1: load(),
    },
  })

  // Worker scaling of the whole process (what a user waits for), interleaved so load changes hit both.
  const scaleN = QUICK ? 2000 : 8000
  const scaleDir = mkdtempSync(path.join(tmpdir(), 'ntkw-bench-scale-'))
  try {
    writeNpy(path.join(scaleDir, 'x.npy'), uniformPoints(scaleN, D, 11), [scaleN, D])
    const one: { seconds: number; phases: Record<string, number> }[] = []
    const two: { seconds: number; phases: Record<string, number> }[] = []
    for (let i = 0; i < (QUICK ? 1 : 3); i++) {
      one.push(await wholeProcessRun(scaleDir, scaleN, 1))
      two.push(await wholeProcessRun(scaleDir, scaleN, 2))
    }
    const fastest = (runs: typeof one) => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a))
    const b1 = fastest(one)
    const b2 = fastest(two)
    results.push({
      name: `ntkw run kernel (whole process), relu depth 3, n=${scaleN}, d=${D}: 2 workers vs 1`,
      value: Math.round(b2.seconds * 1000),
      unit: 'ms',
      baseline: { name: 'the same command with 1 worker (tiles on the job thread)', value: Math.round(b1.seconds * 1000) },
      ratio: Math.round((b1.seconds / b2.seconds) * 100) / 100,
      target: 'ratio ≥ 1.6 on 2 cores (a quiet machine)',
      meta: { statistic: `best of ${one.length} interleaved runs`, phases2: b2.phases, phases1: b1.phases, runs1S: one.map((r) => +r.seconds.toFixed(2)), runs2S: two.map((r) => +r.seconds.toFixed(2)), loadavg1: load() },
    })
  } finally {
    rmSync(scaleDir, { recursive: true, force: true })
  }

  if (process.env.BENCH_BIG === '1') {
    const big = await bigCliRun(BIG_N)
    const kernelMb = Math.round((BIG_N * BIG_N * 4) / 2 ** 20)
    results.push({
      name: `ntkw kernel relu depth 3, n=${BIG_N}, d=${D}, streamed to disk: peak RSS`,
      value: big.peakRssMb,
      unit: 'MB',
      baseline: { name: 'two float32 kernels of this size in memory', value: 2 * kernelMb },
      ratio: Math.round(((2 * kernelMb) / big.peakRssMb) * 10) / 10,
      target: 'memory ≤ about two kernels’ worth; completes with progress',
      meta: { seconds: Math.round(big.seconds * 10) / 10, fileBytes: big.fileBytes, progressUpdates: big.progressLines, loadavg1: load() },
    })
  }
  await shutdownKernelWorkers()
  return results
}
