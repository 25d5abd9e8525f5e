import * as tf from '@tensorflow/tfjs-core'
import { accuracy as accuracyOf, argmaxRows } from '../core/metrics'

export type LossName = 'mse' | 'cross-entropy'

// MSE as NT's gradient_descent_mse: L = ‖f − y‖² / (2·N·K), so ∂L/∂f = (f − y)/(N·K) and gradient flow
// with rate η gives df/dt = −η Θ (f − y)/(N·K) (docs/math.md §3).
// Softmax cross-entropy: L = −(1/N) Σ_i Σ_k y_ik log softmax(f_i)_k, ∂L/∂f = (softmax(f) − y)/N
// (y one-hot or any rows of probabilities).
export function lossAndGrad(loss: LossName, f: tf.Tensor2D, y: tf.Tensor2D): { value: tf.Scalar; grad: tf.Tensor2D } {
  return tf.tidy(() => {
    const [N, K] = f.shape
    if (loss === 'mse') {
      const r = tf.sub(f, y)
      return { value: tf.mul(tf.sum(tf.mul(r, r)), 1 / (2 * N * K)) as tf.Scalar, grad: tf.mul(r, 1 / (N * K)) as tf.Tensor2D }
    }
    const logp = tf.logSoftmax(f)
    return {
      value: tf.mul(tf.sum(tf.mul(y, logp)), -1 / N) as tf.Scalar,
      grad: tf.mul(tf.sub(tf.exp(logp), y), 1 / N) as tf.Tensor2D,
    }
  })
}

export function lossValue(loss: LossName, f: tf.Tensor2D, y: tf.Tensor2D): number {
  const { value, grad } = lossAndGrad(loss, f, y)
  const v = value.dataSync()[0]!
  value.dispose()
  grad.dispose()
  return v
}

/** Accuracy (docs/math.md §4) of outputs f against one-hot (or probability) rows y. */
export function accuracy(f: tf.Tensor2D, y: tf.Tensor2D): number {
  const [n, k] = f.shape
  return accuracyOf(f.dataSync(), argmaxRows(y.dataSync(), n, k), k)
}
