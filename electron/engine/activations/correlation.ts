import * as tf from '@tensorflow/tfjs-core'
import type { PairTile } from './types'

// Variances below this are treated as this value when normalising: a zero input (no bias) then gives
// correlation 0 and a kernel of 0, instead of 0/0. 1e-30 keeps 1/√q1 · 1/√q2 ≤ 1e30, inside float32.
const Q_FLOOR = 1e-30

/** √q1 · √q2 as a rows×cols tile, times `scale`. */
export function normOuter(k: PairTile, scale = 1): tf.Tensor2D {
  return tf.tidy(() => tf.mul(tf.mul(tf.sqrt(k.q1), scale), tf.sqrt(k.q2)))
}

/**
 * c = Σ / √(q1 q2), clamped to [−1, 1] (and pinned to 1 on a self-kernel diagonal). Uses the reciprocal
 * square roots of the two variance vectors, so the n² work is one outer product and one multiply.
 */
export function correlation(k: PairTile): tf.Tensor2D {
  return tf.tidy(() => {
    const inv = tf.mul(tf.rsqrt(tf.maximum(k.q1, Q_FLOOR)), tf.rsqrt(tf.maximum(k.q2, Q_FLOOR)))
    const c = tf.clipByValue(tf.mul(k.s, inv), -1, 1) as tf.Tensor2D
    return (k.pin ? tf.maximum(c, k.pin) : c) as tf.Tensor2D
  })
}
