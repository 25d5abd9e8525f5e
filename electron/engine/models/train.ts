import * as tf from '@tensorflow/tfjs-core'
import type * as tfl from '@tensorflow/tfjs-layers'
import type { EarlyStopping, EpochRecord, LrSchedule } from '../../../shared/models'
import { UserError } from '../../../shared/errors'
import { Xoshiro128, deriveSeed } from '../core/random'
import { accuracyCount, crossEntropySum } from './metrics'
import { ensureWasmTrainingKernels } from '../runtime/wasm-training-kernels'
import { assertWebgpuAlive } from '../runtime/webgpu'

// The training loop for layers models: minibatch SGD / momentum / Adam on softmax cross-entropy (or a
// caller's loss, e.g. distillation), seeded shuffling, learning-rate schedules, decoupled weight decay,
// validation, early stopping and best-checkpoint keeping. Written as a loop over optimizer.minimize rather
// than model.fit to own the shuffling RNG, the schedule, the cancel points and the loss hook; the forward
// pass is the model's own (model.apply), the one every other part of the workbench runs.

export type OptimizerKind = 'sgd' | 'momentum' | 'adam'

/** What a custom loss sees for one minibatch (rows `indices` of the training set). */
export interface LossInput {
  logits: tf.Tensor2D
  labels: tf.Tensor1D
  x: tf.Tensor
  indices: Int32Array
}
/** mean loss over the batch; defaults to softmax cross-entropy against `labels` */
export type LossFn = (b: LossInput) => tf.Scalar

export interface TrainModelOptions {
  model: tfl.LayersModel
  /** [n, ...inputShape] */
  x: tf.Tensor
  labels: Int32Array
  xVal?: tf.Tensor
  labelsVal?: Int32Array
  epochs: number
  batchSize: number
  optimizer: OptimizerKind
  learningRate: number
  momentum?: number
  schedule?: LrSchedule
  /** decoupled weight decay on Dense/Conv2D kernels: w ← w − η·λ·w after each step (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", 2019) */
  weightDecay?: number
  seed: number
  earlyStopping?: EarlyStopping
  /** restore the weights of the best epoch (val loss, else train loss) at the end; default true */
  keepBest?: boolean
  loss?: LossFn
  onEpoch?: (r: EpochRecord) => void | Promise<void>
  /** called after every batch; may await (yield to the event loop) */
  onBatch?: (batch: number, batchesPerEpoch: number, epoch: number) => void | Promise<void>
  /** polled after every batch: true stops training (the best weights so far are restored) */
  isCancelled?: () => boolean
}

export interface TrainModelResult {
  history: EpochRecord[]
  bestEpoch: number
  stoppedEarly: boolean
  cancelled: boolean
}

/** η at `epoch` (0-based) under the schedule. */
export function scheduledLr(base: number, s: LrSchedule | undefined, epoch: number, epochs: number): number {
  if (!s || s.type === 'constant') return base
  if (s.type === 'step') return base * s.gamma ** Math.floor(epoch / s.every)
  return s.minLr + ((base - s.minLr) * (1 + Math.cos((Math.PI * epoch) / Math.max(1, epochs)))) / 2
}

function makeOptimizer(o: TrainModelOptions): tf.Optimizer {
  if (o.optimizer === 'sgd') return tf.train.sgd(o.learningRate)
  if (o.optimizer === 'momentum') return tf.train.momentum(o.learningRate, o.momentum ?? 0.9)
  return tf.train.adam(o.learningRate)
}

function setLr(opt: tf.Optimizer, lr: number): void {
  // SGD/Momentum expose setLearningRate; Adam reads its learningRate field at every step.
  const o = opt as unknown as { setLearningRate?: (v: number) => void; learningRate: number }
  if (o.setLearningRate) o.setLearningRate(lr)
  else o.learningRate = lr
}

/**
 * Loss and accuracy of the model on a set, in batches (inference mode). Sums stay on the backend and are
 * read once, asynchronously (a WebGPU result cannot be read synchronously in Node).
 */
export async function evaluateLoss(model: tfl.LayersModel, x: tf.Tensor, labels: Int32Array, batch = 512): Promise<{ loss: number; accuracy: number }> {
  const n = labels.length
  let sums = tf.zeros([2])
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i)
    const next = tf.tidy(() => {
      const xb = tf.slice(x, i, m)
      const logits = model.apply(xb, { training: false }) as tf.Tensor2D
      const yb = tf.tensor1d(labels.subarray(i, i + m), 'int32')
      return tf.add(sums, tf.stack([crossEntropySum(logits, yb), tf.cast(accuracyCount(logits, yb), 'float32')]))
    })
    sums.dispose()
    sums = next
  }
  const [lossSum, correct] = await sums.data()
  sums.dispose()
  return { loss: lossSum! / n, accuracy: correct! / n }
}

function kernelVariables(model: tfl.LayersModel): tf.Variable[] {
  const out: tf.Variable[] = []
  for (const layer of model.layers) {
    const cls = layer.getClassName()
    if (cls !== 'Dense' && cls !== 'Conv2D') continue
    for (const w of layer.trainableWeights) if (/kernel/.test(w.originalName)) out.push(w.read() as tf.Variable)
  }
  return out
}

export async function trainModel(o: TrainModelOptions): Promise<TrainModelResult> {
  ensureWasmTrainingKernels()
  const n = o.labels.length
  if (o.x.shape[0] !== n) throw new UserError('shape_mismatch', `x has ${o.x.shape[0]} rows but y has ${n}`)
  if (o.xVal && o.labelsVal && o.xVal.shape[0] !== o.labelsVal.length) throw new UserError('shape_mismatch', `x_val has ${o.xVal.shape[0]} rows but y_val has ${o.labelsVal.length}`)
  const batch = Math.max(1, Math.min(o.batchSize, n))
  const perEpoch = Math.ceil(n / batch)
  const opt = makeOptimizer(o)
  const vars = o.model.trainableWeights.map((w) => w.read() as tf.Variable)
  const decay = o.weightDecay ? kernelVariables(o.model) : []
  const rng = new Xoshiro128(deriveSeed(o.seed, 0x5ef1e))
  const labelsAll = tf.tensor1d(o.labels, 'int32')
  const hasVal = Boolean(o.xVal && o.labelsVal && o.labelsVal.length > 0)
  const keepBest = o.keepBest ?? true
  const history: EpochRecord[] = []
  let best: tf.Tensor[] | null = null
  let bestScore = Infinity
  let bestEpoch = -1
  let sinceImproved = 0
  let stoppedEarly = false
  let cancelled = false
  const lossFn: LossFn = o.loss ?? ((b) => tf.div(crossEntropySum(b.logits, b.labels), b.labels.shape[0]) as tf.Scalar)
  try {
    for (let epoch = 0; epoch < o.epochs && !cancelled; epoch++) {
      const t0 = performance.now()
      const lr = scheduledLr(o.learningRate, o.schedule, epoch, o.epochs)
      setLr(opt, lr)
      const perm = rng.permutation(n)
      let lossSum: tf.Scalar = tf.scalar(0)
      let correct: tf.Scalar = tf.scalar(0)
      for (let b = 0; b < perEpoch; b++) {
        const idx = perm.subarray(b * batch, Math.min(n, (b + 1) * batch))
        const m = idx.length
        tf.tidy(() => {
          const it = tf.tensor1d(idx, 'int32')
          const xb = tf.gather(o.x, it)
          const yb = tf.gather(labelsAll, it) as tf.Tensor1D
          let hits: tf.Scalar | null = null
          const value = opt.minimize(
            () => {
              const logits = o.model.apply(xb, { training: true }) as tf.Tensor2D
              // the logits die with minimize's scope: count the hits while they live
              hits = tf.keep(accuracyCount(logits, yb))
              return lossFn({ logits, labels: yb, x: xb, indices: idx })
            },
            true,
            vars,
          )!
          if (decay.length > 0) for (const v of decay) v.assign(tf.mul(v, 1 - lr * o.weightDecay!))
          const newLoss = tf.add(lossSum, tf.mul(value, m))
          const newCorrect = tf.add(correct, hits!)
          hits!.dispose()
          lossSum.dispose()
          correct.dispose()
          lossSum = tf.keep(newLoss) as tf.Scalar
          correct = tf.keep(newCorrect) as tf.Scalar
        })
        await o.onBatch?.(b + 1, perEpoch, epoch)
        if (o.isCancelled?.()) {
          cancelled = true
          break
        }
      }
      const seen = cancelled ? 0 : n
      assertWebgpuAlive()
      const trainLoss = (await lossSum.data())[0]! / n
      const trainAccuracy = (await correct.data())[0]! / n
      lossSum.dispose()
      correct.dispose()
      if (cancelled && seen === 0) break // a partial epoch is not recorded
      if (!Number.isFinite(trainLoss)) {
        throw new UserError('diverged', `training diverged in epoch ${epoch + 1}: the loss became NaN or infinite`, `Lower the learning rate (now ${lr}).`)
      }
      const val = hasVal ? await evaluateLoss(o.model, o.xVal!, o.labelsVal!) : null
      const rec: EpochRecord = {
        epoch: epoch + 1,
        lr,
        trainLoss,
        trainAccuracy,
        valLoss: val?.loss ?? null,
        valAccuracy: val?.accuracy ?? null,
        seconds: (performance.now() - t0) / 1000,
      }
      history.push(rec)
      const monitor = o.earlyStopping?.monitor ?? 'val_loss'
      const score = val ? (monitor === 'val_accuracy' ? -val.accuracy : val.loss) : trainLoss
      if (score < bestScore - (o.earlyStopping?.minDelta ?? 0)) {
        bestScore = score
        bestEpoch = epoch + 1
        sinceImproved = 0
        if (keepBest) {
          if (best) tf.dispose(best)
          best = o.model.getWeights().map((w) => tf.clone(w))
        }
      } else sinceImproved++
      await o.onEpoch?.(rec)
      if (o.earlyStopping && sinceImproved >= o.earlyStopping.patience) {
        stoppedEarly = true
        break
      }
    }
    if (keepBest && best) o.model.setWeights(best)
    return { history, bestEpoch: keepBest ? bestEpoch : history.length, stoppedEarly, cancelled }
  } finally {
    if (best) tf.dispose(best)
    labelsAll.dispose()
    opt.dispose()
  }
}
