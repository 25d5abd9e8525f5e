import * as tf from '@tensorflow/tfjs-core'
import { checkTemperature, eachTeacherRow, type LogitBatch, type LossResult } from './batch'
import { maskTarget } from './nkd'

export interface DkdParams {
  temperature: number
  alpha: number
  beta: number
}

// DKD (Zhao, Cui, Song, Qiu & Liang, "Decoupled Knowledge Distillation", CVPR 2022; mdistiller DKD):
//   L = T² (1/B) Σ_i [α·KL(b_t ‖ b_s) + β·KL(q_t ‖ q_s)],
// b = [p(y), 1 − p(y)] the binary target/rest split of p = softmax(z/T) (TCKD), q = softmax(z/T) over the
// non-target classes (NCKD, target logit excluded exactly rather than mdistiller's −1000 shift). The trainer
// multiplies by the warm-up factor min(epoch/warmup, 1); the loss itself has none.
// Gradient (u = z/T): ∂TCKD/∂u_y = b_s1 − b_t1, ∂TCKD/∂u_j = q_s(j)(b_t1 − b_s1) for j ≠ y;
// ∂NCKD/∂u_j = q_s(j) − q_t(j) for j ≠ y, 0 at y; ∂L/∂z = T (α ∂TCKD + β ∂NCKD)/B.
export function dkd64(b: LogitBatch, p: DkdParams): LossResult {
  const { batch: B, classes: C } = b
  const T = p.temperature
  let tckd = 0
  let nckd = 0
  const grad = eachTeacherRow(b, T, { nonTarget: true }, (i, { y, ls, lt, qs, qt }, g) => {
    // log of the "rest" mass 1 − p(y), from the non-target log-sum-exp (no cancellation when p(y) ≈ 1)
    const lsRest = ls[(y + 1) % C]! - qs[(y + 1) % C]!
    const ltRest = lt[(y + 1) % C]! - qt[(y + 1) % C]!
    const bt1 = Math.exp(lt[y]!)
    const bt2 = Math.exp(ltRest)
    const bs1 = Math.exp(ls[y]!)
    if (bt1 > 0) tckd += bt1 * (lt[y]! - ls[y]!)
    if (bt2 > 0) tckd += bt2 * (ltRest - lsRest)
    for (let c = 0; c < C; c++) {
      if (c === y) {
        g[i * C + c] = (T * p.alpha * (bs1 - bt1)) / B
        continue
      }
      const q = Math.exp(qt[c]!)
      if (q > 0) nckd += q * (qt[c]! - qs[c]!)
      const qsc = Math.exp(qs[c]!)
      g[i * C + c] = (T * (p.alpha * qsc * (bt1 - bs1) + p.beta * (qsc - q))) / B
    }
  })
  return { loss: (T * T * (p.alpha * tckd + p.beta * nckd)) / B, grad }
}

export function dkdTf(zs: tf.Tensor2D, zt: tf.Tensor2D, oneHot: tf.Tensor2D, p: DkdParams): tf.Scalar {
  checkTemperature(p.temperature)
  const T = p.temperature
  return tf.tidy(() => {
    const notY = tf.sub(1, oneHot)
    const ls = tf.logSoftmax(tf.mul(zs, 1 / T))
    const lt = tf.logSoftmax(tf.mul(zt, 1 / T))
    const lsY = tf.sum(tf.mul(ls, oneHot), 1)
    const ltY = tf.sum(tf.mul(lt, oneHot), 1)
    // log(1 − p(y)) as logsumexp over the non-target entries of the log-probabilities
    const lsRest = tf.logSumExp(tf.add(ls, tf.mul(oneHot, -1e30)), 1)
    const ltRest = tf.logSumExp(tf.add(lt, tf.mul(oneHot, -1e30)), 1)
    const tckd = tf.add(tf.mul(tf.exp(ltY), tf.sub(ltY, lsY)), tf.mul(tf.exp(ltRest), tf.sub(ltRest, lsRest)))
    const lqs = tf.mul(tf.logSoftmax(tf.mul(maskTarget(zs, oneHot), 1 / T)), notY)
    const lqt = tf.mul(tf.logSoftmax(tf.mul(maskTarget(zt, oneHot), 1 / T)), notY)
    const nckd = tf.sum(tf.mul(tf.exp(lqt), tf.sub(lqt, lqs)), 1)
    return tf.mul(tf.mean(tf.add(tf.mul(tckd, p.alpha), tf.mul(nckd, p.beta))), T * T) as tf.Scalar
  })
}
