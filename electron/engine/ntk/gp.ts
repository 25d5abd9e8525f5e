import type { CholeskyFactor } from '../linalg/cholesky'
import { refinedSolve } from '../linalg/refine'
import { factorSpd } from '../linalg/spd'
import { forwardSolveMany } from '../linalg/triangular'
import { solveWorkers } from './cholesky-lanes'

// t = ∞ of docs/math.md §3 and GP inference, with f₀ = 0 (the infinite-width ensemble mean):
//   mean     f(x*) = K(x*, X) (K + εI)⁻¹ y,                ε = diag_reg · trace(K)/N
//   variance σ²(x*) = K(x*, x*) − K(x*, X) (K + εI)⁻¹ K(X, x*)   (diagonal)
// The solve is float32 Cholesky + float64 refinement; the mean's product is accumulated in float64.

export interface KernelSystem {
  /** K(X, X), row-major n×n float32 */
  kTrain: Float32Array
  n: number
  /** K(X*, X), row-major m×n float32 (one row per test point) */
  kCross: Float32Array
  m: number
  /** targets, row-major n×k */
  y: Float64Array
  k: number
}

export interface GpOptions {
  diagReg: number
  /** K(x*, x*) per test point: asks for the predictive variance */
  kTestDiag?: Float32Array
  /** for error messages: 'the NTK of the training inputs' */
  what?: string
  onStep?: () => Promise<void> | void
}

export interface GpResult {
  /** m×k float64 */
  mean: Float64Array
  /** n×k float64 predictions on the training points, K (K + εI)⁻¹ y = y − ε α */
  trainMean: Float64Array
  /** m float64, clipped at 0 (negative values are float32 rounding only) */
  variance?: Float64Array
  /** the α = (K + εI)⁻¹ y that was solved */
  alpha: Float64Array
  shift: number
  relResidual: number
  initialRelResidual: number
  refineIterations: number
  /** most negative variance before clipping (rounding level indicator), 0 if none */
  varianceClipped?: number
}

/** K(X*, X) · α in float64 (m×n by n×k). */
export function crossTimes(kCross: Float32Array, m: number, n: number, alpha: Float64Array, k: number): Float64Array {
  const out = new Float64Array(m * k)
  for (let i = 0; i < m; i++) {
    const ri = i * n
    for (let j = 0; j < n; j++) {
      const v = kCross[ri + j]!
      const rj = j * k
      for (let c = 0; c < k; c++) out[i * k + c] = out[i * k + c]! + v * alpha[rj + c]!
    }
  }
  return out
}

export async function gpPosterior(sys: KernelSystem, opts: GpOptions): Promise<GpResult> {
  const { kTrain, n, kCross, m, y, k } = sys
  const workers = solveWorkers()
  const factor = await factorSpd(kTrain, n, opts.diagReg, { what: opts.what, onBlock: opts.onStep, workers })
  const sol = await refinedSolve(kTrain, factor, y, k, { onStep: opts.onStep, workers })
  const mean = crossTimes(kCross, m, n, sol.x, k)
  const trainMean = new Float64Array(n * k)
  for (let i = 0; i < n * k; i++) trainMean[i] = y[i]! - factor.shift * sol.x[i]!
  const out: GpResult = {
    mean,
    trainMean,
    alpha: sol.x,
    shift: factor.shift,
    relResidual: sol.relResidual,
    initialRelResidual: sol.initialRelResidual,
    refineIterations: sol.iterations,
  }
  if (opts.kTestDiag) {
    const v = predictiveVariance(factor, kCross, m, opts.kTestDiag)
    out.variance = v.variance
    out.varianceClipped = v.minRaw < 0 ? v.minRaw : 0
  }
  return out
}

/** σ²(x*) = K(x*, x*) − ‖L⁻¹ K(X, x*)‖², with L⁻¹ K(X, X*) by the blocked float32 forward solve. */
export function predictiveVariance(factor: CholeskyFactor, kCross: Float32Array, m: number, kTestDiag: Float32Array): { variance: Float64Array; minRaw: number } {
  const n = factor.n
  // K(X, X*) = K(X*, X)ᵀ: n×m right-hand side
  const rhs = new Float32Array(n * m)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) rhs[j * m + i] = kCross[i * n + j]!
  const w = forwardSolveMany(factor, rhs, m)
  const q = new Float64Array(m)
  for (let j = 0; j < n; j++) {
    const rj = j * m
    for (let i = 0; i < m; i++) q[i] = q[i]! + w[rj + i]! * w[rj + i]!
  }
  const variance = new Float64Array(m)
  let minRaw = Infinity
  for (let i = 0; i < m; i++) {
    const v = kTestDiag[i]! - q[i]!
    if (v < minRaw) minRaw = v
    variance[i] = Math.max(0, v)
  }
  return { variance, minRaw }
}
