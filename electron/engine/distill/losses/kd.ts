import * as tf from '@tensorflow/tfjs-core'
import { checkTemperature, eachTeacherRow, type LogitBatch, type LossResult } from './batch'

export interface KdParams {
  temperature: number
  alpha: number
}

// Hinton KD (Hinton, Vinyals & Dean, "Distilling the Knowledge in a Neural Network", 2015), distillation term
// only (the trainer adds CE with its own weight):
//   L = α T² (1/B) Σ_i KL(softmax(z_t,i/T) ‖ softmax(z_s,i/T));   ∂L/∂z_s = α T (p_s − p_t)/B.
export function kd64(b: LogitBatch, p: KdParams): LossResult {
  const { batch: B, classes: C } = b
  const T = p.temperature
  let sum = 0
  const grad = eachTeacherRow(b, T, {}, (i, { ls, lt }, g) => {
    for (let c = 0; c < C; c++) {
      const pt = Math.exp(lt[c]!)
      if (pt > 0) sum += pt * (lt[c]! - ls[c]!)
      g[i * C + c] = (p.alpha * T * (Math.exp(ls[c]!) - pt)) / B
    }
  })
  return { loss: (p.alpha * T * T * sum) / B, grad }
}

/** KL(softmax(a/T) ‖ softmax(b/T)) per row, tfjs (b differentiable). */
export function klRowsTf(zt: tf.Tensor2D, zs: tf.Tensor2D, t: number): tf.Tensor1D {
  return tf.tidy(() => {
    const lt = tf.logSoftmax(tf.mul(zt, 1 / t))
    const ls = tf.logSoftmax(tf.mul(zs, 1 / t))
    return tf.sum(tf.mul(tf.exp(lt), tf.sub(lt, ls)), 1) as tf.Tensor1D
  })
}

export function kdTf(zs: tf.Tensor2D, zt: tf.Tensor2D, p: KdParams): tf.Scalar {
  checkTemperature(p.temperature)
  return tf.tidy(() => tf.mul(tf.mean(klRowsTf(zt, zs, p.temperature)), p.alpha * p.temperature * p.temperature))
}
