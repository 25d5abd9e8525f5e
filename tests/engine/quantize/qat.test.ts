import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { buildModel, mlpArch } from '../../../electron/engine/models/build'
import { trainModel } from '../../../electron/engine/models/train'
import { evaluateForward, namedWeights, quantizePtq } from '../../../electron/engine/quantize/ptq'
import { quantizationAwareTraining } from '../../../electron/engine/quantize/qat'
import type { ModelQuantSpec } from '../../../electron/engine/quantize/quantize-model'
import { Xoshiro128 } from '../../../electron/engine/core/random'

beforeAll(async () => {
  await initBackend()
})

// four Gaussian blobs in 16 dimensions
function blobs(n: number, seed: number): { x: tf.Tensor2D; y: Int32Array } {
  const r = new Xoshiro128(seed)
  const centres = Array.from({ length: 4 }, () => Array.from({ length: 16 }, () => r.normal()))
  const x = new Float32Array(n * 16)
  const y = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    y[i] = i % 4
    for (let j = 0; j < 16; j++) x[i * 16 + j] = centres[y[i]!]![j]! + 0.9 * r.normal()
  }
  return { x: tf.tensor2d(x, [n, 16]), y }
}

describe('quantization-aware training (STE)', () => {
  it('2-bit per-tensor: the trained kernels sit on their grids and QAT recovers accuracy PTQ lost', async () => {
    const { x, y } = blobs(600, 3)
    const model = buildModel(mlpArch([32], 'relu'), { inputShape: [16], outputs: 4, seed: 2 })
    await trainModel({ model, x, labels: y, epochs: 20, batchSize: 32, optimizer: 'adam', learningRate: 1e-2, seed: 1 })
    const spec: ModelQuantSpec = { bits: 2, scheme: 'symmetric', granularity: { kind: 'tensor' }, calibration: { kind: 'minmax' }, method: 'uniform', format: 'ntkw' }
    const float = evaluateForward((v) => model.apply(v) as tf.Tensor, x, y, 4).accuracy
    const ptq = await quantizePtq(model, { spec })
    const ptqAcc = evaluateForward(ptq.forward, x, y, 4).accuracy
    ptq.model.dispose()
    const before = tf.memory().numTensors
    const losses: number[] = []
    const r = await quantizationAwareTraining(model, { spec, x, labels: y, epochs: 6, batchSize: 32, learningRate: 3e-3, recalibrateEvery: 7, onEpoch: (e) => void losses.push(e.trainLoss) })
    const qatAcc = evaluateForward((v) => r.model.apply(v) as tf.Tensor, x, y, 4).accuracy
    expect(ptqAcc).toBeLessThan(float - 0.02)
    expect(qatAcc).toBeGreaterThan(ptqAcc + 0.02)
    expect(losses.at(-1)!).toBeLessThan(losses[0]!)
    // every kernel value is s·(q − z) with q ∈ {1, 2, 3} (2-bit symmetric): three levels per tensor
    const kernels = namedWeights(r.model).filter((w) => w.shape.length === 2)
    for (const w of kernels) {
      const c = r.qm.choices.find((ch) => ch.name === w.name)!
      expect(c.bits).toBe(2)
      expect(new Set(w.values).size).toBeLessThanOrEqual(3)
      const exported = r.qm.weights.find((q) => q.name === w.name)!
      expect(Array.from(exported.values)).toEqual(Array.from(w.values))
    }
    // only the student model's own variables remain
    expect(tf.memory().numTensors - before).toBe(r.model.weights.length)
    r.model.dispose()
    x.dispose()
    model.dispose()
  })
})
