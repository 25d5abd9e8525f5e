import * as tf from '@tensorflow/tfjs-core'
import type { LogitBatch, LossResult } from './batch'
import { ce64, ceTf } from './ce'
import { dkd64, dkdTf, type DkdParams } from './dkd'
import { kd64, kdTf, type KdParams } from './kd'
import { nkd64, nkdTf, type NkdParams } from './nkd'
import { topkld64, topkldTf, type TopkldParams } from './topkld'
import { ensureGradients } from '../../core/tf-gradients'

export type { LogitBatch, LossResult } from './batch'

/** Losses that compare student and teacher logits (USKD, teacher-free, lives in uskd.ts). */
export type TeacherLossKind = 'ce' | 'kd' | 'nkd' | 'dkd' | 'topkld'

export interface LossParams {
  temperature: number
  alpha: number
  beta: number
  gamma: number
  k: number
  lambda: number
}

// Repository defaults: KD and DKD as mdistiller (KD T = 4, α = 0.9; DKD T = 4, α = 1, β = 8), NKD as cls_KD
// (T = 1, γ = 1.5). TopKLD has no public classification defaults: T = 4 as KD, head k = 5, tail weight λ = 1 (ours).
export const LOSS_DEFAULTS: Record<TeacherLossKind, Partial<LossParams>> = {
  ce: {},
  kd: { temperature: 4, alpha: 0.9 },
  nkd: { temperature: 1, gamma: 1.5 },
  dkd: { temperature: 4, alpha: 1, beta: 8 },
  topkld: { temperature: 4, k: 5, lambda: 1 },
}
export const USKD_DEFAULTS = { alpha: 1, beta: 0.1, mu: 0.005 }
/** DKD warm-up in epochs (mdistiller); the trainer scales the DKD term by min(epoch/warmup, 1). */
export const DKD_WARMUP_EPOCHS = 20

export function withDefaults(kind: TeacherLossKind, given: Partial<LossParams>): LossParams {
  const d = LOSS_DEFAULTS[kind]
  const pick = (key: keyof LossParams, fallback: number) => given[key] ?? d[key] ?? fallback
  return { temperature: pick('temperature', 1), alpha: pick('alpha', 1), beta: pick('beta', 0), gamma: pick('gamma', 1), k: pick('k', 5), lambda: pick('lambda', 0) }
}

/** Value and gradient in float64 (CLI, evaluation, tests). */
export function lossValue64(kind: TeacherLossKind, b: LogitBatch, p: LossParams): LossResult {
  switch (kind) {
    case 'ce':
      return ce64(b)
    case 'kd':
      return kd64(b, p as KdParams)
    case 'nkd':
      return nkd64(b, p as NkdParams)
    case 'dkd':
      return dkd64(b, p as DkdParams)
    case 'topkld':
      return topkld64(b, p as TopkldParams)
  }
}

/** The same loss as a tfjs scalar, differentiable in `zs` (training). */
export function lossTf(kind: TeacherLossKind, zs: tf.Tensor2D, zt: tf.Tensor2D, oneHot: tf.Tensor2D, p: LossParams): tf.Scalar {
  ensureGradients()
  switch (kind) {
    case 'ce':
      return ceTf(zs, oneHot)
    case 'kd':
      return kdTf(zs, zt, p)
    case 'nkd':
      return nkdTf(zs, zt, oneHot, p)
    case 'dkd':
      return dkdTf(zs, zt, oneHot, p)
    case 'topkld':
      return topkldTf(zs, zt, p)
  }
}
