import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-layers'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { buildModel, mlpArch } from '../../../electron/engine/models/build'
import { chooseMixedPrecision } from '../../../electron/engine/quantize/mixed-precision'
import { evaluateForward, namedWeights, quantizePtq } from '../../../electron/engine/quantize/ptq'
import { quantizeModel } from '../../../electron/engine/quantize/quantize-model'
import { layersMlp, quantizedNtkShift } from '../../../electron/engine/quantize/quantized-ntk'
import { empiricalNtk } from '../../../electron/engine/ntk/empirical'
import { layerSensitivity, type SensitivityResult } from '../../../electron/engine/quantize/sensitivity'
import { Xoshiro128 } from '../../../electron/engine/core/random'
import { UserError } from '../../../shared/errors'
import { gaussian } from './helpers'

beforeAll(async () => {
  await initBackend()
})

describe('mixed precision under a size budget', () => {
  it('the Pareto sweep finds the brute-force optimum', () => {
    const r = new Xoshiro128(4)
    for (let trial = 0; trial < 20; trial++) {
      const layers = ['a', 'b', 'c', 'd']
      const bits = [2, 3, 4, 8]
      const rows = layers.flatMap((layer, li) => bits.map((b) => ({ layer, bits: b, accuracy: 0, loss: 0, drop: (r.uniform() * 0.3) / b, bytes: Math.round((1000 + 500 * li) * b * (0.9 + 0.2 * r.uniform())) })))
      const s: SensitivityResult = { floatAccuracy: 0.95, floatLoss: 0.1, rows, fixedBytes: 100, floatBytes: 1e6 }
      const budget = 100 + 14000 + r.uniform() * 20000
      let best = Infinity
      for (let m = 0; m < 4 ** 4; m++) {
        let bytes = 100
        let drop = 0
        for (let l = 0; l < 4; l++) {
          const row = rows.filter((x) => x.layer === layers[l])[Math.floor(m / 4 ** l) % 4]!
          bytes += row.bytes
          drop += row.drop
        }
        if (bytes <= budget) best = Math.min(best, drop)
      }
      if (best === Infinity) {
        expect(() => chooseMixedPrecision(s, budget)).toThrow(UserError)
        continue
      }
      const c = chooseMixedPrecision(s, budget)
      expect(c.predictedDrop).toBeCloseTo(best, 12)
      expect(c.bytes).toBeLessThanOrEqual(budget)
      const check = layers.reduce((sum, l) => sum + rows.find((x) => x.layer === l && x.bits === c.bits[l])!.bytes, 100)
      expect(c.bytes).toBe(check)
    }
  })
})

describe('layer sensitivity', () => {
  it('one row per layer × width; each equals quantizing that layer alone through quantizeModel', async () => {
    const model = buildModel(mlpArch([24, 24], 'relu'), { inputShape: [12], outputs: 5, seed: 8 })
    const x = tf.tensor2d(gaussian(300 * 12, 1), [300, 12])
    const labels = tf.tidy(() => tf.argMax(model.apply(x) as tf.Tensor, 1).dataSync() as Int32Array)
    const spec = { scheme: 'symmetric' as const, granularity: { kind: 'channel' as const }, calibration: { kind: 'minmax' as const }, method: 'uniform' as const }
    const s = await layerSensitivity(model, spec, [2, 8], x, labels)
    expect(s.floatAccuracy).toBe(1)
    expect(s.rows).toHaveLength(6)
    const names = namedWeights(model).filter((w) => w.shape.length === 2).map((w) => w.name)
    const row = s.rows.find((r) => r.layer === names[1] && r.bits === 2)!
    const alone = await quantizePtq(model, { spec: { ...spec, bits: 2, format: 'ntkw' }, skip: new Set(names.filter((n) => n !== names[1])) })
    const acc = evaluateForward(alone.forward, x, labels, 5).accuracy
    expect(row.accuracy).toBe(acc)
    expect(row.bytes).toBe(alone.qm.choices.find((c) => c.name === names[1])!.bytes)
    for (const n of names) expect(s.rows.find((r) => r.layer === n && r.bits === 8)!.drop).toBeLessThanOrEqual(s.rows.find((r) => r.layer === n && r.bits === 2)!.drop)
    alone.model.dispose()
    model.dispose()
    x.dispose()
  })
})

describe('NTK of the quantized network', () => {
  it('the layers-model NTK equals a Jacobian computed by autodiff over the tfjs-layers variables, and shrinks with bits', () => {
    const model = buildModel(mlpArch([6, 6], 'relu'), { inputShape: [3], outputs: 2, seed: 4 })
    // non-zero biases so their gradient terms count
    model.setWeights(model.getWeights().map((w, i) => tf.tensor(gaussian(w.size, 50 + i, 0.7), w.shape)))
    const n = 5
    const x = tf.tensor2d(gaussian(n * 3, 9), [n, 3])
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
    // J[i][k] = ∂f_k(x_i)/∂θ, flattened over every variable
    const jac: Float64Array[][] = []
    for (let i = 0; i < n; i++) {
      jac.push([])
      for (let k = 0; k < 2; k++) {
        const { grads } = tf.variableGrads(() => tf.tidy(() => tf.sum(tf.slice(model.apply(tf.slice(x, i, 1)) as tf.Tensor2D, [0, k], [1, 1])) as tf.Scalar), vars)
        jac[i]!.push(Float64Array.from(vars.flatMap((v) => Array.from(grads[v.name]!.dataSync()))))
        tf.dispose(Object.values(grads))
      }
    }
    const ref = (i: number, j: number) => (jac[i]![0]!.reduce((s, v, p) => s + v * jac[j]![0]![p]!, 0) + jac[i]![1]!.reduce((s, v, p) => s + v * jac[j]![1]![p]!, 0)) / 2
    const w = namedWeights(model)
    // same weights → zero shift; the kernel itself checked entry by entry through a second route
    const same = quantizedNtkShift(model, w, w, x)
    expect(same.relative).toBe(0)
    const mlp = layersMlp(model, w)
    const theta = empiricalNtk(mlp, x)
    const tv = theta.dataSync()
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(tv[i * n + j]).toBeCloseTo(ref(i, j), 3)
    theta.dispose()
    for (const l of mlp.layers) tf.dispose([l.w, ...(l.b ? [l.b] : [])])
    let fro = 0
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) fro += ref(i, j) ** 2
    expect(same.normFloat).toBeCloseTo(Math.sqrt(fro), 3)
    const shift = (bits: number) => quantizedNtkShift(model, w, quantizeModel(w, { bits, scheme: 'symmetric', granularity: { kind: 'tensor' }, calibration: { kind: 'minmax' }, method: 'uniform', format: 'ntkw' }).weights, x).relative
    const s2 = shift(2)
    const s8 = shift(8)
    expect(s8).toBeLessThan(0.02)
    expect(s2).toBeGreaterThan(5 * s8)
    x.dispose()
    model.dispose()
  })
})
