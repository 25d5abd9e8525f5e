import * as tf from '@tensorflow/tfjs-core'
import type { Eigh } from '../linalg/eigh'

// Gradient-flow MSE dynamics (docs/math.md §3, NT's gradient_descent_mse), with Θ(X, X) = V diag(λ) Vᵀ, loss
// normalised by y.size = N·K so that c = η / (N K):
//   f_t(X)  = y + V e^{−c λ t} Vᵀ (f₀(X) − y)
//   f_t(x*) = f₀(x*) + Θ(x*, X) V diag((1 − e^{−c λ t}) / λ) Vᵀ (y − f₀(X))
// λ is clipped at 0; (1 − e^{−cλt})/λ → c t as λ → 0, evaluated with expm1 for accuracy at small cλt.
// One eigendecomposition serves every t: the t-dependence is a diagonal applied to g = Vᵀ(y − f₀(X)).

export interface DynamicsInput {
  eig: Eigh
  /** targets, n×k row-major */
  y: Float64Array
  k: number
  /** Θ(X*, X), m×n row-major float32 */
  kCross: Float32Array
  m: number
  times: number[]
  learningRate: number
  /** initial outputs (default 0: the infinite-width ensemble mean) */
  f0Train?: Float64Array
  f0Test?: Float64Array
  /**
   * Discrete gradient descent (integer t = steps) instead of gradient flow: e^{−cλt} becomes (1 − cλ)^t and
   * (1 − e^{−cλt})/λ becomes (1 − (1 − cλ)^t)/λ — the exact dynamics of GD on the linearised network, which
   * is what a finite network trained with step size η follows (they differ once cλ is not small).
   */
  discrete?: boolean
}

export interface DynamicsResult {
  /** (times, m, k) row-major */
  test: Float32Array
  /** (times, n, k) row-major */
  train: Float32Array
}

/** (1 − e^{−cλt})/λ with λ clipped at 0. */
export function growth(lambda: number, c: number, t: number): number {
  const l = Math.max(lambda, 0)
  if (l === 0) return c * t
  return -Math.expm1(-c * l * t) / l
}

/** (1 − (1 − cλ)^t)/λ with λ clipped at 0: the discrete-step counterpart of `growth`. */
export function growthDiscrete(lambda: number, c: number, t: number): number {
  const l = Math.max(lambda, 0)
  if (l === 0) return c * t
  return (1 - Math.pow(1 - c * l, t)) / l
}

export function gradientFlowPredictions(inp: DynamicsInput): DynamicsResult {
  const { eig, y, k, kCross, m, times, learningRate } = inp
  const n = eig.n
  const nt = times.length
  const c = learningRate / (n * k)
  const r = new Float32Array(n * k)
  for (let i = 0; i < n * k; i++) r[i] = y[i]! - (inp.f0Train?.[i] ?? 0)
  return tf.tidy(() => {
    const v = tf.tensor2d(eig.vectors, [n, n])
    const vt = tf.transpose(v)
    const g = tf.matMul(vt, tf.tensor2d(r, [n, k])).dataSync() as Float32Array // Vᵀ (y − f₀)
    // columns (t, c): growth_i(t) · g_ic for the test points; e^{−cλt} · g_ic for the training points
    const gt = new Float32Array(n * nt * k)
    const gd = new Float32Array(n * nt * k)
    for (let i = 0; i < n; i++) {
      const lam = eig.values[i]!
      for (let ti = 0; ti < nt; ti++) {
        const t = times[ti]!
        const h = inp.discrete ? growthDiscrete(lam, c, t) : growth(lam, c, t)
        const decay = inp.discrete ? Math.pow(1 - c * Math.max(lam, 0), t) : Math.exp(-c * Math.max(lam, 0) * t)
        for (let q = 0; q < k; q++) {
          gt[i * nt * k + ti * k + q] = h * g[i * k + q]!
          gd[i * nt * k + ti * k + q] = decay * g[i * k + q]!
        }
      }
    }
    const testT = tf.matMul(tf.tensor2d(kCross, [m, n]), tf.matMul(v, tf.tensor2d(gt, [n, nt * k]))).dataSync() as Float32Array
    const trainT = tf.matMul(v, tf.tensor2d(gd, [n, nt * k])).dataSync() as Float32Array
    const test = new Float32Array(nt * m * k)
    const train = new Float32Array(nt * n * k)
    for (let ti = 0; ti < nt; ti++) {
      for (let i = 0; i < m; i++)
        for (let q = 0; q < k; q++) test[(ti * m + i) * k + q] = (inp.f0Test?.[i * k + q] ?? 0) + testT[i * nt * k + ti * k + q]!
      // f_t(X) = y − V e^{−cλt} Vᵀ (y − f₀)
      for (let i = 0; i < n; i++) for (let q = 0; q < k; q++) train[(ti * n + i) * k + q] = y[i * k + q]! - trainT[i * nt * k + ti * k + q]!
    }
    return { test, train }
  })
}
