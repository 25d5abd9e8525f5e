import * as tf from '@tensorflow/tfjs-core'
import { tidyDual } from './tidy-dual'
import type { ActivationKernel, DualMaps, PairTile } from './types'

// φ = sin, closed form: for (u, v) centred Gaussian, E[sin u sin v] = e^{−(q1+q2)/2} sinh Σ and
// E[cos u cos v] = e^{−(q1+q2)/2} cosh Σ. Written with exponents Σ − m, −Σ − m ≤ 0 (m = (q1+q2)/2 ≥ |Σ|)
// so large variances cannot overflow:
//   T = (e^{Σ−m} − e^{−Σ−m})/2,  Ṫ = (e^{Σ−m} + e^{−Σ−m})/2,  q ← (1 − e^{−2q})/2.
export function sinDual(k: PairTile, needDot: boolean): DualMaps {
  return tidyDual(() => {
    const m = tf.add(tf.mul(k.q1, 0.5), tf.mul(k.q2, 0.5))
    const ep = tf.exp(tf.sub(k.s, m))
    const em = tf.exp(tf.neg(tf.add(k.s, m)))
    const t = tf.mul(tf.sub(ep, em), 0.5) as tf.Tensor2D
    return needDot ? { t, tDot: tf.mul(tf.add(ep, em), 0.5) } : { t, tDot: null }
  })
}

export function sinDualAt(s: number, q1: number, q2: number, out: Float64Array): void {
  const m = 0.5 * (q1 + q2)
  const ep = Math.exp(s - m)
  const em = Math.exp(-s - m)
  out[0] = 0.5 * (ep - em)
  out[1] = 0.5 * (ep + em)
}

export function sin(): ActivationKernel {
  return {
    name: 'sin',
    phi: (x) => tf.sin(x),
    dphi: (x) => tf.cos(x),
    dual: sinDual,
    dualAt: sinDualAt,
    diag: (q) => tf.tidy(() => tf.mul(tf.sub(1, tf.exp(tf.mul(q, -2))), 0.5) as tf.Tensor2D),
  }
}
