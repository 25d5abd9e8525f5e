import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { eigh } from '../../../electron/engine/linalg/eigh'
import { gpPosterior } from '../../../electron/engine/ntk/gp'
import { gradientFlowPredictions } from '../../../electron/engine/ntk/dynamics'
import { predictInfiniteWidth } from '../../../electron/engine/ntk/predict'
import { computeAnalyticKernels } from '../../../electron/engine/ntk/analytic'
import { UserError } from '../../../shared/errors'
import type { FcArch } from '../../../shared/arch'
import { matmulF64, relErr, rng, solveF64 } from '../linalg/reference'

beforeAll(async () => {
  await initBackend()
})

/** Points and an RBF kernel built here in float64 (then stored as float32, as kernels are). */
function problem(n: number, m: number, k: number, seed: number) {
  const r = rng(seed)
  const d = 4
  const pts = Array.from({ length: (n + m) * d }, () => 1.5 * r())
  const kf = (i: number, j: number): number => {
    let s = 0
    for (let c = 0; c < d; c++) s += (pts[i * d + c]! - pts[j * d + c]!) ** 2
    return Math.exp(-s / 2) + 0.2
  }
  const kTrain = new Float32Array(n * n)
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) kTrain[i * n + j] = kf(i, j)
  const kCross = new Float32Array(m * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) kCross[i * n + j] = kf(n + i, j)
  const kTestDiag = Float32Array.from({ length: m }, (_, i) => kf(n + i, n + i))
  const y = Float64Array.from({ length: n * k }, () => r())
  return { n, m, k, kTrain, kCross, kTestDiag, y }
}

function shifted(kTrain: Float32Array, n: number, eps: number): Float64Array {
  const a = Float64Array.from(kTrain)
  for (let i = 0; i < n; i++) a[i * n + i] = a[i * n + i]! + eps
  return a
}

describe('t = ∞ and GP inference', () => {
  it('mean equals an explicit float64 solve K*(K + εI)⁻¹y, variance equals K** − K*ᵀ(K + εI)⁻¹K*', async () => {
    const p = problem(70, 15, 3, 1)
    const diagReg = 1e-3
    let tr = 0
    for (let i = 0; i < p.n; i++) tr += p.kTrain[i * p.n + i]!
    const eps = (diagReg * tr) / p.n
    const before = tf.memory().numTensors
    const gp = await gpPosterior({ kTrain: p.kTrain, n: p.n, kCross: p.kCross, m: p.m, y: p.y, k: p.k }, { diagReg, kTestDiag: p.kTestDiag })
    expect(tf.memory().numTensors).toBe(before)
    expect(gp.shift).toBeCloseTo(eps, 12)
    const a = shifted(p.kTrain, p.n, eps)
    const alpha = solveF64(a, p.y, p.n, p.k)
    expect(relErr(gp.mean, matmulF64(p.kCross, alpha, p.m, p.n, p.k))).toBeLessThan(1e-10)
    expect(gp.relResidual).toBeLessThan(1e-12)
    // variance in float64: k** − k*ᵀ A⁻¹ k*
    const kct = new Float64Array(p.n * p.m)
    for (let i = 0; i < p.m; i++) for (let j = 0; j < p.n; j++) kct[j * p.m + i] = p.kCross[i * p.n + j]!
    const sol = solveF64(a, kct, p.n, p.m)
    for (let i = 0; i < p.m; i++) {
      let q = 0
      for (let j = 0; j < p.n; j++) q += p.kCross[i * p.n + j]! * sol[j * p.m + i]!
      const ref = p.kTestDiag[i]! - q
      expect(gp.variance![i]!).toBeGreaterThanOrEqual(0)
      expect(Math.abs(gp.variance![i]! - ref)).toBeLessThan(1e-4 * p.kTestDiag[i]!)
    }
  })

  it('variance is ≥ 0 everywhere and ≈ 0 at the training points (tiny regularisation)', async () => {
    const p = problem(40, 0, 1, 2)
    const gp = await gpPosterior({ kTrain: p.kTrain, n: p.n, kCross: p.kTrain, m: p.n, y: p.y, k: 1 }, { diagReg: 1e-7, kTestDiag: Float32Array.from({ length: p.n }, (_, i) => p.kTrain[i * p.n + i]!) })
    for (const v of gp.variance!) {
      expect(v).toBeGreaterThanOrEqual(0)
      expect(v).toBeLessThan(1e-3)
    }
    // and the mean interpolates the labels
    expect(relErr(gp.mean, p.y)).toBeLessThan(1e-3)
  })
})

describe('gradient-flow dynamics (docs/math.md §3)', () => {
  it('t = 0 with f₀ = 0 gives 0; large t converges to the t = ∞ solve', async () => {
    const p = problem(60, 12, 2, 3)
    const eig = await eigh(p.kTrain, p.n)
    const before = tf.memory().numTensors
    const dyn = gradientFlowPredictions({ eig, y: p.y, k: p.k, kCross: p.kCross, m: p.m, times: [0, 1e12], learningRate: 1 })
    expect(tf.memory().numTensors).toBe(before)
    for (let i = 0; i < p.m * p.k; i++) expect(dyn.test[i]).toBe(0)
    for (let i = 0; i < p.n * p.k; i++) expect(Math.abs(dyn.train[i]!)).toBeLessThan(1e-5)
    const alpha = solveF64(Float64Array.from(p.kTrain), p.y, p.n, p.k)
    const inf = matmulF64(p.kCross, alpha, p.m, p.n, p.k)
    expect(eig.values[0]! * 1e12 / (p.n * p.k)).toBeGreaterThan(50) // every mode has converged
    expect(relErr(dyn.test.subarray(p.m * p.k), inf)).toBeLessThan(2e-3)
    expect(relErr(dyn.train.subarray(p.n * p.k), p.y)).toBeLessThan(1e-4)
  })

  it('closed form matches an explicit Euler integration of df/dt = −η/(NK) Θ (f − y) in float64', async () => {
    const p = problem(30, 8, 2, 4)
    const eta = 2
    const times = [0.5, 3, 20]
    const eig = await eigh(p.kTrain, p.n)
    const dyn = gradientFlowPredictions({ eig, y: p.y, k: p.k, kCross: p.kCross, m: p.m, times, learningRate: eta })
    const c = eta / (p.n * p.k)
    const f = new Float64Array(p.n * p.k)
    const fs = new Float64Array(p.m * p.k)
    const dt = 1e-3
    let t = 0
    for (let ti = 0; ti < times.length; ti++) {
      while (t < times[ti]! - 1e-9) {
        const res = new Float64Array(p.n * p.k)
        for (let i = 0; i < p.n * p.k; i++) res[i] = f[i]! - p.y[i]!
        const df = matmulF64(p.kTrain, res, p.n, p.n, p.k)
        const dfs = matmulF64(p.kCross, res, p.m, p.n, p.k)
        for (let i = 0; i < p.n * p.k; i++) f[i] = f[i]! - dt * c * df[i]!
        for (let i = 0; i < p.m * p.k; i++) fs[i] = fs[i]! - dt * c * dfs[i]!
        t += dt
      }
      expect(relErr(dyn.train.subarray(ti * p.n * p.k, (ti + 1) * p.n * p.k), f)).toBeLessThan(2e-3)
      expect(relErr(dyn.test.subarray(ti * p.m * p.k, (ti + 1) * p.m * p.k), fs)).toBeLessThan(2e-3)
    }
  })
})

describe('discrete gradient-descent dynamics', () => {
  it('equals explicit GD steps f ← f − η/(NK) Θ (f − y) on train and test points, even at a large step size', async () => {
    const p = problem(24, 7, 2, 11)
    const eig = await eigh(p.kTrain, p.n)
    const lambdaMax = eig.values[p.n - 1]!
    const eta = (1.5 * p.n * p.k) / lambdaMax // cλ_max = 1.5: far from gradient flow, still stable
    const f0 = Float64Array.from({ length: p.n * p.k }, (_, i) => Math.sin(i))
    const f0s = Float64Array.from({ length: p.m * p.k }, (_, i) => Math.cos(i))
    const times = [0, 1, 2, 5, 12]
    const dyn = gradientFlowPredictions({ eig, y: p.y, k: p.k, kCross: p.kCross, m: p.m, times, learningRate: eta, f0Train: f0, f0Test: f0s, discrete: true })
    const c = eta / (p.n * p.k)
    const f = Float64Array.from(f0)
    const fs = Float64Array.from(f0s)
    let step = 0
    for (let ti = 0; ti < times.length; ti++) {
      for (; step < times[ti]!; step++) {
        const res = new Float64Array(p.n * p.k)
        for (let i = 0; i < p.n * p.k; i++) res[i] = f[i]! - p.y[i]!
        const df = matmulF64(p.kTrain, res, p.n, p.n, p.k)
        const dfs = matmulF64(p.kCross, res, p.m, p.n, p.k)
        for (let i = 0; i < p.n * p.k; i++) f[i] = f[i]! - c * df[i]!
        for (let i = 0; i < p.m * p.k; i++) fs[i] = fs[i]! - c * dfs[i]!
      }
      expect(relErr(dyn.train.subarray(ti * p.n * p.k, (ti + 1) * p.n * p.k), f)).toBeLessThan(2e-3)
      expect(relErr(dyn.test.subarray(ti * p.m * p.k, (ti + 1) * p.m * p.k), fs)).toBeLessThan(2e-3)
    }
    // and it differs from gradient flow at this step size (the reason it exists)
    const flow = gradientFlowPredictions({ eig, y: p.y, k: p.k, kCross: p.kCross, m: p.m, times: [1], learningRate: eta, f0Train: f0, f0Test: f0s })
    expect(relErr(flow.train, dyn.train.subarray(p.n * p.k, 2 * p.n * p.k))).toBeGreaterThan(1e-2)
  })
})

describe('predictInfiniteWidth (analytic kernels end to end)', () => {
  const arch: FcArch = { depth: 2, width: 'inf', activation: { name: 'relu' }, wStd: 1.4, bStd: 0.1, parameterization: 'ntk' }
  const r = rng(8)
  const xTrain = { data: Float32Array.from({ length: 40 * 6 }, () => r()), rows: 40, cols: 6 }
  const xTest = { data: Float32Array.from({ length: 9 * 6 }, () => r()), rows: 9, cols: 6 }
  const yTrain = { data: Float64Array.from({ length: 40 * 2 }, () => r()), rows: 40, cols: 2 }

  it('t = ∞ equals a float64 solve with the kernels the engine computes; a list of times has shape (T, m, K)', async () => {
    const out = await predictInfiniteWidth({ xTrain, yTrain, xTest, arch, kernel: 'nngp', learningRate: 1, diagReg: 0, variance: true, workers: 1 })
    const kt = (await computeAnalyticKernels(xTrain, null, arch, { kernels: ['nngp'], workers: 1 })).nngp!
    const kc = (await computeAnalyticKernels(xTest, xTrain, arch, { kernels: ['nngp'], workers: 1 })).nngp!
    const ref = matmulF64(kc, solveF64(Float64Array.from(kt), Float64Array.from(yTrain.data), 40, 2), 9, 40, 2)
    expect(out.testShape).toEqual([9, 2])
    expect(relErr(out.test, ref)).toBeLessThan(1e-5)
    expect(out.variance!.length).toBe(9)
    const dyn = await predictInfiniteWidth({ xTrain, yTrain, xTest, arch, kernel: 'nngp', times: [1, 1e9], learningRate: 1, diagReg: 0, variance: false, workers: 1 })
    expect(dyn.testShape).toEqual([2, 9, 2])
    expect(relErr(dyn.test.subarray(18), ref)).toBeLessThan(1e-2)
  })

  it('explains mismatched rows and features, and a singular kernel with the --diag-reg that fixes it', async () => {
    const bad = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as UserError)
    const e1 = await bad(predictInfiniteWidth({ xTrain, yTrain: { ...yTrain, rows: 39, data: yTrain.data.subarray(0, 78) }, xTest, arch, kernel: 'ntk', learningRate: 1, diagReg: 0, variance: false }))
    expect(e1).toBeInstanceOf(UserError)
    expect(e1!.message).toMatch(/x-train has 40 rows but y-train has 39/)
    const e2 = await bad(predictInfiniteWidth({ xTrain, yTrain, xTest: { data: new Float32Array(9 * 5), rows: 9, cols: 5 }, arch, kernel: 'ntk', learningRate: 1, diagReg: 0, variance: false }))
    expect(e2!.message).toMatch(/6 features but x-test has 5/)
    // duplicated training points make K exactly singular
    const dup = { data: new Float32Array(40 * 6), rows: 40, cols: 6 }
    for (let i = 0; i < 40; i++) dup.data.set(xTrain.data.subarray((i % 20) * 6, (i % 20) * 6 + 6), i * 6)
    const e3 = await bad(predictInfiniteWidth({ xTrain: dup, yTrain, xTest, arch, kernel: 'ntk', learningRate: 1, diagReg: 0, variance: false, workers: 1 }))
    expect(e3).toBeInstanceOf(UserError)
    expect(e3!.code).toBe('kernel_singular')
    const reg = Number(/--diag-reg ([0-9.e+-]+)/.exec(e3!.hint ?? '')![1])
    const ok = await predictInfiniteWidth({ xTrain: dup, yTrain, xTest, arch, kernel: 'ntk', learningRate: 1, diagReg: reg, variance: false, workers: 1 })
    expect(ok.test.every(Number.isFinite)).toBe(true)
  })
})
