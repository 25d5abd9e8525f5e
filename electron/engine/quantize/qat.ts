import * as tf from '@tensorflow/tfjs-core'
import type * as tfl from '@tensorflow/tfjs-layers'
import { UserError } from '../../../shared/errors'
import { trainModel, type OptimizerKind, type TrainModelResult } from '../models/train'
import { kernelLayers } from './model-layers'
import { cloneModel, namedWeights } from './ptq'
import { quantizeModel, type ModelQuantSpec, type QuantizedModel } from './quantize-model'
import { quantizeWeight, requantize } from './quantize-weight'
import type { QuantizedWeight } from './types'

// Quantization-aware training with the straight-through estimator (Bengio et al. 2013; Courbariaux et al.,
// "BinaryConnect", NeurIPS 2015; Jacob et al., CVPR 2018 §3): the network computes with Ŵ = Q(W) while the
// optimizer updates float shadow weights W with ∂L/∂Ŵ as if Q were the identity. Implemented around the models
// training loop without a second forward pass: the layer variables hold Ŵ, the optimizer steps them to
// Ŵ − Δ, the step Δ is moved onto W (W ← W − Δ) and the variables are re-rounded, Ŵ ← Q(W). Grids (scales,
// zero points) are recalibrated on W every `recalibrateEvery` steps and frozen in between.
// Optional teacher (Hinton, Vinyals & Dean, "Distilling the Knowledge in a Neural Network", 2015):
//   L = α·T²·KL(softmax(z_t/T) ‖ softmax(z_s/T)) + (1 − α)·CE(z_s, y)
// with the float model as teacher (the TopKLD setting).

export interface QatOptions {
  spec: ModelQuantSpec
  x: tf.Tensor
  labels: Int32Array
  epochs: number
  batchSize?: number
  learningRate?: number
  optimizer?: OptimizerKind
  seed?: number
  recalibrateEvery?: number
  teacher?: { temperature: number; alpha: number } | null
  onEpoch?: (r: { epoch: number; trainLoss: number; trainAccuracy: number }) => void | Promise<void>
  isCancelled?: () => boolean
}

export interface QatResult {
  model: tfl.LayersModel
  qm: QuantizedModel
  history: TrainModelResult['history']
}

export async function quantizationAwareTraining(float: tfl.LayersModel, o: QatOptions): Promise<QatResult> {
  if (o.spec.bits === 'float16' || o.spec.method === 'kmeans') throw new UserError('qat_unsupported', 'QAT trains uniform or power grids at 2..8 bits', 'Use --method uniform (or power) with integer bits.')
  const bits = o.spec.bits
  const student = await cloneModel(float)
  const layers = kernelLayers(student)
  const wspec = { bits, scheme: o.spec.method === 'power' ? ('symmetric' as const) : o.spec.scheme, granularity: o.spec.granularity, calibration: o.spec.calibration, method: o.spec.method }
  const shadow = new Map<string, Float32Array>()
  const grids = new Map<string, QuantizedWeight>()
  const vars = new Map<string, tfl.LayerVariable>()
  const byName = new Map(namedWeights(float).map((w) => [w.name, w]))
  const write = (name: string, values: Float32Array) => {
    const v = vars.get(name)!
    tf.tidy(() => {
      v.write(tf.tensor(values, v.shape as number[]))
    })
  }
  const calibrate = () => {
    for (const l of layers) {
      const q = quantizeWeight(shadow.get(l.kernelName)!, byName.get(l.kernelName)!.shape, wspec, { name: l.kernelName })
      grids.set(l.kernelName, q)
      write(l.kernelName, q.values)
    }
  }
  for (const l of layers) {
    shadow.set(l.kernelName, Float32Array.from(byName.get(l.kernelName)!.values))
    vars.set(l.kernelName, l.layer.weights.find((w) => w.originalName === l.kernelName)!)
  }
  calibrate()
  const every = o.recalibrateEvery ?? 50
  let step = 0
  let teacherLogits: tf.Tensor | null = null
  if (o.teacher) teacherLogits = tf.tidy(() => float.apply(o.x, { training: false }) as tf.Tensor)
  const T = o.teacher?.temperature ?? 1
  const alpha = o.teacher?.alpha ?? 0
  try {
    const r = await trainModel({
      model: student,
      x: o.x,
      labels: o.labels,
      epochs: o.epochs,
      batchSize: o.batchSize ?? 128,
      optimizer: o.optimizer ?? 'adam',
      learningRate: o.learningRate ?? 1e-4,
      seed: o.seed ?? 1,
      keepBest: false,
      ...(teacherLogits
        ? {
            loss: ({ logits, labels, indices }) =>
              tf.tidy(() => {
                const zt = tf.gather(teacherLogits!, tf.tensor1d(indices, 'int32'))
                const pt = tf.softmax(tf.div(zt, T))
                const logPs = tf.logSoftmax(tf.div(logits, T))
                const kl = tf.mean(tf.sum(tf.mul(pt, tf.sub(tf.log(tf.add(pt, 1e-12)), logPs)), 1))
                const ce = tf.mean(tf.neg(tf.sum(tf.mul(tf.oneHot(labels, logits.shape[1]!), tf.logSoftmax(logits)), 1)))
                return tf.add(tf.mul(alpha * T * T, kl), tf.mul(1 - alpha, ce)) as tf.Scalar
              }),
          }
        : {}),
      onBatch: () => {
        step++
        for (const l of layers) {
          const now = vars.get(l.kernelName)!.read().dataSync() as Float32Array
          const prev = grids.get(l.kernelName)!.values
          const w = shadow.get(l.kernelName)!
          for (let i = 0; i < w.length; i++) w[i]! += now[i]! - prev[i]!
        }
        if (step % every === 0) calibrate()
        else
          for (const l of layers) {
            const q = requantize(shadow.get(l.kernelName)!, grids.get(l.kernelName)!)
            grids.set(l.kernelName, q)
            write(l.kernelName, q.values)
          }
      },
      ...(o.onEpoch ? { onEpoch: (e) => o.onEpoch!({ epoch: e.epoch, trainLoss: e.trainLoss, trainAccuracy: e.trainAccuracy ?? 0 }) } : {}),
      ...(o.isCancelled ? { isCancelled: o.isCancelled } : {}),
    })
    const weights = namedWeights(student)
    const qm = quantizeModel(
      weights.map((w) => (shadow.has(w.name) ? { ...w, values: shadow.get(w.name)! } : w)),
      o.spec,
      { precomputed: grids },
    )
    return { model: student, qm, history: r.history }
  } finally {
    teacherLogits?.dispose()
  }
}
