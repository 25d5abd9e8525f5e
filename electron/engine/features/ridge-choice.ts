import * as tf from '@tensorflow/tfjs-core'
import { eigh } from '../linalg/eigh'

// Auto ridge for regression on features Φ (n×m′) by generalised cross-validation (Golub, Heath & Wahba,
// Technometrics 1979):
//   GCV(ε) = n ‖(I − H_ε) y‖² / tr(I − H_ε)²,   H_ε = Φ (ΦᵀΦ + εI)⁻¹ Φᵀ,   ε = r · trace(ΦΦᵀ)/n,
// scored for a grid of relative ridges r from one eigendecomposition of the smaller Gram (ΦᵀΦ when m′ ≤ n,
// else ΦΦᵀ). Why: with m′ ≈ n features and a tiny ridge the fit interpolates the training labels and the
// test error peaks (the "double descent" interpolation peak: Belkin et al., PNAS 2019; Mei & Montanari,
// CPAM 2022); a tuned ridge removes it (Nakkiran et al., ICLR 2021). There tr(I − H) → 0 and GCV grows,
// so the choice moves to a larger ridge exactly where the peak would be, and stays small elsewhere.

/** relative ridges scored by auto: half decades from 1e-6 to 10 (the largest diag_reg a spec takes) */
export const AUTO_RIDGE_GRID: readonly number[] = Array.from({ length: 15 }, (_, i) => 10 ** (-6 + i / 2))

export interface RidgeChoice {
  /** the chosen relative ridge r (ε = r · trace/n) */
  diagReg: number
  grid: number[]
  /** GCV score per grid entry */
  scores: number[]
}

/**
 * Spectrum of the smaller Gram and the labels' energy along each eigendirection of ΦΦᵀ: directions of
 * eigenvalue s carry energy e; `rest` is the energy outside Φ's column space (s = 0).
 */
async function spectralEnergy(phi: Float32Array, n: number, dim: number, y: ArrayLike<number>, k: number, onStep?: () => Promise<void>): Promise<{ s: Float64Array; e: Float64Array; rest: number }> {
  let total = 0
  for (let i = 0; i < n * k; i++) total += y[i]! ** 2
  const yT = new Float32Array(n * k)
  for (let i = 0; i < n * k; i++) yT[i] = y[i]!
  if (dim <= n) {
    // ΦᵀΦ = V diag(λ) Vᵀ; the direction Φv/√λ of ΦΦᵀ carries (vᵀΦᵀy)²/λ
    const [g, b] = tf.tidy(() => {
      const p = tf.tensor2d(phi, [n, dim])
      const pt = tf.transpose(p)
      return [tf.matMul(pt, p).dataSync() as Float32Array, tf.matMul(pt, tf.tensor2d(yT, [n, k])).dataSync() as Float32Array]
    })
    const eig = await eigh(g!, dim, { onStep })
    const s = new Float64Array(dim)
    const e = new Float64Array(dim)
    let inside = 0
    for (let i = 0; i < dim; i++) {
      const lam = eig.values[i]!
      s[i] = Math.max(lam, 0)
      if (!(lam > 0)) continue
      for (let q = 0; q < k; q++) {
        let gi = 0
        for (let r = 0; r < dim; r++) gi += eig.vectors[r * dim + i]! * b![r * k + q]!
        e[i] = e[i]! + (gi * gi) / lam
      }
      inside += e[i]!
    }
    return { s, e, rest: Math.max(0, total - inside) }
  }
  // ΦΦᵀ = U diag(s) Uᵀ; direction i carries (uᵢᵀy)²
  const g = tf.tidy(() => {
    const p = tf.tensor2d(phi, [n, dim])
    return tf.matMul(p, tf.transpose(p)).dataSync() as Float32Array
  })
  const eig = await eigh(g, n, { onStep })
  const s = new Float64Array(n)
  const e = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    s[i] = Math.max(eig.values[i]!, 0)
    for (let q = 0; q < k; q++) {
      let c = 0
      for (let r = 0; r < n; r++) c += eig.vectors[r * n + i]! * y[r * k + q]!
      e[i] = e[i]! + c * c
    }
  }
  return { s, e, rest: 0 }
}

/** GCV score of each relative ridge, from the spectrum (n rows; directions beyond s.length have s = 0). */
export function gcvScores(spec: { s: ArrayLike<number>; e: ArrayLike<number>; rest: number }, n: number, grid: readonly number[]): number[] {
  let trace = 0
  for (let i = 0; i < spec.s.length; i++) trace += spec.s[i]!
  const zeros = n - spec.s.length
  return grid.map((r) => {
    const eps = (r * trace) / n
    let resid = spec.rest
    let free = zeros
    for (let i = 0; i < spec.s.length; i++) {
      const f = eps / (spec.s[i]! + eps)
      resid += f * f * spec.e[i]!
      free += f
    }
    return free > 0 ? (n * resid) / (free * free) : Infinity
  })
}

/** The relative ridge of least GCV for regression of y (n×k) on Φ (n×dim). */
export async function chooseRidge(phi: Float32Array, n: number, dim: number, y: ArrayLike<number>, k: number, opts: { grid?: readonly number[]; onStep?: () => Promise<void> } = {}): Promise<RidgeChoice> {
  const grid = [...(opts.grid ?? AUTO_RIDGE_GRID)]
  const spec = await spectralEnergy(phi, n, dim, y, k, opts.onStep)
  const scores = gcvScores(spec, n, grid)
  // only ridges the float32 Cholesky of the regression can factor: (λ_min + ε)/(λ_max + ε) above
  // max(n, m′)·2⁻²³ (its backward error); a kernel estimate close to an ill-conditioned kernel (the linear
  // split of linear-split-features.ts) otherwise chose a ridge whose solve then failed
  let trace = 0
  let sMax = 0
  let sMin = spec.s.length < n ? 0 : Infinity
  for (const v of spec.s) {
    trace += v
    sMax = Math.max(sMax, v)
    sMin = Math.min(sMin, v)
  }
  const floor = Math.max(n, dim) * 2 ** -23
  const ok = grid.map((r) => {
    const eps = (r * trace) / n
    return (sMin + eps) / (sMax + eps) >= floor
  })
  let best = ok.lastIndexOf(true) >= 0 ? ok.indexOf(true) : grid.length - 1
  for (let i = best + 1; i < grid.length; i++) if (ok[i] && scores[i]! < scores[best]!) best = i
  return { diagReg: grid[best]!, grid, scores }
}
