import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../electron/engine/runtime/backend'
import { cholesky } from '../electron/engine/linalg/cholesky'
import { refinedSolve, residualColumns } from '../electron/engine/linalg/refine'
import { cholSolveColumns, toColumns } from '../electron/engine/linalg/triangular'
import { eigh } from '../electron/engine/linalg/eigh'
import { tql2 } from '../electron/engine/linalg/tql2'
import { solveWorkers } from '../electron/engine/ntk/cholesky-lanes'
import { loadavg } from 'node:os'
import { leftLookingCholesky } from './cholesky-left-looking'
import { cpuTimeMs } from './cpu-time'
import { QUICK, type BenchResult } from './types'

// Cholesky solve and symmetric eigendecomposition against textbook plain-JS float64 implementations
// measured in the same run (at a smaller n, extrapolated by n³: both baselines are pure O(n³) loops).

/** SPD test matrix like a kernel: G Gᵀ / d + 0.05·I with d = n/2 (moderately conditioned). */
function spd(n: number, seed: number): Float32Array {
  return tf.tidy(() => {
    const g = tf.randomNormal([n, Math.max(8, n >> 1)], 0, 1, 'float32', seed)
    const k = tf.add(tf.mul(tf.matMul(g, tf.transpose(g)), 1 / Math.max(8, n >> 1)), tf.mul(tf.eye(n), 0.05))
    return k.dataSync() as Float32Array
  })
}

/** Textbook unblocked Cholesky–Banachiewicz in float64 followed by the two substitutions. */
function naiveCholeskySolve(a: Float32Array, n: number, b: Float64Array): Float64Array {
  const l = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!
      l[i * n + j] = i === j ? Math.sqrt(s) : s / l[j * n + j]!
    }
  }
  const y = Float64Array.from(b)
  for (let i = 0; i < n; i++) {
    let s = y[i]!
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!
    y[i] = s / l[i * n + i]!
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * y[k]!
    y[i] = s / l[i * n + i]!
  }
  return y
}

/** Textbook eigensolver in float64: unblocked Householder tridiagonalisation with explicit Q, then QL (tql2), V = Q Z. */
function naiveEigh(a32: Float32Array, n: number): Float64Array {
  const a = Float64Array.from(a32)
  const q = new Float64Array(n * n)
  for (let i = 0; i < n; i++) q[i * n + i] = 1
  const d = new Float64Array(n)
  const e = new Float64Array(n - 1)
  const v = new Float64Array(n)
  const p = new Float64Array(n)
  for (let k = 0; k < n - 2; k++) {
    let sigma = 0
    for (let i = k + 2; i < n; i++) sigma += a[i * n + k]! ** 2
    const alpha = a[(k + 1) * n + k]!
    if (sigma === 0) continue
    const beta = -(alpha >= 0 ? 1 : -1) * Math.sqrt(alpha * alpha + sigma)
    const tau = (beta - alpha) / beta
    v.fill(0)
    v[k + 1] = 1
    for (let i = k + 2; i < n; i++) v[i] = a[i * n + k]! / (alpha - beta)
    // A ← H A H with p = τ A v, w = p − ½ τ (pᵀv) v, A −= v wᵀ + w vᵀ
    let pv = 0
    for (let i = k; i < n; i++) {
      let s = 0
      for (let j = k + 1; j < n; j++) s += a[i * n + j]! * v[j]!
      p[i] = tau * s
      pv += p[i]! * v[i]!
    }
    for (let i = k; i < n; i++) p[i] = p[i]! - 0.5 * tau * pv * v[i]!
    for (let i = k; i < n; i++) for (let j = k; j < n; j++) a[i * n + j] = a[i * n + j]! - v[i]! * p[j]! - p[i]! * v[j]!
    // Q ← Q H
    for (let i = 0; i < n; i++) {
      let s = 0
      for (let j = k + 1; j < n; j++) s += q[i * n + j]! * v[j]!
      s *= tau
      for (let j = k + 1; j < n; j++) q[i * n + j] = q[i * n + j]! - s * v[j]!
    }
  }
  for (let i = 0; i < n; i++) d[i] = a[i * n + i]!
  for (let i = 0; i < n - 1; i++) e[i] = a[(i + 1) * n + i]!
  const t = tql2(d, e)
  const out = new Float64Array(n * n)
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const qik = q[i * n + k]!
      for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! + qik * t.vectors[k * n + j]!
    }
  return out
}

/**
 * One refinement sweep written the straightforward way on row-major n×k arrays: forward and backward
 * substitution and the float64 residual with an inner loop over the k right-hand sides per entry.
 */
function naiveSweep(a: Float32Array, l: Float32Array, n: number, k: number, x: Float64Array, b: Float64Array, r: Float64Array): void {
  const acc = new Float64Array(k)
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) acc[c] = r[i * k + c]!
    for (let j = 0; j < i; j++) for (let c = 0; c < k; c++) acc[c] = acc[c]! - l[i * n + j]! * r[j * k + c]!
    for (let c = 0; c < k; c++) r[i * k + c] = acc[c]! / l[i * n + i]!
  }
  for (let j = n - 1; j >= 0; j--) {
    for (let c = 0; c < k; c++) r[j * k + c] = r[j * k + c]! / l[j * n + j]!
    for (let i = 0; i < j; i++) for (let c = 0; c < k; c++) r[i * k + c] = r[i * k + c]! - l[j * n + i]! * r[j * k + c]!
  }
  for (let i = 0; i < n * k; i++) x[i] = x[i]! + r[i]!
  for (let i = 0; i < n; i++) {
    acc.fill(0)
    for (let j = 0; j < n; j++) for (let c = 0; c < k; c++) acc[c] = acc[c]! + a[i * n + j]! * x[j * k + c]!
    for (let c = 0; c < k; c++) r[i * k + c] = b[i * k + c]! - acc[c]!
  }
}

export async function run(): Promise<BenchResult[]> {
  await initBackend('auto')
  const results: BenchResult[] = []

  // Cholesky solve
  {
    const n = QUICK ? 1000 : 4000
    const nb = QUICK ? 500 : 1500
    const a = spd(n, 1)
    const b = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1))
    const workers = solveWorkers()
    await cholesky(a, n, { workers }) // starts the worker threads (a `predict` finds them warm from its kernel)
    const t0 = performance.now()
    const f = await cholesky(a, n, { workers })
    const tFactor = performance.now() - t0
    const sol = await refinedSolve(a, f, b, 1, { workers })
    const ours = performance.now() - t0
    const ab = spd(nb, 2)
    const t1 = performance.now()
    naiveCholeskySolve(ab, nb, Float64Array.from({ length: nb }, (_, i) => Math.sin(i + 1)))
    const naive = performance.now() - t1
    const naiveAtN = naive * (n / nb) ** 3
    results.push({
      name: `Cholesky solve n=${n} (float32 blocked factor ${workers ? 'on worker threads' : 'with MLAS on every core'} + float64 refinement)`,
      value: ours / 1000,
      unit: 's',
      baseline: { name: `textbook unblocked Cholesky, plain JS float64 (measured at n=${nb}, ×(n/${nb})³)`, value: naiveAtN / 1000 },
      ratio: naiveAtN / ours,
      meta: {
        factorSeconds: tFactor / 1000,
        refineSeconds: (ours - tFactor) / 1000,
        relResidual: sol.relResidual,
        relResidualBeforeRefinement: sol.initialRelResidual,
        refineIterations: sol.iterations,
        baselineMeasuredSeconds: naive / 1000,
        baselineMeasuredN: nb,
        extrapolation: 'baseline time × (n / n_measured)³',
      },
    })
  }

  // the factorisation alone: right-looking on the worker threads against the previous left-looking one-thread
  // factor, interleaved, best of 3, wall time (the machine is shared: the load average goes with the numbers)
  {
    const n = QUICK ? 1000 : 4000
    const a = spd(n, 6)
    const workers = solveWorkers()
    const oursMs: number[] = []
    const prevMs: number[] = []
    const load = loadavg()[0]
    let identical = true
    let single: Float32Array | null = null
    for (let rep = 0; rep < 3; rep++) {
      let t = performance.now()
      const f = await cholesky(a, n, { workers })
      oursMs.push(Math.round(performance.now() - t))
      t = performance.now()
      leftLookingCholesky(a, n)
      prevMs.push(Math.round(performance.now() - t))
      single ??= (await cholesky(a, n, { threads: 1 })).l
      for (let i = 0; i < n * n && identical; i++) identical = f.l[i] === single[i]
    }
    results.push({
      name: `Cholesky factor n=${n}: right-looking, panel and update units on ${workers ? 'worker threads + this one' : 'this thread (MLAS on every core, or no worker bundle)'}`,
      value: Math.min(...oursMs),
      unit: 'ms',
      baseline: { name: 'previous left-looking blocked factor, one thread (bench/cholesky-left-looking.ts)', value: Math.min(...prevMs) },
      ratio: Math.round((Math.min(...prevMs) / Math.min(...oursMs)) * 100) / 100,
      meta: { statistic: 'wall time, best of 3 interleaved', oursMs, prevMs, loadAverage1m: load, loadAverageAfter1m: loadavg()[0], sameBytesAsOneThread: identical },
    })
  }

  // one refinement sweep (correction solve + float64 residual), 10 right-hand sides, CPU time, interleaved
  {
    const n = QUICK ? 1000 : 4000
    const k = 10
    const a = spd(n, 5)
    const f = await cholesky(a, n)
    const b = Float64Array.from({ length: n * k }, (_, i) => Math.sin(i * 0.37))
    const oursMs: number[] = []
    const naiveMs: number[] = []
    for (let rep = 0; rep < (QUICK ? 2 : 4); rep++) {
      const bc = toColumns(b, n, k)
      const x = new Float64Array(n * k)
      const r = Float64Array.from(bc)
      oursMs.push(
        cpuTimeMs(() => {
          cholSolveColumns(f, r, k)
          for (let i = 0; i < n * k; i++) x[i] = x[i]! + r[i]!
          residualColumns(a, n, f.shift, x, bc, k, r)
        }),
      )
      const xr = new Float64Array(n * k)
      const rr = Float64Array.from(b)
      naiveMs.push(cpuTimeMs(() => naiveSweep(a, f.l, n, k, xr, b, rr)))
    }
    results.push({
      name: `refinement sweep n=${n}, ${k} right-hand sides (triangular solves + float64 residual) on column layouts`,
      value: Math.round(Math.min(...oursMs)),
      unit: 'ms',
      baseline: { name: 'the same sweep on row-major arrays, a loop over the right-hand sides per entry', value: Math.round(Math.min(...naiveMs)) },
      ratio: Math.round((Math.min(...naiveMs) / Math.min(...oursMs)) * 100) / 100,
      meta: { statistic: 'CPU time, best of interleaved runs', oursMs, naiveMs },
    })
  }

  // symmetric eigendecomposition
  {
    const n = QUICK ? 500 : 2000
    const nb = QUICK ? 250 : 500
    const a = spd(n, 3)
    const t0 = performance.now()
    const r = await eigh(a, n)
    const ours = performance.now() - t0
    const checks = tf.tidy(() => {
      const v = tf.tensor2d(r.vectors, [n, n])
      const at = tf.tensor2d(a, [n, n])
      const rec = tf.matMul(tf.mul(v, tf.tensor2d(Float32Array.from(r.values), [1, n])), tf.transpose(v))
      return [tf.div(tf.norm(tf.sub(rec, at)), tf.norm(at)), tf.max(tf.abs(tf.sub(tf.matMul(tf.transpose(v), v), tf.eye(n))))]
    })
    const check = checks.map((t) => t.dataSync()[0]!)
    tf.dispose(checks)
    const ab = spd(nb, 4)
    const t1 = performance.now()
    naiveEigh(ab, nb)
    const naive = performance.now() - t1
    const naiveAtN = naive * (n / nb) ** 3
    results.push({
      name: `symmetric eigendecomposition n=${n} (blocked Householder + divide and conquer)`,
      value: ours / 1000,
      unit: 's',
      baseline: { name: `textbook Householder + QL (tql2), plain JS float64 (measured at n=${nb}, ×(n/${nb})³)`, value: naiveAtN / 1000 },
      ratio: naiveAtN / ours,
      meta: {
        relReconstruction: check[0],
        maxOrthogonalityError: check[1],
        baselineMeasuredSeconds: naive / 1000,
        baselineMeasuredN: nb,
        extrapolation: 'baseline time × (n / n_measured)³',
      },
    })
  }
  return results
}
