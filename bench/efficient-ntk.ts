import { loadavg } from 'node:os'
import { FcArch } from '../shared/arch'
import { buildFeatureMap } from '../electron/engine/features/build'
import { fwhtRows } from '../electron/engine/features/hadamard'
import { featureRidge } from '../electron/engine/features/ridge'
import { GramAccumulator } from '../electron/engine/features/gram-stream'
import { cholesky } from '../electron/engine/linalg/cholesky'
import { pcgSolve } from '../electron/engine/linalg/pcg'
import { residualColumns } from '../electron/engine/linalg/refine'
import { cholSolveColumns } from '../electron/engine/linalg/triangular'
import { shutdownKernelWorkers } from '../electron/engine/ntk/pool'
import { predictInfiniteWidth } from '../electron/engine/ntk/predict'
import { initBackend } from '../electron/engine/runtime/backend'
import * as tf from '@tensorflow/tfjs-core'
import { QUICK, timeMs, type BenchResult } from './types'

// Efficient NTK (issue 12): kernel regression with random features (rf) and Nyström against the exact path
// (analytic NTK n×n + Cholesky with float64 refinement, as `ntkw predict`), at growing n in the same run:
// wall time of features + solve, the ratio exact / approximate, and test accuracy of each on a synthetic
// 10-class problem (so every method solves the same task). Also the Walsh–Hadamard transform in typed
// arrays against its Kronecker-matmul form on tfjs (H_P = H_a ⊗ H_b: two small matmuls per row block).

const D = 784
const SIZES = (process.env.BENCH_EFFICIENT_N ?? (QUICK ? '1000,2000' : '4000,8000,16000')).split(',').map(Number)
const TEST = QUICK ? 200 : 1000
const RF_M = Number(process.env.BENCH_RF_M ?? (QUICK ? 1024 : 4096))
const NYS_M = Number(process.env.BENCH_NYS_M ?? (QUICK ? 512 : 2048))
const arch = FcArch.parse({ depth: 3, activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.1 })

/** Pixel-like points around 10 random prototypes, rows scaled to ‖x‖² = d; one-hot labels. */
function task(n: number, seed: number): { x: Float32Array; y: Float32Array; cls: Int32Array } {
  let a = seed >>> 0
  const u = (): number => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0
    return a / 4294967296
  }
  let p = 12345
  const protos = Array.from({ length: 10 }, () => Float32Array.from({ length: D }, () => {
    p = (Math.imul(p, 1664525) + 1013904223) >>> 0
    return p / 4294967296 < 0.2 ? 1 : 0
  }))
  const x = new Float32Array(n * D)
  const y = new Float32Array(n * 10)
  const cls = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const c = Math.floor(u() * 10)
    cls[i] = c
    y[i * 10 + c] = 1
    let s = 0
    for (let j = 0; j < D; j++) {
      const v = Math.max(0, protos[c]![j]! * (0.5 + u()) + (u() < 0.1 ? u() : 0) - 0.15)
      x[i * D + j] = v
      s += v * v
    }
    const f = Math.sqrt(D / Math.max(s, 1e-12))
    for (let j = 0; j < D; j++) x[i * D + j] = x[i * D + j]! * f
  }
  return { x, y, cls }
}

function accuracy(pred: Float32Array, cls: Int32Array): number {
  let ok = 0
  for (let i = 0; i < cls.length; i++) {
    let best = 0
    for (let c = 1; c < 10; c++) if (pred[i * 10 + c]! > pred[i * 10 + best]!) best = c
    if (best === cls[i]) ok++
  }
  return ok / cls.length
}

async function hadamard(): Promise<BenchResult> {
  const rows = 256
  const a = 64
  const b = 128
  const p = a * b
  const x = Float32Array.from({ length: rows * p }, (_, i) => Math.sin(i))
  const jsMs = await timeMs(() => fwhtRows(Float32Array.from(x), rows, p), 3)
  const sylvester = (k: number): tf.Tensor2D => {
    const h = new Float32Array(k * k)
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
      let v = i & j
      let s = 1
      while (v) {
        if (v & 1) s = -s
        v >>= 1
      }
      h[i * k + j] = s
    }
    return tf.tensor2d(h, [k, k])
  }
  const ha = sylvester(a)
  const hb = sylvester(b)
  const kronMs = await timeMs(() => {
    // row = X (a×b) → H_a X H_b (H symmetric); one reshape and two matmuls with explicit transposes
    const out = tf.tidy(() => {
      const t = tf.reshape(tf.matMul(tf.reshape(tf.tensor2d(x, [rows * a, b]), [rows * a, b]), hb), [rows, a, b])
      const tt = tf.reshape(tf.transpose(t, [0, 2, 1]), [rows * b, a])
      return tf.matMul(tt, ha)
    })
    out.dataSync()
    out.dispose()
  }, 3)
  ha.dispose()
  hb.dispose()
  return { name: `Walsh–Hadamard, ${rows} rows × ${p}`, value: Math.round(jsMs), unit: 'ms', baseline: { name: 'Kronecker matmuls on tfjs', value: Math.round(kronMs) }, ratio: Math.round((kronMs / jsMs) * 100) / 100, meta: { backend: tf.getBackend(), loadavg1: loadavg()[0] } }
}

/** ΦᵀΦ from row blocks on this thread and a gram worker, against this thread alone (same bits). */
async function gramThreads(): Promise<BenchResult> {
  const m = QUICK ? 2048 : 4096
  const rows = 512
  const blocks = 6
  const phi = Float32Array.from({ length: rows * m }, (_, i) => Math.sin(i * 0.37))
  const sum = async (threads: number): Promise<void> => {
    const acc = GramAccumulator.create(m, { threads })
    for (let b = 0; b < blocks; b++) await acc.add(phi, rows)
    await acc.finish()
  }
  const load0 = loadavg()[0]!
  const one: number[] = []
  const two: number[] = []
  for (let rep = 0; rep < 3; rep++) {
    for (const [threads, out] of [[1, one], [2, two]] as const) {
      const t = performance.now()
      await sum(threads)
      out.push(performance.now() - t)
    }
  }
  const median = (v: number[]): number => [...v].sort((a, b) => a - b)[1]!
  return { name: `ΦᵀΦ, ${blocks}×${rows} rows, m′ = ${m}, two threads`, value: Math.round(median(two)), unit: 'ms', baseline: { name: 'one thread', value: Math.round(median(one)) }, ratio: Math.round((median(one) / median(two)) * 100) / 100, meta: { backend: tf.getBackend(), interleaved: 3, loadavg1: [load0, loadavg()[0]] } }
}

/**
 * (G + εI)x = b where float32 cannot factor G + εI (G = ΦᵀΦ of features with a fast-decaying spectrum, ε =
 * 1e-6·trace/m′; at m′ = 1 024 it fails there and factors at 10ε): conjugate gradients preconditioned by the factor at 10ε, against the straightforward use of
 * that factor, refinement x ← x + M⁻¹(b − (G + εI)x) (contracts by ≈ 1 − ε/ε′ per sweep), both to 1e-8.
 */
async function shiftedSolve(): Promise<BenchResult> {
  const m = QUICK ? 256 : 1024
  const rows = 2 * m
  let a = 7
  const u = (): number => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0
    return a / 4294967296 - 0.5
  }
  // Φ = Z W: latent columns scaled 1 … 1e-4 (singular values over four decades), mixed by a dense W so the
  // small directions are not aligned with coordinates (a diagonal-dominant G would factor anyway)
  const z = Float32Array.from({ length: rows * m }, (_, i) => u() * 10 ** ((-4 * (i % m)) / m))
  const w = Float32Array.from({ length: m * m }, () => u())
  const phi = tf.tidy(() => tf.matMul(tf.tensor2d(z, [rows, m]), tf.tensor2d(w, [m, m])).dataSync() as Float32Array)
  const acc = new GramAccumulator(m, 256)
  await acc.add(phi, rows)
  const g = await acc.finish()
  let trace = 0
  for (let i = 0; i < m; i++) trace += g[i * m + i]!
  const shift = (1e-6 * trace) / m
  const b = Float64Array.from({ length: m }, () => u())
  const pre = await cholesky(g, m, { shift: 10 * shift })
  let bn = 0
  for (const v of b) bn += v * v
  bn = Math.sqrt(bn)
  let pcgIt = 0
  const pcgMs = await timeMs(async () => {
    pcgIt = (await pcgSolve(g, m, shift, pre, b, 1, { tol: 1e-8 })).iterations
  }, 3)
  let sweeps = 0
  let reached = 0
  // capped at 2 000 sweeps: where the float32 factor's error in the small directions exceeds 9ε the
  // refinement's contraction factor leaves [0, 1) and it never gets there (meta says what it reached)
  const richMs = await timeMs(() => {
    const x = new Float64Array(m)
    const r = new Float64Array(m)
    sweeps = 0
    while ((reached = residualColumns(g, m, shift, x, b, 1, r) / bn) > 1e-8 && sweeps < 2000) {
      cholSolveColumns(pre, r, 1)
      for (let i = 0; i < m; i++) x[i] = x[i]! + r[i]!
      sweeps++
    }
  }, 1, 0)
  return { name: `(ΦᵀΦ + εI)x = b, m′ = ${m}, float32 factor at 10ε as preconditioner, to 1e-8`, value: Math.round(pcgMs), unit: 'ms', baseline: { name: 'refinement with the same factor', value: Math.round(richMs) }, ratio: Math.round((richMs / pcgMs) * 100) / 100, meta: { pcgIterations: pcgIt, refinementSweeps: sweeps, refinementRelResidual: reached, ratioMeaning: 'refinement time / PCG time; with refinementRelResidual > 1e-8 the refinement never converged (a lower bound)', backend: tf.getBackend(), loadavg1: loadavg()[0] } }
}

export async function run(): Promise<BenchResult[]> {
  await initBackend()
  const results: BenchResult[] = [await hadamard(), await gramThreads(), await shiftedSolve()]
  const test = task(TEST, 99)
  const xTest = { data: test.x, rows: TEST, cols: D }
  for (const n of SIZES) {
    const tr = task(n, n)
    const xTrain = { data: tr.x, rows: n, cols: D }
    const yTrain = { data: tr.y, rows: n, cols: 10 }
    const load0 = loadavg()[0]!
    let t = performance.now()
    const exact = await predictInfiniteWidth({ xTrain, yTrain, xTest, arch, kernel: 'ntk', learningRate: 1, diagReg: 1e-4, variance: false })
    const exactMs = performance.now() - t
    const exactAcc = accuracy(exact.test, test.cls)
    process.stderr.write(`  n=${n} exact ${Math.round(exactMs)} ms, accuracy ${exactAcc}\n`)
    for (const [method, m] of [['rf', RF_M], ['nystrom', NYS_M]] as const) {
      t = performance.now()
      const map = await buildFeatureMap({ method, arch, kind: 'ntk', x: xTrain, features: m, seed: 0 })
      const r = await featureRidge({ map, xTrain, yTrain, xTest, diagReg: 1e-4, learningRate: 1, variance: false })
      map.dispose()
      const ms = performance.now() - t
      const acc = accuracy(r.test, test.cls)
      process.stderr.write(`  n=${n} ${method} m=${m} ${Math.round(ms)} ms, accuracy ${acc}\n`)
      results.push({
        name: `kernel regression n=${n}, ${method} m=${m} vs exact`,
        value: Math.round(ms),
        unit: 'ms',
        baseline: { name: 'exact NTK + Cholesky (ntkw predict)', value: Math.round(exactMs) },
        ratio: Math.round((exactMs / ms) * 100) / 100,
        meta: { n, d: D, depth: 3, features: r.features, solver: r.solver, featureSeconds: r.featureSeconds, accuracy: acc, exactAccuracy: exactAcc, backend: tf.getBackend(), loadavg1: [load0, loadavg()[0]] },
      })
    }
  }
  await shutdownKernelWorkers()
  return results
}
