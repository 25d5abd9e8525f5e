import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { randomFeatureMap } from '../../../electron/engine/features/random-features'
import { featureRidge } from '../../../electron/engine/features/ridge'
import { predictInfiniteWidth } from '../../../electron/engine/ntk/predict'
import { FcArch } from '../../../shared/arch'
import { mnistRegression } from './helpers'

beforeAll(async () => {
  await initBackend()
})

// Issue 22 item 3: random-feature regression lost accuracy that its kernel error did not explain. Measured
// (docs/performance.md, "Random features: where the accuracy goes"): neither the float32 ΦΦᵀ nor the solve
// nor the ridge convention was the cause; the regression's accuracy follows the number of output features,
// and the half/half split of m between hidden features and sketches spent them where the regression does
// not see them. On wasm the half/half map scored 0.766 / 0.784 / 0.764 here (mean 0.771), the current one
// 0.794 / 0.784 / 0.804 (mean 0.794), the exact kernel 0.928: the bound sits halfway.
describe('random-feature regression on MNIST (1 000 / 500, depth 3, m = 2 048 = 2n)', () => {
  it('spends the features where the regression sees them: mean accuracy over 3 seeds well above the half/half map', async () => {
    const n = 1000
    const nt = 500
    const { d, xTrain, xTest, yTrain, accuracy } = await mnistRegression(n, nt)
    const arch = FcArch.parse({ depth: 3, activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.1 })
    const exact = await predictInfiniteWidth({ xTrain, yTrain, xTest, arch, kernel: 'ntk', learningRate: 1, diagReg: 1e-4, variance: false, workers: 1 })
    const exactAcc = accuracy(exact.test)
    const before = tf.memory().numTensors
    const accs: number[] = []
    for (const seed of [0, 1, 2]) {
      const map = randomFeatureMap({ arch, kind: 'ntk', inDim: d, features: 2 * n, seed })
      try {
        const r = await featureRidge({ map, xTrain, yTrain, xTest, diagReg: 1e-4, learningRate: 1, variance: false })
        accs.push(accuracy(r.test))
      } finally {
        map.dispose()
      }
    }
    expect(tf.memory().numTensors).toBe(before)
    const mean = accs.reduce((a, b) => a + b, 0) / accs.length
    expect(exactAcc).toBeGreaterThan(0.9)
    expect(mean, `rf accuracies ${accs.join(', ')}`).toBeGreaterThan(0.783)
    expect(mean).toBeLessThanOrEqual(exactAcc + 0.01)
  }, 240_000)
})

/** 2×2 average pooling of 28×28 digits (row-major) → 14×14 = 196 features */
function pool2(x: Float32Array | Float64Array, rows: number): Float32Array {
  const out = new Float32Array(rows * 196)
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < 14; i++) {
      for (let j = 0; j < 14; j++) {
        const p = r * 784 + 2 * i * 28 + 2 * j
        out[r * 196 + i * 14 + j] = (x[p]! + x[p + 1]! + x[p + 28]! + x[p + 29]!) / 4
      }
    }
  }
  return out
}

// The linear split (linear-split-features.ts: ReLU = (u + |u|)/2 with the u part exact) against the plain map
// at the same m and seeds. It applies when d ≤ m/8, so the digits are pooled to 14×14 (d = 196) for m = 2 048;
// its gain shows from m ≈ 4n (at m = 2n, n = 1 000 it scored 0.860 / 0.864 / 0.844 against 0.868 / 0.872 / 0.838).
// On wasm here: exact 0.904, linear split 0.868 / 0.870 / 0.856 (mean 0.865), plain 0.860 / 0.852 / 0.838 (0.850).
describe('linear-split random features on MNIST (500 / 500 pooled to 14×14, depth 3, m = 2 048 = 4n)', () => {
  it('beat the plain construction at equal m and seeds and come closer to the exact kernel', async () => {
    const n = 500
    const nt = 500
    const full = await mnistRegression(n, nt)
    const xTrain = { data: pool2(full.xTrain.data, n), rows: n, cols: 196 }
    const xTest = { data: pool2(full.xTest.data, nt), rows: nt, cols: 196 }
    const { yTrain, accuracy } = full
    const arch = FcArch.parse({ depth: 3, activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.1 })
    const exact = accuracy((await predictInfiniteWidth({ xTrain, yTrain, xTest, arch, kernel: 'ntk', learningRate: 1, diagReg: 1e-4, variance: false, workers: 1 })).test)
    const acc = { auto: [] as number[], plain: [] as number[] }
    for (const construction of ['auto', 'plain'] as const) {
      for (const seed of [0, 1, 2]) {
        const map = randomFeatureMap({ arch, kind: 'ntk', inDim: 196, features: 2048, seed, construction })
        try {
          acc[construction].push(accuracy((await featureRidge({ map, xTrain, yTrain, xTest, diagReg: 1e-4, learningRate: 1, variance: false })).test))
        } finally {
          map.dispose()
        }
      }
    }
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length
    const msg = `exact ${exact}, linear split ${acc.auto.join(', ')}, plain ${acc.plain.join(', ')}`
    expect(exact, msg).toBeGreaterThan(0.88)
    expect(mean(acc.auto), msg).toBeGreaterThan(mean(acc.plain) + 0.005)
    expect(mean(acc.auto), msg).toBeLessThanOrEqual(exact + 0.01)
  }, 400_000)
})
