import { UserError } from '../../../shared/errors'
import { cholBlockInPlace, PivotError } from '../linalg/panel'

// Pivots below this fraction of the diagonal are float32 rounding of the kernel, not information.
const PIVOT_REL_TOL = 4 * 2 ** -23

/** A = K_ss + εI factorised in float64 (row-major lower L). */
export interface SupportFactor {
  n: number
  l: Float64Array
  /** ε = diag_reg · trace(K_ss)/n */
  eps: number
}

/**
 * Factorises K_ss + εI, ε = diagReg·trace(K_ss)/n (relative, as neural-tangents), in float64. The
 * support system is tiny (|s| ≤ a few thousand), so a JS float64 Cholesky costs little and keeps the
 * solve as accurate as the float32 kernel entries allow, instead of amplifying float32 rounding in the
 * factorisation by the condition number.
 */
export function factorSupport(kss: ArrayLike<number>, n: number, diagReg: number): SupportFactor {
  let trace = 0
  for (let i = 0; i < n; i++) trace += kss[i * n + i]!
  if (!(trace > 0) || !Number.isFinite(trace)) {
    throw new UserError('kernel_not_psd', `the support kernel K_ss has a non-positive or non-finite trace (${trace})`, 'Check the support inputs for NaN/Inf or all-zero rows, and the architecture (w_std, b_std).')
  }
  const eps = (diagReg * trace) / n
  const a = new Float64Array(n * n)
  const diag0 = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = 0.5 * (kss[i * n + j]! + kss[j * n + i]!) + (i === j ? eps : 0)
      a[i * n + j] = v
      a[j * n + i] = v
    }
    diag0[i] = a[i * n + i]!
  }
  try {
    cholBlockInPlace(a, n, diag0, 0, PIVOT_REL_TOL)
  } catch (e) {
    if (!(e instanceof PivotError)) throw e
    throw new UserError(
      'singular_support',
      `the support kernel K_ss + εI is singular (pivot ${e.index} of ${n} lost: ${e.pivot.toExponential(2)} vs diagonal ${e.diagonal.toExponential(2)}, diag_reg ${diagReg}); support points ${e.index} and an earlier one are (nearly) identical`,
      'Remove duplicate support points (duplicate rows in the data, or --init noise), or raise --diag-reg (e.g. 1e-4).',
    )
  }
  return { n, l: a, eps }
}

/** Solves (K_ss + εI) X = B in place, B row-major n×k. */
export function solveSupport(f: SupportFactor, b: Float64Array, k: number): Float64Array {
  const { n, l } = f
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = b[i * k + c]!
      for (let j = 0; j < i; j++) s -= l[i * n + j]! * b[j * k + c]!
      b[i * k + c] = s / l[i * n + i]!
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let c = 0; c < k; c++) {
      let s = b[i * k + c]!
      for (let j = i + 1; j < n; j++) s -= l[j * n + i]! * b[j * k + c]!
      b[i * k + c] = s / l[i * n + i]!
    }
  }
  return b
}

export interface KrrLossGrad {
  loss: number
  /** ∂L/∂K_ts, nt×ns */
  gKts: Float64Array
  /** ∂L/∂K_ss, ns×ns (symmetric; includes the path through ε) */
  gKss: Float64Array
  /** ∂L/∂y_s, ns×C */
  gYs: Float64Array
  /** α = (K_ss + εI)⁻¹ y_s, ns×C */
  alpha: Float64Array
}

/**
 * The KIP loss and its adjoint (Nguyen, Chen & Lee, ICLR 2021), in float64:
 *   α = (K_ss + εI)⁻¹ y_s,  ŷ = K_ts α,  L = ½ · mean((ŷ − y_t)²)   (mean over nt·C entries)
 *   G = ∂L/∂ŷ = (ŷ − y_t)/(nt·C),  ∂L/∂K_ts = G αᵀ,  β = (K_ss + εI)⁻¹ K_tsᵀ G = ∂L/∂y_s,
 *   ∂L/∂A = −β αᵀ (symmetrised), and ε = r·tr(K_ss)/n adds tr(∂L/∂A)·r/n to the diagonal.
 */
export function krrLossGrad(kts: ArrayLike<number>, kss: ArrayLike<number>, ys: Float64Array, yt: ArrayLike<number>, nt: number, ns: number, c: number, diagReg: number): KrrLossGrad {
  const f = factorSupport(kss, ns, diagReg)
  const alpha = solveSupport(f, Float64Array.from(ys), c)
  const g = new Float64Array(nt * c)
  let loss = 0
  const scale = 1 / (nt * c)
  for (let i = 0; i < nt; i++) {
    const row = i * ns
    for (let k = 0; k < c; k++) {
      let p = 0
      for (let j = 0; j < ns; j++) p += kts[row + j]! * alpha[j * c + k]!
      const r = p - yt[i * c + k]!
      loss += r * r
      g[i * c + k] = r * scale
    }
  }
  loss *= 0.5 * scale
  const gKts = new Float64Array(nt * ns)
  const w = new Float64Array(ns * c)
  for (let i = 0; i < nt; i++) {
    for (let j = 0; j < ns; j++) {
      let s = 0
      const kij = kts[i * ns + j]!
      for (let k = 0; k < c; k++) {
        s += g[i * c + k]! * alpha[j * c + k]!
        w[j * c + k]! += kij * g[i * c + k]!
      }
      gKts[i * ns + j] = s
    }
  }
  const beta = solveSupport(f, w, c)
  const gKss = new Float64Array(ns * ns)
  let trace = 0
  for (let i = 0; i < ns; i++) {
    for (let j = 0; j < ns; j++) {
      let s = 0
      for (let k = 0; k < c; k++) s += beta[i * c + k]! * alpha[j * c + k]! + alpha[i * c + k]! * beta[j * c + k]!
      gKss[i * ns + j] = -0.5 * s
    }
    trace += gKss[i * ns + i]!
  }
  const dEps = (trace * diagReg) / ns
  for (let i = 0; i < ns; i++) gKss[i * ns + i]! += dEps
  return { loss, gKts, gKss, gYs: beta, alpha }
}
