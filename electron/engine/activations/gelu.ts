import * as tf from '@tensorflow/tfjs-core'
import { tidyDual } from './tidy-dual'
import type { ActivationKernel, DualMaps, PairTile } from './types'

// Exact GELU φ(x) = x Φ(x) (not the tanh approximation), closed form as in neural-tangents' stax.Gelu
// (Tsuchida et al. 2020), checked against 2-D quadrature in the tests. With P₊ = (1 + q1)(1 + q2),
// P = q1 q2, δ² = P₊ − Σ² (≥ 1 + q1 + q2 > 0), α = atan(Σ/δ):
//   T = Σ/4 + [(Σ² + P δ²)/(P₊ δ) + Σ α] / (2π)
//   Ṫ = 1/4 + α/(2π) + Σ/(2π δ) · (1/δ² + (1 − P)/P₊ + 1)
//   q ← q [1/4 + (q/((1 + q)√(1 + 2q)) + atan2(q, √(1 + 2q))/2)/π]
export function geluDual(k: PairTile, needDot: boolean): DualMaps {
  return tidyDual(() => {
    const { s, q1, q2 } = k
    const invPp = tf.mul(tf.reciprocal(tf.add(q1, 1)), tf.reciprocal(tf.add(q2, 1)))
    const prod = tf.mul(q1, q2)
    const ss = tf.mul(s, s)
    const delta2 = tf.sub(tf.mul(tf.add(q1, 1), tf.add(q2, 1)), ss)
    const rd = tf.rsqrt(delta2)
    const sRd = tf.mul(s, rd)
    const alpha = tf.atan(sRd)
    const inner = tf.add(tf.mul(tf.mul(tf.add(ss, tf.mul(prod, delta2)), invPp), rd), tf.mul(s, alpha))
    const t = tf.add(tf.mul(inner, 1 / (2 * Math.PI)), tf.mul(s, 0.25)) as tf.Tensor2D
    if (!needDot) return { t, tDot: null }
    const bracket = tf.add(tf.add(tf.mul(rd, rd), tf.mul(tf.sub(1, prod), invPp)), 1)
    const tDot = tf.add(tf.mul(tf.add(tf.mul(bracket, sRd), alpha), 1 / (2 * Math.PI)), 0.25)
    return { t, tDot }
  })
}

/** geluDual at one entry in float64 (the same formulas). */
export function geluDualAt(s: number, q1: number, q2: number, out: Float64Array): void {
  const invPp = 1 / ((1 + q1) * (1 + q2))
  const prod = q1 * q2
  const ss = s * s
  const delta2 = (1 + q1) * (1 + q2) - ss
  const rd = 1 / Math.sqrt(delta2)
  const sRd = s * rd
  const alpha = Math.atan(sRd)
  out[0] = ((ss + prod * delta2) * invPp * rd + s * alpha) / (2 * Math.PI) + 0.25 * s
  out[1] = ((rd * rd + (1 - prod) * invPp + 1) * sRd + alpha) / (2 * Math.PI) + 0.25
}

const INV_SQRT2 = Math.SQRT1_2
const INV_SQRT2PI = 1 / Math.sqrt(2 * Math.PI)

export function gelu(): ActivationKernel {
  return {
    name: 'gelu',
    phi: (x) => tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, INV_SQRT2)), 1))),
    dphi: (x) =>
      tf.tidy(() => {
        const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, INV_SQRT2)), 1), 0.5)
        return tf.add(cdf, tf.mul(tf.mul(x, tf.exp(tf.mul(tf.mul(x, x), -0.5))), INV_SQRT2PI))
      }),
    dual: geluDual,
    dualAt: geluDualAt,
    diag: (q) =>
      tf.tidy(() => {
        const root = tf.sqrt(tf.add(tf.mul(q, 2), 1))
        const a = tf.div(q, tf.mul(tf.add(q, 1), root))
        const b = tf.mul(tf.atan2(q, root), 0.5)
        return tf.mul(q, tf.add(tf.mul(tf.add(a, b), 1 / Math.PI), 0.25)) as tf.Tensor2D
      }),
  }
}
