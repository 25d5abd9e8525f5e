import * as tf from '@tensorflow/tfjs-core'
import { checkBatch, logSoftmaxRow, type LogitBatch, type LossResult } from './batch'

// Cross-entropy on hard labels: L = −(1/B) Σ_i log softmax(z_s,i)[y_i];  ∂L/∂z_s = (softmax(z_s) − e_y)/B.
export function ce64(b: LogitBatch): LossResult {
  checkBatch(b, false)
  const { batch: B, classes: C } = b
  const grad = new Float64Array(B * C)
  const lp = new Float64Array(C)
  let sum = 0
  for (let i = 0; i < B; i++) {
    logSoftmaxRow(b.student, i, C, 1, lp)
    const y = b.labels[i]!
    sum -= lp[y]!
    for (let c = 0; c < C; c++) grad[i * C + c] = (Math.exp(lp[c]!) - (c === y ? 1 : 0)) / B
  }
  return { loss: sum / B, grad }
}

/** tfjs-differentiable form; `oneHot` is [B, C] float32. */
export function ceTf(zs: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(zs)), 1))) as tf.Scalar)
}
