import { UserError } from '../../../../shared/errors'
import { eigh } from '../../linalg/eigh'
import { refineEigh, transposeF64 } from '../../linalg/eigh-refine'
import { checkFiniteMatrix, meanDiagonal } from '../../linalg/spd'
import { nextTargetWeight, targetWeight } from './shrinkage'

// Kernel self-distillation through one eigendecomposition (shrinkage.ts has the per-eigenvalue closed form):
// every step's predictions are spectral filters of the same Vᵀy, so S steps for several α cost one
// eigendecomposition plus O(S·n·(n + m)·k). The eigenvectors come from the float32 `eigh` refined once in
// float64 (linalg/eigh-refine.ts): with ridge λ the filters 1/(d + λ) amplify float32 eigenvector error by up to
// (d_max + λ)/λ, which would break agreement with the float64-refined solves.

export interface SpectralProblem {
  n: number
  k: number
  /** eigenvalues of G, ascending, clipped at 0 */
  d: Float64Array
  /** row-major n×n eigenvectors (columns) */
  v: Float64Array
  /** Vᵀy, n×k */
  yt: Float64Array
  /** absolute ridge λ = diagReg · trace(G)/n */
  lambda: number
  clippedNegative: number
}

export async function spectralProblem(kTrain: Float32Array, n: number, y: Float64Array, k: number, diagReg: number, opts: { yieldNow?: () => Promise<void>; progress?: (f: number, msg: string) => void } = {}): Promise<SpectralProblem> {
  if (!(diagReg > 0)) throw new UserError('bad_diag_reg', `diag_reg = ${diagReg}: self-distillation needs a ridge > 0`, 'With λ = 0 every step interpolates the labels and nothing changes between steps: use e.g. --diag-reg 1e-2 (λ = R · trace(K)/n).')
  checkFiniteMatrix(kTrain, n, n, 'the kernel of the training inputs')
  const mean = meanDiagonal(kTrain, n)
  if (!(mean > 0)) throw new UserError('kernel_not_psd', `the training kernel has a non-positive mean diagonal (${mean})`, 'Check the architecture: a kernel of nonzero inputs has a positive diagonal.')
  const lambda = diagReg * mean
  opts.progress?.(0, 'eigendecomposition')
  const e32 = await eigh(kTrain, n, { onStep: async (f) => { opts.progress?.(0.5 * f, 'eigendecomposition'); await opts.yieldNow?.() } })
  const e = await refineEigh(kTrain, e32, { yieldNow: opts.yieldNow, onStep: (f) => opts.progress?.(0.5 + 0.45 * f, 'float64 refinement of the eigenvectors') })
  let clippedNegative = 0
  const d = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    if (e.values[i]! < 0) clippedNegative++
    d[i] = Math.max(e.values[i]!, 0)
  }
  const vt = transposeF64(e.vectors, n, n)
  const yt = new Float64Array(n * k)
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < n; r++) {
      const vri = vt[i * n + r]!
      for (let q = 0; q < k; q++) yt[i * k + q]! += vri * y[r * k + q]!
    }
  }
  opts.progress?.(1, 'spectrum ready')
  return { n, k, d, v: e.vectors, yt, lambda, clippedNegative }
}

/** Target weights c^(τ) for steps 1..S with a constant α, from the closed form. [S][n] */
export function constantAlphaWeights(sp: SpectralProblem, alpha: number, steps: number): Float64Array[] {
  return Array.from({ length: steps }, (_, t) => Float64Array.from(sp.d, (d) => targetWeight(d, sp.lambda, alpha, t + 1)))
}

/** V diag(f) Vᵀy for a spectral filter f (n×k result). */
export function applyFilter(sp: SpectralProblem, f: Float64Array): Float64Array {
  const { n, k, v, yt } = sp
  const g = new Float64Array(n * k)
  for (let i = 0; i < n; i++) for (let q = 0; q < k; q++) g[i * k + q] = f[i]! * yt[i * k + q]!
  const out = new Float64Array(n * k)
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < n; i++) {
      const vri = v[r * n + i]!
      for (let q = 0; q < k; q++) out[r * k + q]! += vri * g[i * k + q]!
    }
  }
  return out
}

/** Step predictions on the training points: ŷ = V diag(a·c) Vᵀy. */
export function trainPredictions(sp: SpectralProblem, c: Float64Array): Float64Array {
  return applyFilter(sp, Float64Array.from(c, (ci, i) => (ci * sp.d[i]!) / (sp.d[i]! + sp.lambda)))
}

/** Dual coefficients (G + λI)⁻¹ t = V diag(c/(d + λ)) Vᵀy (n×k): predictions elsewhere are K(x*, X)·these. */
export function dualCoefficients(sp: SpectralProblem, c: Float64Array): Float64Array {
  return applyFilter(sp, Float64Array.from(c, (ci, i) => ci / (sp.d[i]! + sp.lambda)))
}

/** K(x*, X) (m×n, row-major) times dual coefficients (n×k). */
export function crossTimes(kCross: Float32Array, m: number, n: number, w: Float64Array, k: number): Float64Array {
  const out = new Float64Array(m * k)
  for (let r = 0; r < m; r++) {
    const o = r * n
    for (let j = 0; j < n; j++) {
      const kv = kCross[o + j]!
      for (let q = 0; q < k; q++) out[r * k + q]! += kv * w[j * k + q]!
    }
  }
  return out
}

/**
 * The per-step optimal α (Borup & Andersen §4): step τ's predictions are affine in α, f(α) = p + α·q with
 * p = K(·,X)(G + λI)⁻¹ŷ^(τ−1) and q = K(·,X)(G + λI)⁻¹(y − ŷ^(τ−1)), so the α minimising the squared error
 * against reference targets is α* = ⟨y_ref − p, q⟩/‖q‖² (no grid search). The reference is held-out data
 * (the labels of the training points would always prefer α ≥ 1, i.e. no distillation). α* is clipped to [0, 1],
 * the paper's range; the unclipped values are returned too. Step 1 is plain ridge regression (no α).
 */
export function optimalSchedule(sp: SpectralProblem, kRef: Float32Array, yRef: Float64Array, r: number, steps: number): { alphas: number[]; raw: number[]; weights: Float64Array[] } {
  const { n, k } = sp
  const weights: Float64Array[] = [new Float64Array(n).fill(1)]
  const alphas: number[] = [1]
  const raw: number[] = [1]
  for (let t = 2; t <= steps; t++) {
    const prev = weights[t - 2]!
    const a = Float64Array.from(sp.d, (d) => d / (d + sp.lambda))
    // targets ŷ^(τ−1) = V diag(a c) Vᵀy and y − ŷ^(τ−1) = V diag(1 − a c) Vᵀy, through (G + λI)⁻¹
    const p = crossTimes(kRef, r, n, applyFilter(sp, Float64Array.from(prev, (c, i) => (a[i]! * c) / (sp.d[i]! + sp.lambda))), k)
    const q = crossTimes(kRef, r, n, applyFilter(sp, Float64Array.from(prev, (c, i) => (1 - a[i]! * c) / (sp.d[i]! + sp.lambda))), k)
    let num = 0
    let den = 0
    for (let i = 0; i < r * k; i++) {
      num += (yRef[i]! - p[i]!) * q[i]!
      den += q[i]! * q[i]!
    }
    const star = den > 0 ? num / den : 1
    raw.push(star)
    const alpha = Math.min(1, Math.max(0, star))
    alphas.push(alpha)
    weights.push(Float64Array.from(prev, (c, i) => nextTargetWeight(c, sp.d[i]!, sp.lambda, alpha)))
  }
  return { alphas, raw, weights }
}

/** Kernel ridge regression with ridge λ' in the same eigenbasis: dual coefficients V diag(1/(d + λ')) Vᵀy. */
export function ridgeDual(sp: SpectralProblem, lambda: number): Float64Array {
  return applyFilter(sp, Float64Array.from(sp.d, (d) => 1 / (d + lambda)))
}
