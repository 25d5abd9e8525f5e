import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ActivationSpec } from '../../../shared/arch'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { backward, disposeGrads } from '../../../electron/engine/nn/backward'
import { disposeCache, forwardWithCache } from '../../../electron/engine/nn/forward'
import { lossAndGrad } from '../../../electron/engine/nn/loss'
import { disposeMlp, exportWeights, initMlp, type FiniteFcArch } from '../../../electron/engine/nn/mlp'
import { trainMlp } from '../../../electron/engine/nn/train'
import { empiricalNtk } from '../../../electron/engine/ntk/empirical'
import { forward64, paramSlots, phi64, testInputs, type F64Layer } from './f64-mlp'

beforeAll(async () => {
  await initBackend()
})

const arch = (activation: ActivationSpec, o: Partial<FiniteFcArch> = {}): FiniteFcArch => ({
  depth: 2,
  width: 7,
  activation,
  wStd: 1.2,
  bStd: 0.3,
  parameterization: 'ntk',
  ...o,
})

function toF64(net: ReturnType<typeof initMlp>): F64Layer[] {
  return exportWeights(net).map((l) => ({ ...l, w: Float64Array.from(l.w), b: l.b ? Float64Array.from(l.b) : null }))
}

// float64 losses written out independently of nn/loss.ts
function loss64(kind: 'mse' | 'cross-entropy', f: Float64Array, y: Float64Array, N: number, K: number): number {
  if (kind === 'mse') return f.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0) / (2 * N * K)
  let s = 0
  for (let i = 0; i < N; i++) {
    const row = Array.from(f.subarray(i * K, i * K + K))
    const m = Math.max(...row)
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0))
    for (let k = 0; k < K; k++) s -= y[i * K + k]! * (row[k]! - lse)
  }
  return s / N
}

function oneHot(labels: number[], K: number): Float64Array {
  const y = new Float64Array(labels.length * K)
  labels.forEach((c, i) => (y[i * K + c] = 1))
  return y
}

describe('backward pass', () => {
  const N = 5
  const d = 3
  const K = 3
  const xs = testInputs(N, d, 3)
  const cases: { name: string; act: ActivationSpec; o: Partial<FiniteFcArch>; loss: 'mse' | 'cross-entropy' }[] = [
    { name: 'relu, ntk, mse', act: { name: 'relu' }, o: {}, loss: 'mse' },
    { name: 'erf, standard, cross-entropy', act: { name: 'erf', a: 1, b: 1, c: 0 }, o: { parameterization: 'standard' }, loss: 'cross-entropy' },
    { name: 'gelu, ntk, no bias, cross-entropy', act: { name: 'gelu' }, o: { bStd: null }, loss: 'cross-entropy' },
    { name: 'sin, standard, depth 3, mse', act: { name: 'sin' }, o: { depth: 3, parameterization: 'standard' }, loss: 'mse' },
  ]
  for (const c of cases) {
    it(`matches central finite differences of a float64 loss: ${c.name}`, () => {
      const net = initMlp(arch(c.act, c.o), d, K, 5)
      const y64 = c.loss === 'mse' ? testInputs(N, K, 8) : oneHot([0, 2, 1, 1, 0], K)
      const x = tf.tensor2d(Float32Array.from(xs), [N, d])
      const y = tf.tensor2d(Float32Array.from(y64), [N, K])
      const cache = forwardWithCache(net, x)
      const { value, grad } = lossAndGrad(c.loss, cache.out, y)
      const g = backward(net, cache, grad)
      const got: number[] = []
      net.layers.forEach((_, l) => {
        got.push(...g.w[l]!.dataSync())
        if (g.b[l]) got.push(...g.b[l]!.dataSync())
      })
      const layers = toF64(net)
      const phi = phi64(c.act)
      const L = (): number => loss64(c.loss, forward64(layers, phi, xs, N), y64, N, K)
      expect(value.dataSync()[0]!).toBeCloseTo(L(), 5)
      const eps = 1e-5
      const want = paramSlots(layers).map(({ arr, i }) => {
        const v = arr[i]!
        arr[i] = v + eps
        const lp = L()
        arr[i] = v - eps
        const lm = L()
        arr[i] = v
        return (lp - lm) / (2 * eps)
      })
      expect(got.length).toBe(want.length)
      const scale = Math.max(...want.map(Math.abs))
      const err = Math.max(...want.map((w, i) => Math.abs(w - got[i]!)))
      expect(err / scale).toBeLessThan(1e-4)
      tf.dispose([value, grad, x, y])
      disposeGrads(g)
      disposeCache(cache)
      disposeMlp(net)
    })
  }
})

describe('trainMlp', () => {
  const N = 24
  const d = 4
  const xs = Float32Array.from(testInputs(N, d, 17))
  // a smooth target: y = sin(x·u)
  const ys = Float32Array.from({ length: N }, (_, i) => Math.sin(1.5 * xs[i * d]! - xs[i * d + 1]! + 0.5 * xs[i * d + 2]!))

  it('full-batch GD on MSE decreases the loss monotonically at a small rate', async () => {
    const x = tf.tensor2d(xs, [N, d])
    const y = tf.tensor2d(ys, [N, 1])
    const r = await trainMlp({ arch: arch({ name: 'relu' }, { width: 64 }), xTrain: x, yTrain: y, learningRate: 0.5, steps: 200, seed: 1, evalEvery: 10 })
    const losses = r.curves.train_loss!.map((p) => p.value)
    expect(r.curves.train_loss!.at(-1)!.step).toBe(200)
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThanOrEqual(losses[i - 1]! * (1 + 1e-6))
    expect(losses.at(-1)!).toBeLessThan(0.3 * losses[0]!)
    disposeMlp(r.net)
    tf.dispose([x, y])
  })

  it('holds the number of live tensors constant across steps (gd, sgd, adam, with kernel drift)', async () => {
    const x = tf.tensor2d(xs, [N, d])
    const y = tf.tensor2d(ys, [N, 1])
    for (const optimizer of ['gd', 'sgd', 'adam'] as const) {
      const counts: number[] = []
      const before = tf.memory().numTensors
      const r = await trainMlp({
        arch: arch({ name: 'erf', a: 1, b: 1, c: 0 }),
        xTrain: x,
        yTrain: y,
        xTest: x,
        yTest: y,
        optimizer,
        batchSize: 8,
        learningRate: 0.05,
        steps: 30,
        seed: 2,
        evalEvery: 3,
        kernelEvery: 5,
        kernel: empiricalNtk,
        recordOutputsAt: [0, 10],
        onStep: () => {
          counts.push(tf.memory().numTensors)
        },
      })
      expect(new Set(counts.slice(1)).size).toBe(1)
      expect(r.curves.kernel_drift!.length).toBeGreaterThan(3)
      expect(r.outputs.map((o) => o.step)).toEqual([0, 10])
      disposeMlp(r.net)
      expect(tf.memory().numTensors).toBe(before)
    }
    tf.dispose([x, y])
  })

  it('is reproducible from the seed, and SGD with a full batch is GD', async () => {
    const x = tf.tensor2d(xs, [N, d])
    const y = tf.tensor2d(ys, [N, 1])
    const run = async (seed: number, optimizer: 'gd' | 'sgd', batchSize?: number): Promise<number[]> => {
      const r = await trainMlp({ arch: arch({ name: 'relu' }), xTrain: x, yTrain: y, optimizer, batchSize, learningRate: 0.3, steps: 20, seed, evalEvery: 1 })
      disposeMlp(r.net)
      return r.curves.train_loss!.map((p) => p.value)
    }
    expect(await run(3, 'sgd', 8)).toEqual(await run(3, 'sgd', 8))
    expect(await run(3, 'sgd', 8)).not.toEqual(await run(4, 'sgd', 8))
    expect(await run(3, 'sgd', N)).toEqual(await run(3, 'gd'))
    tf.dispose([x, y])
  })

  it('Adam’s first step moves every parameter by η·g/(|g| + ε)', async () => {
    const x = tf.tensor2d(xs, [N, d])
    const y = tf.tensor2d(ys, [N, 1])
    const a = arch({ name: 'relu' })
    const net0 = initMlp(a, d, 1, 6)
    const cache = forwardWithCache(net0, x)
    const { value, grad } = lossAndGrad('mse', cache.out, y)
    const g = backward(net0, cache, grad)
    const r = await trainMlp({ arch: a, xTrain: x, yTrain: y, optimizer: 'adam', learningRate: 0.01, steps: 1, seed: 6 })
    net0.layers.forEach((l, i) => {
      const p0 = l.w.dataSync()
      const p1 = r.net.layers[i]!.w.dataSync()
      const gw = g.w[i]!.dataSync()
      for (let j = 0; j < p0.length; j++) expect(p1[j]!).toBeCloseTo(p0[j]! - (0.01 * gw[j]!) / (Math.abs(gw[j]!) + 1e-8), 6)
    })
    tf.dispose([value, grad, x, y])
    disposeGrads(g)
    disposeCache(cache)
    disposeMlp(net0)
    disposeMlp(r.net)
  })

  it('learns a separable 3-class problem with cross-entropy (accuracy reported)', async () => {
    const n = 60
    const xv = new Float32Array(n * 2)
    const labels: number[] = []
    for (let i = 0; i < n; i++) {
      const c = i % 3
      const ang = (2 * Math.PI * c) / 3 + 0.3 * Math.sin(i * 12.9898)
      xv[2 * i] = 2 * Math.cos(ang)
      xv[2 * i + 1] = 2 * Math.sin(ang)
      labels.push(c)
    }
    const x = tf.tensor2d(xv, [n, 2])
    const y = tf.tensor2d(Float32Array.from(oneHot(labels, 3)), [n, 3])
    const r = await trainMlp({
      arch: arch({ name: 'relu' }, { width: 32 }),
      xTrain: x,
      yTrain: y,
      loss: 'cross-entropy',
      optimizer: 'adam',
      learningRate: 0.02,
      steps: 150,
      seed: 0,
      classification: true,
    })
    expect(r.curves.accuracy![0]!.value).toBeLessThan(0.9)
    expect(r.final.accuracy).toBe(1)
    expect(r.final.trainLoss).toBeLessThan(0.2)
    disposeMlp(r.net)
    tf.dispose([x, y])
  })

  it('kernel drift falls with width', async () => {
    const x = tf.tensor2d(xs, [N, d])
    const y = tf.tensor2d(ys, [N, 1])
    const drift = async (width: number): Promise<number> => {
      let total = 0
      for (const seed of [1, 2]) {
        const r = await trainMlp({ arch: arch({ name: 'erf', a: 1, b: 1, c: 0 }, { width }), xTrain: x, yTrain: y, learningRate: 1, steps: 50, seed, kernelEvery: 50, kernel: empiricalNtk })
        total += r.curves.kernel_drift!.at(-1)!.value
        disposeMlp(r.net)
      }
      return total / 2
    }
    const d16 = await drift(16)
    const d1024 = await drift(1024)
    console.log(`kernel drift after 50 GD steps: width 16 ${d16.toExponential(3)}, width 1024 ${d1024.toExponential(3)}`)
    expect(d1024).toBeGreaterThan(0)
    expect(d1024).toBeLessThan(d16 / 3)
    tf.dispose([x, y])
  })

  it('raises a UserError instead of returning NaN when training diverges', async () => {
    const x = tf.tensor2d(xs, [N, d])
    const y = tf.tensor2d(ys, [N, 1])
    const before = tf.memory().numTensors
    await expect(trainMlp({ arch: arch({ name: 'relu' }), xTrain: x, yTrain: y, learningRate: 1e6, steps: 100, seed: 1 })).rejects.toThrow(/diverged/)
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose([x, y])
  })
})
