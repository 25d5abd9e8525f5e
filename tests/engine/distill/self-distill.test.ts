import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { computeAnalyticKernels } from '../../../electron/engine/ntk/analytic'
import { eigh } from '../../../electron/engine/linalg/eigh'
import { refineEigh } from '../../../electron/engine/linalg/eigh-refine'
import { constantAlphaWeights, crossTimes, dualCoefficients, optimalSchedule, spectralProblem, trainPredictions } from '../../../electron/engine/distill/self-distill/solve'
import { trainShrinkage } from '../../../electron/engine/distill/self-distill/shrinkage'
import type { FcArch } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'
import { matmulF64, relErr, rng, solveF64 } from '../linalg/reference'

beforeAll(async () => {
  await initBackend()
})

const arch: FcArch = { depth: 2, width: 'inf', activation: { name: 'relu' }, wStd: 1.4, bStd: 0.1, parameterization: 'ntk' }
const n = 90
const m = 25
const dIn = 6
const K = 3
const r = rng(5)
const x = Float64Array.from({ length: n * dIn }, () => r() * 2 - 1)
const xs = Float64Array.from({ length: m * dIn }, () => r() * 2 - 1)
const y = Float64Array.from({ length: n * K }, () => r() - 0.5)
let G: Float32Array
let Ks: Float32Array

beforeAll(async () => {
  G = (await computeAnalyticKernels({ data: x, rows: n, cols: dIn }, null, arch, { kernels: ['ntk'], workers: 1 })).ntk!
  Ks = (await computeAnalyticKernels({ data: xs, rows: m, cols: dIn }, { data: x, rows: n, cols: dIn }, arch, { kernels: ['ntk'], workers: 1 })).ntk!
})

/** (G + λ'I) in float64 from the float32 kernel values */
function shifted(lambda: number): Float64Array {
  const a = Float64Array.from(G)
  for (let i = 0; i < n; i++) a[i * n + i] = a[i * n + i]! + lambda
  return a
}

/** The definition, step by step: solve (G + λI)β = t, ŷ = Gβ, next t = αy + (1 − α)ŷ. */
function iterated(lambda: number, alphas: number[]): { train: Float64Array[]; test: Float64Array[] } {
  const a = shifted(lambda)
  let t = Float64Array.from(y)
  const train: Float64Array[] = []
  const test: Float64Array[] = []
  for (const alpha of alphas) {
    const beta = solveF64(a, t, n, K)
    const yhat = matmulF64(Float64Array.from(G), beta, n, n, K)
    train.push(yhat)
    test.push(matmulF64(Float64Array.from(Ks), beta, m, n, K))
    t = Float64Array.from(y, (yi, i) => alpha * yi + (1 - alpha) * yhat[i]!)
  }
  return { train, test }
}

describe('float64 refinement of the eigendecomposition', () => {
  it('turns float32-level eigenvectors into float64-level ones (residual and orthogonality)', async () => {
    const e = await eigh(G, n)
    const ref = await refineEigh(G, e, { diagnostics: true })
    expect(ref.relResidual!).toBeLessThan(1e-9)
    expect(ref.orthogonality!).toBeLessThan(1e-10)
    // the float32 input was far from that (so the test can fail)
    let orth32 = 0
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0
        for (let q = 0; q < n; q++) s += e.vectors[q * n + i]! * e.vectors[q * n + j]!
        orth32 += (s - (i === j ? 1 : 0)) ** 2
      }
    }
    expect(Math.sqrt(orth32)).toBeGreaterThan(1e-8)
  })
})

describe('kernel self-distillation (Borup & Andersen)', () => {
  for (const [diagReg, alpha] of [[1e-2, 0.5], [1e-3, 0.2], [1e-1, 0.8]] as const) {
    it(`closed form = iterated solves (≤ 1e-6 relative), diag_reg ${diagReg}, α ${alpha}`, async () => {
      const sp = await spectralProblem(G, n, y, K, diagReg)
      const steps = 6
      const ref = iterated(sp.lambda, Array(steps).fill(alpha))
      const ws = constantAlphaWeights(sp, alpha, steps)
      for (let t = 0; t < steps; t++) {
        expect(relErr(trainPredictions(sp, ws[t]!), ref.train[t]!)).toBeLessThan(1e-6)
        expect(relErr(crossTimes(Ks, m, n, dualCoefficients(sp, ws[t]!), K), ref.test[t]!)).toBeLessThan(1e-6)
      }
      // the steps really differ (the check above is not trivially satisfied)
      expect(relErr(ref.test[steps - 1]!, ref.test[0]!)).toBeGreaterThan(1e-3)
    })
  }

  it('step 1 is kernel ridge regression and τ → ∞ is ridge regression with λ/α', async () => {
    const sp = await spectralProblem(G, n, y, K, 1e-2)
    for (const alpha of [0.3, 0.7]) {
      const ws = constantAlphaWeights(sp, alpha, 400)
      const krr = matmulF64(Float64Array.from(Ks), solveF64(shifted(sp.lambda), y, n, K), m, n, K)
      expect(relErr(crossTimes(Ks, m, n, dualCoefficients(sp, ws[0]!), K), krr)).toBeLessThan(1e-6)
      const limit = matmulF64(Float64Array.from(Ks), solveF64(shifted(sp.lambda / alpha), y, n, K), m, n, K)
      expect(relErr(crossTimes(Ks, m, n, dualCoefficients(sp, ws[399]!), K), limit)).toBeLessThan(1e-6)
      expect(relErr(crossTimes(Ks, m, n, dualCoefficients(sp, ws[0]!), K), limit)).toBeGreaterThan(1e-3)
    }
  })

  it('per-eigenvalue shrinkage: b^(τ) from the recursion a·(α + (1 − α)b^(τ−1)), α = 0 collapses to 0', () => {
    for (const d of [0, 1e-3, 0.5, 2, 50]) {
      for (const alpha of [0, 0.25, 1]) {
        let b = d / (d + 0.7)
        for (let t = 1; t <= 30; t++) {
          expect(trainShrinkage(d, 0.7, alpha, t)).toBeCloseTo(b, 12)
          b = (d / (d + 0.7)) * (alpha + (1 - alpha) * b)
        }
      }
      expect(trainShrinkage(d, 0.7, 0, 2000)).toBeLessThan(1e-12 + (d > 0 ? Math.pow(d / (d + 0.7), 2000) : 0))
    }
  })

  it('the optimal α per step minimises the held-out squared error (checked against a fine grid of iterated solves)', async () => {
    const sp = await spectralProblem(G, n, y, K, 3e-2)
    // reference targets: a less regularised ridge fit plus noise, so the best α is interior and not 1
    const lessReg = matmulF64(Float64Array.from(Ks), solveF64(shifted(sp.lambda / 3), y, n, K), m, n, K)
    const yRef = Float64Array.from(lessReg, (v) => v + 0.05 * (r() - 0.5))
    const sched = optimalSchedule(sp, Ks, yRef, m, 3)
    const err = (alphas: number[]) => {
      const t = iterated(sp.lambda, alphas).test.at(-1)!
      return t.reduce((s, v, i) => s + (v - yRef[i]!) ** 2, 0)
    }
    // step 2: α applies to the targets of step 2, i.e. the first entry of iterated()'s α list
    const best = sched.raw[1]!
    let gridBest = Infinity
    let gridArg = 0
    for (let g = -100; g <= 300; g++) {
      const a = g / 100
      const e = err([a, 0])
      if (e < gridBest) {
        gridBest = e
        gridArg = a
      }
    }
    expect(Math.abs(best - gridArg)).toBeLessThanOrEqual(0.01)
    expect(err([best, 0])).toBeLessThanOrEqual(gridBest * (1 + 1e-9))
    expect(sched.alphas[1]).toBe(Math.min(1, Math.max(0, best)))
  })

  it('refuses λ = 0 with a clear error', async () => {
    await expect(spectralProblem(G, n, y, K, 0)).rejects.toThrow(UserError)
  })
})
