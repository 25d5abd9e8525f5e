import * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../../shared/errors'
import { checkBatch, logSoftmaxRow, type LogitBatch, type LossResult } from './batch'
import { maskTarget } from './nkd'
import { ensureGradients } from '../../core/tf-gradients'

export interface UskdParams {
  alpha: number
  beta: number
  mu: number
}

// USKD, teacher-free (Yang et al., "From Knowledge Distillation to Self-Knowledge Distillation: A Unified
// Approach with Normalized Loss and Customized Soft Labels", ICCV 2023; cls_KD USKDLoss, α = 1, β = 0.1, μ = 0.005):
//   s = softmax(z_s), w = softmax(z_w) of a weak linear head on an intermediate feature.
//   target:      L_t   = −(1/B) Σ_i a_i log s_i(y),   a_i = s_i(y)² + 1 − mean_batch(s(y)²)   (a constant)
//   non-target:  L_non = −(1/B) Σ_i Σ_{k≠y} ẑ_i(k) log q_i(k),   q = softmax over the non-target logits,
//                ẑ ∝ 1/rank (Zipf), rank of w(k)/(1 − w(y)) + s(k)/(1 − s(y)) (descending, over all classes),
//                renormalised over the non-target classes (a constant)
//   weak head:   L_weak = −μ (1/B) Σ_i Σ_k (0.9·e_y + 0.1/C)(k) log w_i(k)
//   L = α L_t + β L_non + L_weak.
// (cls_KD ranks by the log-probabilities of the final head, a quirk of reusing a variable; we rank by the
// normalised probabilities as the paper states; docs/distillation.md.)
export interface UskdBatch extends LogitBatch {
  /** weak-head logits [batch, classes] */
  weak: ArrayLike<number>
}

export interface UskdResult extends LossResult {
  /** ∂L/∂z_w, the gradient for the weak head's logits */
  gradWeak: Float64Array
}

export function checkUskd(p: UskdParams): void {
  for (const [name, v] of [['alpha', p.alpha], ['beta', p.beta], ['mu', p.mu]] as const) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new UserError('bad_flag', `USKD ${name} = ${v}: expected a finite number ≥ 0`, 'cls_KD defaults: α = 1, β = 0.1, μ = 0.005')
  }
}

/** Zipf soft labels over the non-target classes of each row (rows sum to 1), from the rank rule above. */
export function uskdZipfTargets(sProb: Float64Array, wProb: Float64Array, labels: ArrayLike<number>, B: number, C: number): Float64Array {
  const out = new Float64Array(B * C)
  const idx = new Array<number>(C)
  const score = new Float64Array(C)
  for (let i = 0; i < B; i++) {
    const y = labels[i]!
    let sRest = 0
    let wRest = 0
    for (let c = 0; c < C; c++) {
      if (c === y) continue
      sRest += sProb[i * C + c]!
      wRest += wProb[i * C + c]!
    }
    for (let c = 0; c < C; c++) {
      score[c] = wProb[i * C + c]! / (wRest + 1e-6) + sProb[i * C + c]! / (sRest + 1e-6)
      idx[c] = c
    }
    idx.sort((a, b) => score[b]! - score[a]! || a - b)
    let norm = 0
    for (let r = 0; r < C; r++) if (idx[r] !== y) norm += 1 / (r + 1)
    for (let r = 0; r < C; r++) if (idx[r] !== y) out[i * C + idx[r]!] = 1 / (r + 1) / norm
  }
  return out
}

export function uskd64(b: UskdBatch, p: UskdParams): UskdResult {
  checkBatch(b, false)
  checkUskd(p)
  const { batch: B, classes: C } = b
  if (b.weak.length !== B * C) throw new UserError('shape_mismatch', `weak-head logits hold ${b.weak.length} values, expected ${B} × ${C}`, 'The weak head outputs one logit per class for each row.')
  const ls = new Float64Array(C)
  const lw = new Float64Array(C)
  const lq = new Float64Array(C)
  const s = new Float64Array(B * C)
  const w = new Float64Array(B * C)
  const lsY = new Float64Array(B)
  for (let i = 0; i < B; i++) {
    logSoftmaxRow(b.student, i, C, 1, ls)
    logSoftmaxRow(b.weak, i, C, 1, lw)
    for (let c = 0; c < C; c++) {
      s[i * C + c] = Math.exp(ls[c]!)
      w[i * C + c] = Math.exp(lw[c]!)
    }
    lsY[i] = ls[b.labels[i]!]!
  }
  let meanSq = 0
  for (let i = 0; i < B; i++) meanSq += s[i * C + b.labels[i]!]! ** 2
  meanSq /= B
  const zipf = uskdZipfTargets(s, w, b.labels, B, C)
  const grad = new Float64Array(B * C)
  const gradWeak = new Float64Array(B * C)
  let lt = 0
  let lnon = 0
  let lweak = 0
  for (let i = 0; i < B; i++) {
    const y = b.labels[i]!
    const a = s[i * C + y]! ** 2 + 1 - meanSq
    lt -= a * lsY[i]!
    logSoftmaxRow(b.student, i, C, 1, lq, (c) => c !== y)
    logSoftmaxRow(b.weak, i, C, 1, lw)
    for (let c = 0; c < C; c++) {
      const o = i * C + c
      const tw = (c === y ? 0.9 : 0) + 0.1 / C
      lweak -= tw * lw[c]!
      gradWeak[o] = (p.mu * (w[o]! - tw)) / B
      let g = -p.alpha * a * ((c === y ? 1 : 0) - s[o]!)
      if (c !== y) {
        lnon -= zipf[o]! * lq[c]!
        g += p.beta * (Math.exp(lq[c]!) - zipf[o]!)
      }
      grad[o] = g / B
    }
  }
  return { loss: (p.alpha * lt + p.beta * lnon + p.mu * lweak) / B, grad, gradWeak }
}

/**
 * tfjs form. The soft labels (target weight a, Zipf targets) are constants of the batch, as `.detach()` makes
 * them in cls_KD: they are computed from the current logits' values outside the differentiated graph and
 * passed in (see `uskdSoftLabels`).
 */
export function uskdTf(zs: tf.Tensor2D, zw: tf.Tensor2D, oneHot: tf.Tensor2D, soft: { targetWeight: tf.Tensor1D; zipf: tf.Tensor2D }, p: UskdParams): tf.Scalar {
  checkUskd(p)
  ensureGradients()
  return tf.tidy(() => {
    const C = zs.shape[1]
    const lsY = tf.sum(tf.mul(oneHot, tf.logSoftmax(zs)), 1)
    const lt = tf.neg(tf.mean(tf.mul(soft.targetWeight, lsY)))
    const notY = tf.sub(1, oneHot)
    const lq = tf.mul(tf.logSoftmax(maskTarget(zs, oneHot)), notY)
    const lnon = tf.neg(tf.mean(tf.sum(tf.mul(soft.zipf, lq), 1)))
    const tw = tf.add(tf.mul(oneHot, 0.9), 0.1 / C)
    const lweak = tf.neg(tf.mean(tf.sum(tf.mul(tw, tf.logSoftmax(zw)), 1)))
    return tf.addN([tf.mul(lt, p.alpha), tf.mul(lnon, p.beta), tf.mul(lweak, p.mu)]) as tf.Scalar
  })
}

/** The batch's constant soft labels for `uskdTf`, from the current student and weak-head logits. */
export function uskdSoftLabels(student: Float32Array | Float64Array, weak: Float32Array | Float64Array, labels: ArrayLike<number>, B: number, C: number): { targetWeight: Float32Array; zipf: Float32Array } {
  const ls = new Float64Array(C)
  const s = new Float64Array(B * C)
  const w = new Float64Array(B * C)
  for (let i = 0; i < B; i++) {
    logSoftmaxRow(student, i, C, 1, ls)
    for (let c = 0; c < C; c++) s[i * C + c] = Math.exp(ls[c]!)
    logSoftmaxRow(weak, i, C, 1, ls)
    for (let c = 0; c < C; c++) w[i * C + c] = Math.exp(ls[c]!)
  }
  let meanSq = 0
  for (let i = 0; i < B; i++) meanSq += s[i * C + labels[i]!]! ** 2
  meanSq /= B
  const targetWeight = new Float32Array(B)
  for (let i = 0; i < B; i++) targetWeight[i] = s[i * C + labels[i]!]! ** 2 + 1 - meanSq
  return { targetWeight, zipf: Float32Array.from(uskdZipfTargets(s, w, labels, B, C)) }
}
