import * as tf from '@tensorflow/tfjs-core'
import { checkTemperature, eachTeacherRow, type LogitBatch, type LossResult } from './batch'

export interface NkdParams {
  temperature: number
  gamma: number
}

// NKD (Yang, Zeng, Li, Zhang, Yuan & Li, "From Knowledge Distillation to Self-Knowledge Distillation: A Unified
// Approach with Normalized Loss and Customized Soft Labels", ICCV 2023; cls_KD NKDLoss):
//   L = −(1/B) Σ_i p_t(y_i)·log p_s(y_i)                       (plain softmax, no T; p_t a constant)
//       − γ T² (1/B) Σ_i Σ_{k≠y_i} q_t(k)·log q_s(k),         q = softmax(z/T) over the non-target logits only.
// ∂/∂z_s,j = −p_t(y)(δ_jy − p_s(j))/B  +  [j ≠ y] γ T (q_s(j) − q_t(j))/B.
export function nkd64(b: LogitBatch, p: NkdParams): LossResult {
  const { batch: B, classes: C } = b
  const T = p.temperature
  let target = 0
  let non = 0
  const grad = eachTeacherRow(b, T, { full: 1, nonTarget: true }, (i, { y, ls, lt, qs, qt }, g) => {
    const pty = Math.exp(lt[y]!)
    target -= pty * ls[y]!
    for (let c = 0; c < C; c++) {
      let gc = -pty * ((c === y ? 1 : 0) - Math.exp(ls[c]!))
      if (c !== y) {
        const q = Math.exp(qt[c]!)
        if (q > 0) non -= q * qs[c]!
        gc += p.gamma * T * (Math.exp(qs[c]!) - q)
      }
      g[i * C + c] = gc / B
    }
  })
  return { loss: (target + p.gamma * T * T * non) / B, grad }
}

/** Logits with the target column pushed to −∞ (finite, so 0·log stays 0): softmax over the non-target classes. */
export function maskTarget(z: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(z, tf.mul(oneHot, 1e30))
}

export function nkdTf(zs: tf.Tensor2D, zt: tf.Tensor2D, oneHot: tf.Tensor2D, p: NkdParams): tf.Scalar {
  checkTemperature(p.temperature)
  const T = p.temperature
  return tf.tidy(() => {
    const pt = tf.softmax(zt)
    const lsY = tf.sum(tf.mul(oneHot, tf.logSoftmax(zs)), 1)
    const ptY = tf.sum(tf.mul(oneHot, pt), 1)
    const target = tf.neg(tf.mean(tf.mul(ptY, lsY)))
    const notY = tf.sub(1, oneHot)
    const qt = tf.mul(tf.softmax(tf.mul(maskTarget(zt, oneHot), 1 / T)), notY)
    const lqs = tf.mul(tf.logSoftmax(tf.mul(maskTarget(zs, oneHot), 1 / T)), notY)
    const non = tf.mul(tf.mean(tf.sum(tf.mul(qt, lqs), 1)), -p.gamma * T * T)
    return tf.add(target, non) as tf.Scalar
  })
}
