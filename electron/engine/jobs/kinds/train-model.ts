import * as tf from '@tensorflow/tfjs-core'
import type { TrainModelResult } from '../../../../shared/jobs/results'
import * as tfl from '@tensorflow/tfjs-layers'
import type { DataRef, JobSpecOf, ModelEvaluation } from '../../../../shared/index'
import { UserError } from '../../../../shared/errors'
import { CancelledError } from '../../core/cancel'
import { yieldEvery, type JobContext } from '../../core/job'
import type { Matrix } from '../../core/matrix'
import { Xoshiro128, deriveSeed } from '../../core/random'
import { buildModel, initWeights, resolveInputShape } from '../../models/build'
import { inputTensor, labelIds } from '../../models/data'
import { evaluateModel } from '../../models/evaluate'
import { kerasConfig, SUPPORTED_LAYERS } from '../../models/format'
import { inputShapeOf, outputUnitsOf } from '../../models/io'
import { toStoredModel } from '../../models/stored'
import { trainModel, type OptimizerKind } from '../../models/train'

type Spec = JobSpecOf<'train'>

function rowsOf(m: Matrix, idx: Int32Array): Matrix {
  const out = new Float32Array(idx.length * m.cols)
  idx.forEach((r, i) => out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols))
  return { data: out, rows: idx.length, cols: m.cols }
}

function arr(m: Matrix, rowShape: number[]): { data: Matrix['data']; shape: number[] } {
  const per = rowShape.reduce((a, b) => a * b, 1)
  return { data: m.data, shape: per === m.cols ? [m.rows, ...rowShape] : [m.rows, m.cols] }
}

function modelFromTopology(topology: Record<string, unknown>, seed: number): Promise<tfl.LayersModel> {
  const t = (topology.modelTopology ?? topology) as Record<string, unknown>
  const cfg = kerasConfig(t)
  for (const l of cfg.config.layers) {
    if (!SUPPORTED_LAYERS.includes(l.class_name)) {
      throw new UserError('unsupported_layer', `topology: layer '${String(l.config?.name ?? '?')}' (${l.class_name}) is not supported`, `Supported layers: ${SUPPORTED_LAYERS.join(', ')}.`)
    }
  }
  return tfl.models.modelFromJSON({ modelTopology: t } as never).then((m) => {
    initWeights(m, seed)
    return m
  })
}

/** Trains a layers network (`network` ARCH or `topology`) by epochs and saves it as a model. */
export async function runTrainModel(spec: Spec, ctx: JobContext): Promise<TrainModelResult> {
  const started = performance.now()
  const load = (r: DataRef): Promise<Matrix> => ctx.data.load(r)
  const xm = await load(spec.xTrain)
  const ym = await load(spec.yTrain)
  const hash = await ctx.data.hash(spec.xTrain)
  ctx.recordDatasetHash(hash)
  if (ym.rows !== xm.rows) throw new UserError('shape_mismatch', `x has ${xm.rows} rows but y has ${ym.rows}`, 'Give one label (or one-hot row) per input row.')
  if (Boolean(spec.xVal) !== Boolean(spec.yVal)) throw new UserError('usage', 'give both a validation x and y, or neither')
  if (Boolean(spec.xTest) !== Boolean(spec.yTest)) throw new UserError('usage', 'give both a test x and y, or neither')
  const rowShape = spec.inputShape ?? [xm.cols]
  if (rowShape.reduce((a, b) => a * b, 1) !== xm.cols) {
    throw new UserError('shape_mismatch', `inputShape [${rowShape.join(', ')}] holds ${rowShape.reduce((a, b) => a * b, 1)} values but x rows have ${xm.cols}`)
  }
  // classes: one-hot width, else the largest label over every split + 1
  const allY = [ym, ...(spec.yVal ? [await load(spec.yVal)] : []), ...(spec.yTest ? [await load(spec.yTest)] : [])]
  const yArr = (m: Matrix): { data: Matrix['data']; shape: number[] } => ({ data: m.data, shape: m.cols === 1 ? [m.rows] : [m.rows, m.cols] })
  let K = ym.cols > 1 ? ym.cols : 0
  for (const m of allY) for (const v of labelIds(yArr(m), null)) K = Math.max(K, v + 1)
  K = Math.max(K, 2)
  if (spec.classNames && spec.classNames.length !== K) throw new UserError('bad_class_names', `${spec.classNames.length} class names for ${K} classes`)

  let xTrain = xm
  let labels = labelIds(yArr(ym), K, 'y')
  // an empty split (e.g. a dataset recipe without a validation part) means no such set
  let xValM: Matrix | null = spec.xVal ? await load(spec.xVal) : null
  let labelsVal: Int32Array | null = spec.yVal && xValM && xValM.rows > 0 ? labelIds(yArr(allY[1]!), K, 'y_val') : null
  if (xValM && xValM.rows === 0) xValM = null
  if (!xValM && spec.validationSplit > 0) {
    const perm = new Xoshiro128(deriveSeed(spec.seed, 0x5a11)).permutation(xm.rows)
    const nVal = Math.max(1, Math.round(xm.rows * spec.validationSplit))
    const valIdx = perm.subarray(0, nVal)
    const trIdx = perm.subarray(nVal)
    xValM = rowsOf(xm, valIdx)
    labelsVal = Int32Array.from(valIdx, (r) => labels[r]!)
    xTrain = rowsOf(xm, trIdx)
    labels = Int32Array.from(trIdx, (r) => labels[r]!)
  }
  let xTestM = spec.xTest ? await load(spec.xTest) : null
  if (xTestM && xTestM.rows === 0) xTestM = null
  const labelsTest = spec.yTest && xTestM ? labelIds(yArr(allY[allY.length - 1]!), K, 'y_test') : null

  const model = spec.topology
    ? await modelFromTopology(spec.topology, spec.seed)
    : buildModel(spec.network!, { inputShape: resolveInputShape(spec.network!, rowShape), outputs: K, seed: spec.seed })
  const tensors: tf.Tensor[] = []
  try {
    if (outputUnitsOf(model) !== K) throw new UserError('shape_mismatch', `the network has ${outputUnitsOf(model)} outputs but the labels have ${K} classes`, 'Make the last Dense layer have one unit per class.')
    const inputShape = inputShapeOf(model)
    const x = inputTensor(arr(xTrain, rowShape), inputShape, 'x')
    tensors.push(x)
    const xVal = xValM ? inputTensor(arr(xValM, rowShape), inputShape, 'x_val') : undefined
    if (xVal) tensors.push(xVal)
    const optimizer: OptimizerKind = spec.optimizer === undefined ? 'adam' : spec.optimizer === 'gd' ? 'sgd' : spec.optimizer
    const batchSize = spec.optimizer === 'gd' ? labels.length : (spec.batchSize ?? 128)
    const learningRate = spec.learningRate ?? (optimizer === 'adam' ? 1e-3 : 0.01)
    const maybeYield = yieldEvery(ctx)
    const perEpoch = Math.ceil(labels.length / Math.min(batchSize, labels.length))
    ctx.log('info', `training ${model.countParams()} parameters on ${labels.length} rows (${K} classes), ${spec.epochs} epochs of ${perEpoch} batches, ${optimizer} η=${learningRate}, backend ${ctx.backend}`)
    const r = await trainModel({
      model,
      x,
      labels,
      xVal,
      labelsVal: labelsVal ?? undefined,
      epochs: spec.epochs,
      batchSize,
      optimizer,
      learningRate,
      momentum: spec.momentum,
      schedule: spec.schedule,
      weightDecay: spec.weightDecay,
      seed: spec.seed,
      earlyStopping: spec.earlyStopping,
      keepBest: spec.keepBest,
      onEpoch: (e) => {
        ctx.metric('train_loss', e.epoch, e.trainLoss)
        if (e.trainAccuracy !== null) ctx.metric('train_accuracy', e.epoch, e.trainAccuracy)
        if (e.valLoss !== null) ctx.metric('val_loss', e.epoch, e.valLoss)
        if (e.valAccuracy !== null) ctx.metric('val_accuracy', e.epoch, e.valAccuracy)
        ctx.metric('lr', e.epoch, e.lr)
      },
      onBatch: async (b, total, epoch) => {
        ctx.progress((epoch + b / total) / spec.epochs, `epoch ${epoch + 1}/${spec.epochs}, batch ${b}/${total}`)
        await maybeYield()
      },
      isCancelled: () => ctx.signal.aborted,
    })
    const trainSeconds = r.history.reduce((a, e) => a + e.seconds, 0)
    const last = r.history.find((e) => e.epoch === r.bestEpoch) ?? r.history[r.history.length - 1]
    let evaluation: ModelEvaluation | null = null
    if (xTestM && labelsTest) {
      const xt = inputTensor(arr(xTestM, rowShape), inputShape, 'x_test')
      tensors.push(xt)
      evaluation = await evaluateModel(model, xt, labelsTest, 0, ctx.backend)
    }
    const metrics: Record<string, number> = {}
    if (last) {
      metrics.trainLoss = last.trainLoss
      if (last.trainAccuracy !== null) metrics.trainAccuracy = last.trainAccuracy
      if (last.valLoss !== null) metrics.valLoss = last.valLoss
      if (last.valAccuracy !== null) metrics.valAccuracy = last.valAccuracy
    }
    if (evaluation) {
      metrics.accuracy = evaluation.accuracy
      metrics.loss = evaluation.loss
    }
    let modelId: string | null = null
    let modelPath: string | null = null
    if (r.history.length > 0 && spec.saveModel !== false) {
      const stored = await toStoredModel(
        model,
        {
          name: spec.modelName ?? spec.name ?? `${model.layers.filter((l) => l.getClassName() === 'Conv2D').length ? 'CNN' : 'MLP'} ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
          source: { kind: 'train', runId: ctx.runId },
          numClasses: K,
          ...(spec.classNames ? { classNames: spec.classNames } : {}),
          dataset: { hash, ref: spec.xTrain },
          recipe: { inputShape, rowShape, xTrain: spec.xTrain, validationSplit: spec.validationSplit },
          seed: spec.seed,
          backend: ctx.backend,
          training: { optimizer, learningRate, batchSize, epochs: spec.epochs, schedule: spec.schedule, weightDecay: spec.weightDecay, momentum: spec.momentum, earlyStopping: spec.earlyStopping ?? null },
          history: r.history,
          bestEpoch: r.bestEpoch,
          metrics,
        },
        null,
      )
      if (evaluation) stored.evaluation = { ...evaluation, weightBytes: stored.meta.weightBytes }
      if (ctx.models) {
        const saved = ctx.models.save(stored)
        modelId = saved.id
        modelPath = saved.path ?? null
        ctx.log('info', `model saved: ${saved.path ?? saved.id}`)
      } else ctx.log('warn', 'no model store for this run: the trained model was not kept')
    }
    ctx.artifacts.saveJson('history', { history: r.history, bestEpoch: r.bestEpoch, stoppedEarly: r.stoppedEarly })
    if (r.cancelled) throw new CancelledError()
    return {
      modelId,
      modelPath,
      epochs: r.history.length,
      bestEpoch: r.bestEpoch,
      stoppedEarly: r.stoppedEarly,
      cancelled: r.cancelled,
      params: model.countParams(),
      final: {
        trainLoss: last?.trainLoss ?? null,
        trainAccuracy: last?.trainAccuracy ?? null,
        valLoss: last?.valLoss ?? null,
        valAccuracy: last?.valAccuracy ?? null,
        testAccuracy: evaluation?.accuracy ?? null,
        testLoss: evaluation?.loss ?? null,
      },
      samplesPerSecond: trainSeconds > 0 ? (labels.length * r.history.length) / trainSeconds : 0,
      seconds: (performance.now() - started) / 1000,
    }
  } finally {
    tf.dispose(tensors)
    model.dispose()
  }
}
