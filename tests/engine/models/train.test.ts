import * as tf from '@tensorflow/tfjs-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { buildModel, mlpArch, parseArch } from '../../../electron/engine/models/build'
import { inputTensor } from '../../../electron/engine/models/data'
import { evaluateModel, predictLogits } from '../../../electron/engine/models/evaluate'
import { readModelFolder, writeModelFolder } from '../../../electron/engine/models/format'
import { filesToModel, modelToFiles } from '../../../electron/engine/models/io'
import { scheduledLr, trainModel } from '../../../electron/engine/models/train'
import { mnistRows } from '../../helpers/mnist'
import { tempDir } from '../../helpers/tmp'

// Small configs with honest bounds (the 8 000/2 000 floor runs are measured for the report and the bench).

let data: Awaited<ReturnType<typeof mnistRows>>
const tmp = tempDir('ntkw-models-')
beforeAll(async () => {
  await initBackend()
  data = await mnistRows(3000)
})
afterAll(() => tmp.cleanup())

function split(nTrain: number, nTest: number, shape: number[]) {
  const per = 784
  const x = inputTensor({ data: data.x.subarray(0, nTrain * per), shape: [nTrain, 784] }, shape)
  const xt = inputTensor({ data: data.x.subarray(nTrain * per, (nTrain + nTest) * per), shape: [nTest, 784] }, shape)
  return { x, xt, y: data.y.subarray(0, nTrain), yt: data.y.subarray(nTrain, nTrain + nTest) }
}

describe('training layers models', () => {
  it('an MLP learns MNIST digits, saves, reloads with the same logits, and leaks no tensors', async () => {
    const { x, xt, y, yt } = split(2000, 1000, [784])
    const model = buildModel(mlpArch([64], 'relu'), { inputShape: [784], outputs: 10, seed: 1 })
    const before = tf.memory().numTensors
    const r = await trainModel({ model, x, labels: y, xVal: xt, labelsVal: yt, epochs: 4, batchSize: 64, optimizer: 'adam', learningRate: 2e-3, seed: 3 })
    expect(tf.memory().numTensors).toBe(before)
    expect(r.history).toHaveLength(4)
    // loss falls from ln 10 ≈ 2.30 at chance; a 784-64-10 MLP on 2 000 digits reaches ~90 % held out
    expect(r.history[0]!.trainLoss).toBeLessThan(2.3)
    expect(r.history[3]!.trainLoss).toBeLessThan(r.history[0]!.trainLoss)
    const ev = await evaluateModel(model, xt, yt, 0, tf.getBackend())
    expect(ev.accuracy).toBeGreaterThan(0.85)
    expect(ev.confusion.flat().reduce((a, b) => a + b, 0)).toBe(1000)
    // accuracy equals the confusion diagonal; recall_c = diag/row sum
    const diag = ev.confusion.reduce((a, row, i) => a + row[i]!, 0)
    expect(ev.accuracy).toBeCloseTo(diag / 1000, 12)
    expect(ev.recall[0]!).toBeCloseTo(ev.confusion[0]![0]! / ev.support[0]!, 12)
    expect(ev.params).toBe(784 * 64 + 64 + 64 * 10 + 10)

    const files = await modelToFiles(model)
    const file = writeModelFolder(tmp.dir + '/mlp', files)
    const back = await filesToModel(readModelFolder(file))
    const a = predictLogits(model, xt)
    const b = predictLogits(back, xt)
    let d = 0
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!))
    expect(d).toBe(0)
    tf.dispose([x, xt])
    model.dispose()
    back.dispose()
  })

  it('the same seed gives the same weights after training (same backend)', async () => {
    const { x, xt, y } = split(300, 10, [784])
    const run = async (): Promise<Float32Array> => {
      const m = buildModel(mlpArch([16], 'relu'), { inputShape: [784], outputs: 10, seed: 7 })
      await trainModel({ model: m, x, labels: y, epochs: 1, batchSize: 32, optimizer: 'momentum', learningRate: 0.05, seed: 11 })
      const w = m.getWeights()[0]!.dataSync() as Float32Array
      m.dispose()
      return w
    }
    const [w1, w2] = [await run(), await run()]
    expect(Array.from(w1)).toEqual(Array.from(w2))
    tf.dispose([x, xt])
  })

  it('cancel after two epochs keeps the best epoch so far', async () => {
    const { x, xt, y, yt } = split(400, 200, [784])
    const m = buildModel(mlpArch([16], 'relu'), { inputShape: [784], outputs: 10, seed: 2 })
    let epochsDone = 0
    const snapshots: number[][] = []
    const r = await trainModel({
      model: m, x, labels: y, xVal: xt, labelsVal: yt, epochs: 10, batchSize: 100, optimizer: 'adam', learningRate: 1e-3, seed: 1,
      onEpoch: () => {
        epochsDone++
        snapshots.push(Array.from(m.getWeights()[0]!.dataSync().slice(0, 5)))
      },
      isCancelled: () => epochsDone >= 2,
    })
    expect(r.cancelled).toBe(true)
    expect(r.history).toHaveLength(2)
    const best = r.history.reduce((a, e) => (e.valLoss! < a.valLoss! ? e : a))
    expect(r.bestEpoch).toBe(best.epoch)
    expect(Array.from(m.getWeights()[0]!.dataSync().slice(0, 5))).toEqual(snapshots[best.epoch - 1])
    tf.dispose([x, xt])
    m.dispose()
  })

  it('a small CNN trains on the active backend (Conv2D filter gradients on wasm too)', async () => {
    const { x, xt, y, yt } = split(600, 300, [28, 28, 1])
    const arch = parseArch({ input: [28, 28, 1], layers: [{ type: 'conv2d', filters: 8, kernel: 3, stride: 2, activation: 'relu' }, { type: 'batchnorm' }, { type: 'maxpool2d' }, { type: 'dropout', rate: 0.1 }, { type: 'flatten' }] })
    const m = buildModel(arch, { inputShape: [28, 28, 1], outputs: 10, seed: 5 })
    const r = await trainModel({ model: m, x, labels: y, xVal: xt, labelsVal: yt, epochs: 3, batchSize: 32, optimizer: 'adam', learningRate: 3e-3, seed: 1 })
    expect(r.history[2]!.trainLoss).toBeLessThan(r.history[0]!.trainLoss)
    // 600 digits, 3 epochs: well above chance (0.1)
    expect(r.history[2]!.valAccuracy!).toBeGreaterThan(0.6)
    tf.dispose([x, xt])
    m.dispose()
  })

  it('a custom loss sees every training row once per epoch; decoupled weight decay shrinks kernels by (1 − ηλ)^steps', async () => {
    const { x, xt, y } = split(100, 10, [784])
    const m = buildModel(mlpArch([8], 'relu'), { inputShape: [784], outputs: 10, seed: 4 })
    // put non-zero biases in so "biases are not decayed" can be seen
    m.setWeights(m.getWeights().map((w, i) => (i % 2 === 1 ? tf.fill(w.shape, 0.5) : w)))
    const before = m.getWeights().map((w) => w.dataSync().slice())
    const seen: number[] = []
    // a loss with zero gradient: only the weight decay moves the weights
    const r = await trainModel({
      model: m, x, labels: y, epochs: 2, batchSize: 30, optimizer: 'sgd', learningRate: 0.1, weightDecay: 0.01, seed: 9, keepBest: false,
      loss: (b) => {
        seen.push(...b.indices)
        return tf.mul(tf.sum(b.logits), 0) as tf.Scalar
      },
    })
    expect(r.history).toHaveLength(2)
    expect(seen.slice(0, 100).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(seen.slice(100).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    const steps = 2 * Math.ceil(100 / 30)
    const after = m.getWeights().map((w) => w.dataSync())
    const factor = (1 - 0.1 * 0.01) ** steps
    for (const k of [0, 2]) after[k]!.forEach((v, i) => expect(v).toBeCloseTo(before[k]![i]! * factor, 6))
    for (const k of [1, 3]) after[k]!.forEach((v) => expect(v).toBeCloseTo(0.5, 7))
    tf.dispose([x, xt])
    m.dispose()
  })

  it('learning-rate schedules follow their closed forms', () => {
    expect(scheduledLr(0.1, { type: 'constant' }, 7, 10)).toBe(0.1)
    expect(scheduledLr(0.1, { type: 'step', every: 3, gamma: 0.5 }, 7, 10)).toBeCloseTo(0.1 * 0.25, 15)
    expect(scheduledLr(0.1, { type: 'cosine', minLr: 0 }, 0, 10)).toBeCloseTo(0.1, 15)
    expect(scheduledLr(0.1, { type: 'cosine', minLr: 0.01 }, 5, 10)).toBeCloseTo(0.01 + 0.09 * 0.5, 15)
  })
})
