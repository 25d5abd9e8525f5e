import * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../../shared/errors'
import { checkTemperature, eachTeacherRow, type LogitBatch, type LossResult } from './batch'

export interface TopkldParams {
  temperature: number
  /** size of the teacher's top-k head ("explicit" knowledge); clipped to the number of classes */
  k: number
  /** weight of the reverse KL on the tail ("implicit" knowledge) */
  lambda: number
}

// TopKLD (Ding, Cao, Cao & Chen, "Dissecting Bit-Level Scaling Laws in Quantizing Vision Generative Models",
// 2025). Our reading (docs/distillation.md): p = softmax(z/T) over all classes, H = the teacher's top-k classes,
//   L = T² (1/B) Σ_i [ Σ_{c∈H} (p_t log(p_t/p_s) − p_t + p_s)  +  λ Σ_{c∉H} (p_s log(p_s/p_t) − p_s + p_t) ],
// forward KL on the head plus λ·reverse KL on the tail, each the generalised KL of unnormalised measures so
// every term is ≥ 0 and vanishes only at p_s = p_t (a plain partial sum of KL terms is not minimised there).
// k = C, λ = 0 is exactly Hinton KD with α = 1. Gradient (u = z/T), with D = Σ_H (p_s − p_t) + λ Σ_tail p_s r,
// r = log(p_s/p_t): ∂/∂u_j = [j∈H](p_s − p_t)_j + λ[j∉H] p_s,j r_j − p_s,j D;  ∂L/∂z = T·∂/∂u / B.
export function checkTopk(p: TopkldParams): void {
  if (!Number.isInteger(p.k) || p.k < 1) throw new UserError('bad_k', `k = ${p.k}: the head size must be an integer ≥ 1`, 'e.g. --k 5 (the teacher\'s five most likely classes form the head)')
  if (!(p.lambda >= 0) || !Number.isFinite(p.lambda)) throw new UserError('bad_lambda', `λ = ${p.lambda}: it must be a finite number ≥ 0`, 'e.g. --lambda 1; 0 drops the tail term')
}

/** indices of the k largest entries of row i (ties: lower index first) */
export function topkRow(z: ArrayLike<number>, row: number, classes: number, k: number): Uint8Array {
  const idx = Array.from({ length: classes }, (_, c) => c)
  idx.sort((a, b) => z[row * classes + b]! - z[row * classes + a]! || a - b)
  const head = new Uint8Array(classes)
  for (let j = 0; j < Math.min(k, classes); j++) head[idx[j]!] = 1
  return head
}

export function topkld64(b: LogitBatch, p: TopkldParams): LossResult {
  checkTopk(p)
  const { batch: B, classes: C } = b
  const T = p.temperature
  let sum = 0
  const grad = eachTeacherRow(b, T, {}, (i, { ls, lt }, g) => {
    const head = topkRow(b.teacher!, i, C, p.k)
    let d = 0
    for (let c = 0; c < C; c++) {
      const ps = Math.exp(ls[c]!)
      const pt = Math.exp(lt[c]!)
      if (head[c]) {
        sum += (pt > 0 ? pt * (lt[c]! - ls[c]!) : 0) - pt + ps
        d += ps - pt
      } else if (p.lambda > 0) {
        sum += p.lambda * ((ps > 0 ? ps * (ls[c]! - lt[c]!) : 0) - ps + pt)
        d += p.lambda * (ps > 0 ? ps * (ls[c]! - lt[c]!) : 0)
      }
    }
    for (let c = 0; c < C; c++) {
      const ps = Math.exp(ls[c]!)
      const own = head[c] ? ps - Math.exp(lt[c]!) : p.lambda > 0 && ps > 0 ? p.lambda * ps * (ls[c]! - lt[c]!) : 0
      g[i * C + c] = (T * (own - ps * d)) / B
    }
  })
  return { loss: (T * T * sum) / B, grad }
}

export function topkldTf(zs: tf.Tensor2D, zt: tf.Tensor2D, p: TopkldParams): tf.Scalar {
  checkTemperature(p.temperature)
  checkTopk(p)
  const T = p.temperature
  const C = zs.shape[1]
  return tf.tidy(() => {
    const k = Math.min(p.k, C)
    const { indices } = tf.topk(zt, k)
    const head = tf.sum(tf.oneHot(indices, C), 1) as tf.Tensor2D
    const tail = tf.sub(1, head)
    const ls = tf.logSoftmax(tf.mul(zs, 1 / T))
    const lt = tf.logSoftmax(tf.mul(zt, 1 / T))
    const ps = tf.exp(ls)
    const pt = tf.exp(lt)
    const fwd = tf.mul(head, tf.add(tf.mul(pt, tf.sub(lt, ls)), tf.sub(ps, pt)))
    let rows = tf.sum(fwd, 1)
    if (p.lambda > 0) {
      const rev = tf.mul(tail, tf.add(tf.mul(ps, tf.sub(ls, lt)), tf.sub(pt, ps)))
      rows = tf.add(rows, tf.mul(tf.sum(rev, 1), p.lambda))
    }
    return tf.mul(tf.mean(rows), T * T) as tf.Scalar
  })
}
