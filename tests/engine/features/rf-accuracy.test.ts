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
