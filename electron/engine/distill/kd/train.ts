import * as tf from '@tensorflow/tfjs-core'
import * as tfl from '@tensorflow/tfjs-layers'
import type { ModelArch } from '../../../../shared/models'
import type { DistillLoss, DistillLossParams } from '../../../../shared/jobs/distill'
import { buildModel, resolveInputShape } from '../../models/build'
import { inputTensor } from '../../models/data'
import { predictLogits } from '../../models/evaluate'
import { trainModel, type OptimizerKind } from '../../models/train'
import { ceTf } from '../losses/ce'
import { lossTf, LOSS_DEFAULTS, USKD_DEFAULTS, withDefaults, type TeacherLossKind } from '../losses/index'
import { ensureGradients } from '../../core/tf-gradients'
import { uskdSoftLabels, uskdTf } from '../losses/uskd'
import { heldOutMetrics } from './held-out'
import type { DistillEpoch } from '../../../../shared/jobs/results'

export type { DistillEpoch }

// One student trained by distillation: loss = ceWeight·CE(z_s, y) + w(epoch)·L(z_s, z_t, y), where L is one
// of the losses in ../losses (none for 'ce', the CE-only baseline) and w is DKD's warm-up min(epoch/warmup, 1)
// (1 for the others). Teacher logits of every training row are computed once and gathered per minibatch.
// USKD needs no teacher: its weak head is a linear layer on the student's penultimate feature, trained on
// 0.9·one-hot + 0.1/C (weight μ) — the gradient of μ·L_weak reaches the backbone inside the student's step,
// and the head's own weights take an Adam step on the same batch's features right after it.

export interface DistillRunOptions {
  x: { data: Float32Array | Float64Array; rows: number; cols: number }
  labels: Int32Array
  /** teacher logits for every training row, row-major n × k (unused for ce/uskd) */
  teacherTrain: Float32Array
  xHeldOut: { data: Float32Array | Float64Array; rows: number; cols: number }
  labelsHeldOut: Int32Array
  teacherHeldOut: Float32Array
  k: number
  rowShape: number[]
  student: ModelArch
  loss: DistillLoss
  params: DistillLossParams
  ceWeight: number
  warmupEpochs: number
  klTemperature: number
  epochs: number
  batchSize: number
  optimizer: OptimizerKind
  learningRate: number
  seed: number
  onEpoch?: (e: DistillEpoch) => void | Promise<void>
  onBatch?: (batch: number, total: number, epoch: number) => void | Promise<void>
  isCancelled?: () => boolean
}

export interface DistillRunResult {
  model: tfl.LayersModel
  history: DistillEpoch[]
  cancelled: boolean
}

export async function distillStudent(o: DistillRunOptions): Promise<DistillRunResult> {
  ensureGradients()
  const model = buildModel(o.student, { inputShape: resolveInputShape(o.student, o.rowShape), outputs: o.k, seed: o.seed })
  const inputShape = model.inputs[0]!.shape.slice(1) as number[]
  const x = inputTensor({ data: o.x.data, shape: [o.x.rows, o.x.cols] }, inputShape, 'x')
  const xHeld = inputTensor({ data: o.xHeldOut.data, shape: [o.xHeldOut.rows, o.xHeldOut.cols] }, inputShape, 'x_held_out')
  const teacherAll = tf.tensor2d(o.teacherTrain, [o.labels.length, o.k])
  const kind = o.loss
  const p = kind === 'ce' || kind === 'uskd' ? null : withDefaults(kind as TeacherLossKind, o.params)
  const uskd = kind === 'uskd' ? { alpha: o.params.alpha ?? USKD_DEFAULTS.alpha, beta: o.params.beta ?? USKD_DEFAULTS.beta, mu: o.params.mu ?? USKD_DEFAULTS.mu } : null
  // USKD: penultimate features (shared weights) and the weak linear head
  const features = uskd ? tfl.model({ inputs: model.inputs, outputs: model.layers[model.layers.length - 2]!.output as tfl.SymbolicTensor }) : null
  const featDim = features ? (features.outputs[0]!.shape.slice(1) as number[]).reduce((a, b) => a * b, 1) : 0
  const weakW = uskd ? tf.variable(tf.randomNormal([featDim, o.k], 0, 1 / Math.sqrt(featDim), 'float32', o.seed + 17)) : null
  const weakB = uskd ? tf.variable(tf.zeros([o.k])) : null
  const weakOpt = uskd ? tf.train.adam(o.learningRate) : null
  let stash: { feats: tf.Tensor2D; target: tf.Tensor2D } | null = null
  let epoch = 0
  const weightOf = (e: number): number => (kind === 'dkd' && o.warmupEpochs > 0 ? Math.min((e + 1) / o.warmupEpochs, 1) : 1)
  const history: DistillEpoch[] = []
  let lastEpochEnd = performance.now()
  try {
    const r = await trainModel({
      model,
      x,
      labels: o.labels,
      epochs: o.epochs,
      batchSize: o.batchSize,
      optimizer: o.optimizer,
      learningRate: o.learningRate,
      seed: o.seed,
      keepBest: false,
      loss: ({ logits, labels, x: xb, indices }) => {
        const oneHot = tf.cast(tf.oneHot(labels, o.k), 'float32') as tf.Tensor2D
        let total = tf.mul(ceTf(logits, oneHot), o.ceWeight) as tf.Scalar
        if (p) {
          const zt = tf.gather(teacherAll, tf.tensor1d(indices, 'int32')) as tf.Tensor2D
          total = tf.add(total, tf.mul(lossTf(kind as TeacherLossKind, logits, zt, oneHot, p), weightOf(epoch))) as tf.Scalar
        } else if (uskd) {
          const feats = tf.reshape(features!.apply(xb, { training: true }) as tf.Tensor, [-1, featDim]) as tf.Tensor2D
          const zw = tf.add(tf.matMul(feats, weakW!), weakB!) as tf.Tensor2D
          const soft = uskdSoftLabels(logits.dataSync() as Float32Array, zw.dataSync() as Float32Array, labels.dataSync(), labels.shape[0], o.k)
          const st = { targetWeight: tf.tensor1d(soft.targetWeight), zipf: tf.tensor2d(soft.zipf, [labels.shape[0], o.k]) }
          total = tf.add(total, uskdTf(logits, zw, oneHot, st, uskd)) as tf.Scalar
          stash?.feats.dispose()
          stash?.target.dispose()
          stash = { feats: tf.keep(tf.clone(feats)), target: tf.keep(tf.add(tf.mul(oneHot, 0.9), 0.1 / o.k)) as tf.Tensor2D }
        }
        return total
      },
      onBatch: async (b, total, e) => {
        if (stash && weakOpt) {
          const s = stash
          weakOpt.minimize(() => tf.mul(tf.neg(tf.mean(tf.sum(tf.mul(s.target, tf.logSoftmax(tf.add(tf.matMul(s.feats, weakW!), weakB!))), 1))), uskd!.mu) as tf.Scalar, false, [weakW!, weakB!])
          s.feats.dispose()
          s.target.dispose()
          stash = null
        }
        if (b === total) epoch = e + 1
        await o.onBatch?.(b, total, e)
      },
      onEpoch: async (rec) => {
        const student = predictLogits(model, xHeld)
        const m = heldOutMetrics(student, o.teacherHeldOut, o.labelsHeldOut, o.k, o.klTemperature)
        const now = performance.now()
        const e: DistillEpoch = { epoch: rec.epoch, trainLoss: rec.trainLoss, weight: weightOf(rec.epoch - 1), seconds: (now - lastEpochEnd) / 1000, ...m }
        lastEpochEnd = now
        history.push(e)
        await o.onEpoch?.(e)
      },
      ...(o.isCancelled ? { isCancelled: o.isCancelled } : {}),
    })
    return { model, history, cancelled: r.cancelled }
  } catch (e) {
    model.dispose()
    throw e
  } finally {
    x.dispose()
    xHeld.dispose()
    teacherAll.dispose()
    weakW?.dispose()
    weakB?.dispose()
    weakOpt?.dispose()
    if (stash) {
      const s = stash as { feats: tf.Tensor2D; target: tf.Tensor2D }
      s.feats.dispose()
      s.target.dispose()
    }
  }
}

/** The loss parameters a run actually used (defaults filled in), for its record. */
export function effectiveParams(loss: DistillLoss, params: DistillLossParams): Record<string, number> {
  if (loss === 'ce') return {}
  if (loss === 'uskd') return { alpha: params.alpha ?? USKD_DEFAULTS.alpha, beta: params.beta ?? USKD_DEFAULTS.beta, mu: params.mu ?? USKD_DEFAULTS.mu }
  const p = withDefaults(loss, params)
  const keys = Object.keys(LOSS_DEFAULTS[loss]) as (keyof typeof p)[]
  return Object.fromEntries(keys.map((k) => [k, p[k]]))
}
