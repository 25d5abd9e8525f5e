import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { eigh } from '../../../electron/engine/linalg/eigh'
import { computeAnalyticKernels } from '../../../electron/engine/ntk/analytic'
import { gradientFlowPredictions } from '../../../electron/engine/ntk/dynamics'
import { disposeMlp, type FiniteFcArch } from '../../../electron/engine/nn/mlp'
import { trainMlp } from '../../../electron/engine/nn/train'
import { testInputs } from './f64-mlp'

beforeAll(async () => {
  await initBackend()
})

// Wide networks trained by full-batch GD follow the NTK's linear dynamics (docs/math.md §3): with the network's
// own f₀, f_t(x*) = f₀(x*) + Θ(x*, X) V diag((1 − e^{−ηλt/(NK)})/λ) Vᵀ (y − f₀(X)). GD with rate η for t
// steps is the Euler discretisation of that flow at time t. The gap, relative to how far the outputs
// moved, must shrink with width.
describe('finite-width training tracks the analytic NTK dynamics', () => {
  it('relative gap to theory on test points is small at width 1024 and smaller than at width 64', async () => {
    const N = 16
    const M = 8
    const d = 4
    const xs = Float32Array.from(testInputs(N, d, 51, 1.2))
    const xts = Float32Array.from(testInputs(M, d, 52, 1.2))
    const ys = Float32Array.from({ length: N }, (_, i) => Math.sin(2 * xs[i * d]!) + 0.5 * xs[i * d + 1]!)
    const archInf = { depth: 2, activation: { name: 'erf' as const, a: 1, b: 1, c: 0 }, wStd: 1.5, bStd: 0.1, parameterization: 'ntk' as const, width: 'inf' as const }
    const kTrain = await computeAnalyticKernels({ data: xs, rows: N, cols: d }, null, archInf, { kernels: ['ntk'], workers: 1 })
    const kCross = await computeAnalyticKernels({ data: xts, rows: M, cols: d }, { data: xs, rows: N, cols: d }, archInf, { kernels: ['ntk'], workers: 1 })
    const eig = await eigh(kTrain.ntk!, N)
    const lr = 1
    const times = [50, 200]
    const x = tf.tensor2d(xs, [N, d])
    const y = tf.tensor2d(ys, [N, 1])
    const xt = tf.tensor2d(xts, [M, d])

    const gap = async (width: number, seed: number): Promise<number> => {
      const arch: FiniteFcArch = { ...archInf, width }
      const r = await trainMlp({ arch, xTrain: x, yTrain: y, xTest: xt, learningRate: lr, steps: times.at(-1)!, seed, recordOutputsAt: [0, ...times] })
      disposeMlp(r.net)
      const at = (s: number) => r.outputs.find((o) => o.step === s)!
      const theory = gradientFlowPredictions({
        eig,
        y: Float64Array.from(ys),
        k: 1,
        kCross: kCross.ntk!,
        m: M,
        times,
        learningRate: lr,
        f0Train: Float64Array.from(at(0).train),
        f0Test: Float64Array.from(at(0).test!),
      })
      let num = 0
      let den = 0
      times.forEach((t, ti) => {
        const f = at(t).test!
        const f0 = at(0).test!
        for (let i = 0; i < M; i++) {
          num += (f[i]! - theory.test[ti * M + i]!) ** 2
          den += (f[i]! - f0[i]!) ** 2
        }
      })
      return Math.sqrt(num / den)
    }
    const wide = ((await gap(1024, 1)) + (await gap(1024, 2))) / 2
    const narrow = ((await gap(64, 1)) + (await gap(64, 2))) / 2
    console.log(`relative gap to NTK theory: width 64 ${narrow.toFixed(4)}, width 1024 ${wide.toFixed(4)}`)
    expect(wide).toBeLessThan(0.1)
    expect(wide).toBeLessThan(narrow / 2)
    tf.dispose([x, y, xt])
  })
})
