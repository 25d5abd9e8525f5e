import * as tf from '@tensorflow/tfjs-core'
import type { TrainMlpResult } from '../../../../shared/jobs/results'
import { UserError } from '../../../../shared/errors'
import { forward } from '../../nn/forward'
import { disposeMlp, parameterCount } from '../../nn/mlp'
import { trainMlp } from '../../nn/train'
import { empiricalNtk } from '../../ntk/empirical'
import { yieldEvery, type JobRunner } from '../../core/job'
import type { Matrix } from '../../core/matrix'
import { matrixTensor } from './empirical-kernel'
import { runTrainModel } from './train-model'
import { mlpToLayersModel } from '../../models/ntk-export'
import { toStoredModel } from '../../models/stored'

function isOneHotRows(m: Matrix): boolean {
  for (let i = 0; i < m.rows; i++) {
    let ones = 0
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[i * m.cols + j]!
      if (v === 1) ones++
      else if (v !== 0) return false
    }
    if (ones !== 1) return false
  }
  return m.cols > 1
}

function labelsOf(m: Matrix, name: string): number[] {
  if (m.cols !== 1) throw new UserError('bad_labels', `${name} has ${m.cols} columns; class labels must be one column of integers`, 'Pass labels as an [n] or [n, 1] array of 0, 1, 2, ..., or set "labels": false to use y as targets.')
  const out: number[] = []
  for (let i = 0; i < m.rows; i++) {
    const v = m.data[i]!
    if (!Number.isInteger(v) || v < 0) throw new UserError('bad_labels', `${name} row ${i} is ${v}, not a class label (integer ≥ 0)`, 'Class labels must be 0, 1, 2, ...; for real-valued targets use the mse loss with "labels": false.')
    out.push(v)
  }
  return out
}

function oneHot(labels: number[], K: number): tf.Tensor2D {
  const y = new Float32Array(labels.length * K)
  labels.forEach((c, i) => (y[i * K + c] = 1))
  return tf.tensor2d(y, [labels.length, K])
}

// Trains the spec's finite MLP (nn/train.ts), streaming train_loss / test_loss / accuracy / kernel_drift
// metrics; artifacts: 'history' (every curve) and 'predictions' (f on x_test, when given).
// With `network` or `topology` instead, trains a layers model by epochs (train-model.ts).
export const run: JobRunner<'train'> = async (spec, ctx) => {
  if (spec.network || spec.topology) return runTrainModel(spec, ctx)
  const arch = spec.arch
  if (!arch) throw new UserError('usage', 'a train spec needs "arch" (a finite MLP) or "network" (an ARCH.json network)', "See 'ntkw schema train'.")
  if (spec.optimizer === 'momentum') throw new UserError('usage', "the 'momentum' optimizer is available for \"network\" training", 'Use gd, sgd or adam with "arch", or give a "network".')
  const optimizer = spec.optimizer ?? 'gd'
  const learningRate = spec.learningRate ?? 1
  const started = performance.now()
  const { matrix: xm, hash } = await ctx.data.loadWithHash(spec.xTrain)
  const ym = await ctx.data.load(spec.yTrain)
  ctx.recordDatasetHash(hash)
  const xtm = spec.xTest ? await ctx.data.load(spec.xTest) : null
  const ytm = spec.yTest ? await ctx.data.load(spec.yTest) : null
  if (ym.rows !== xm.rows) throw new UserError('shape_mismatch', `x_train has ${xm.rows} rows but y_train has ${ym.rows}`)
  if (xtm && xtm.cols !== xm.cols) throw new UserError('shape_mismatch', `x_test has ${xtm.cols} features but x_train has ${xm.cols}`)
  if (xtm && ytm && ytm.rows !== xtm.rows) throw new UserError('shape_mismatch', `x_test has ${xtm.rows} rows but y_test has ${ytm.rows}`)
  if (ytm && !xtm) throw new UserError('usage', 'y_test was given without x_test')

  const useLabels = spec.labels ?? (spec.loss === 'cross-entropy' && ym.cols === 1)
  let K: number
  let classification: boolean
  const tensors: tf.Tensor[] = []
  const keep = <T extends tf.Tensor>(t: T): T => {
    tensors.push(t)
    return t
  }
  try {
    const xTrain = keep(matrixTensor(xm, 'x_train'))
    const xTest = xtm ? keep(matrixTensor(xtm, 'x_test')) : undefined
    let yTrain: tf.Tensor2D
    let yTest: tf.Tensor2D | undefined
    if (useLabels) {
      const lt = labelsOf(ym, 'y_train')
      const ls = ytm ? labelsOf(ytm, 'y_test') : []
      K = Math.max(2, [...lt, ...ls].reduce((a, b) => Math.max(a, b), 0) + 1)
      yTrain = keep(oneHot(lt, K))
      yTest = ytm ? keep(oneHot(ls, K)) : undefined
      classification = true
    } else {
      K = ym.cols
      if (ytm && ytm.cols !== K) throw new UserError('shape_mismatch', `y_train has ${K} columns but y_test has ${ytm.cols}`)
      yTrain = keep(matrixTensor(ym, 'y_train'))
      yTest = ytm ? keep(matrixTensor(ytm, 'y_test')) : undefined
      classification = spec.loss === 'cross-entropy' || isOneHotRows(ym)
      if (spec.loss === 'cross-entropy' && K < 2) {
        throw new UserError('bad_targets', 'cross-entropy needs at least two classes', 'Give y as integer class labels (one column) or one-hot rows with ≥ 2 columns.')
      }
    }
    const maybeYield = yieldEvery(ctx)
    const r = await trainMlp({
      arch,
      xTrain,
      yTrain,
      xTest,
      yTest,
      optimizer,
      loss: spec.loss,
      learningRate,
      steps: spec.steps,
      batchSize: spec.batchSize,
      seed: spec.seed,
      evalEvery: spec.evalEvery,
      kernelEvery: spec.kernelEvery,
      kernel: empiricalNtk,
      kernelPoints: spec.kernelPoints,
      classification,
      onMetric: (name, step, value) => ctx.metric(name, step, value),
      onStep: async (done, total) => {
        ctx.progress(done / total, `step ${done}/${total}`)
        ctx.throwIfCancelled()
        await maybeYield()
        ctx.throwIfCancelled()
      },
    })
    let modelId: string | null = null
    try {
      ctx.artifacts.saveJson('history', { arch, optimizer, loss: spec.loss, learningRate, curves: r.curves })
      if (spec.saveModel && ctx.models) {
        // the NTK-parameterized MLP as a stock layers model with σ/√fan-in folded into the weights
        const layers = mlpToLayersModel(r.net)
        try {
          const stored = await toStoredModel(layers, {
            name: spec.modelName ?? spec.name ?? `MLP ${arch.depth}×${arch.width} (${arch.parameterization})`,
            source: { kind: 'train', runId: ctx.runId },
            numClasses: classification ? K : null,
            parameterization: arch.parameterization === 'ntk' ? 'ntk-folded' : 'standard',
            seed: spec.seed,
            backend: ctx.backend,
            dataset: { ref: spec.xTrain },
            training: { arch, optimizer, loss: spec.loss, learningRate, steps: spec.steps, batchSize: spec.batchSize ?? null },
            metrics: Object.fromEntries(Object.entries({ trainLoss: r.final.trainLoss, testLoss: r.final.testLoss, accuracy: r.final.accuracy }).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))),
          })
          modelId = ctx.models.save(stored).id
        } finally {
          layers.dispose()
        }
      }
      if (xTest) {
        const f = forward(r.net, xTest)
        ctx.artifacts.saveArray('predictions', f.dataSync() as Float32Array, f.shape)
        f.dispose()
      }
    } finally {
      disposeMlp(r.net)
    }
    const result: TrainMlpResult = {
      final: r.final,
      steps: spec.steps,
      outDim: K,
      classification,
      parameters: parameterCount(arch, xm.cols, K),
      modelId,
      seconds: (performance.now() - started) / 1000,
    }
    return result
  } finally {
    tf.dispose(tensors)
  }
}
