import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { NetArch, planKernel } from '../../../shared/arch'
import { Xoshiro128 } from '../../../electron/engine/core/random'
import { runKip } from '../../../electron/engine/kip/distill'
import { krrLossGrad } from '../../../electron/engine/kip/krr-adjoint'
import { kipValueAndGrad, rowVariances } from '../../../electron/engine/kip/objective'
import { SpatialTiler } from '../../../electron/engine/ntk/spatial'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { mnistSplit } from './mnist-fixture'
import { centralDifferences } from '../../helpers/finite-diff'

// KIP with a convolutional kernel (CNTK, flatten readout) whose values and gradients come from the layer
// modules: ∂L/∂X_s against central differences of the loss computed with the float64 pair rules, and on MNIST
// the distilled images beat the real images they start from.
beforeAll(async () => {
  await initBackend()
})

const smallPlan = planKernel(
  NetArch.parse({
    input: [5, 5, 1],
    layers: [
      { type: 'conv2d', filters: 1, kernel: 3, padding: 'same', activation: 'relu' },
      { type: 'conv2d', filters: 1, kernel: 2, padding: 'valid', activation: 'erf' },
      { type: 'flatten' },
    ],
  }),
  { wStd: 1.4, bStd: 0.1 },
)

describe('KIP with a convolutional kernel', () => {
  it('∂L/∂X_s equals central differences of the float64 KIP loss', () => {
    const d = 25
    const nt = 6
    const ns = 3
    const c = 3
    const rng = new Xoshiro128(4)
    const xt = rng.normals(nt * d)
    const xs = rng.normals(ns * d)
    const yt = Float64Array.from({ length: nt * c }, (_, i) => (i % c === Math.floor(i / c) % c ? 2 / 3 : -1 / 3))
    const ys = Float64Array.from({ length: ns * c }, (_, i) => (i % c === Math.floor(i / c) ? 2 / 3 : -1 / 3))
    const cfg = { arch: { plan: smallPlan }, kernel: 'ntk' as const, diagReg: 1e-3 }
    const x = tf.tensor2d(xt, [nt, d])
    const q = rowVariances(x)
    const before = tf.memory().numTensors
    const out = kipValueAndGrad({ x, q, y: yt }, xs, ys, c, cfg)
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose([x, q])
    const loss64 = (s: Float32Array): number => {
      const rows = new Float32Array((nt + ns) * d)
      rows.set(xt)
      rows.set(s, nt * d)
      const k = new SpatialTiler(smallPlan, rows, s, d, ['ntk']).tile({ row0: 0, rows: nt + ns, col0: 0, cols: ns }, false).ntk!
      return krrLossGrad(k.subarray(0, nt * ns), k.subarray(nt * ns), ys, yt, nt, ns, c, cfg.diagReg).loss
    }
    expect(out.loss).toBeCloseTo(loss64(xs), 6)
    const fd = centralDifferences(loss64, Float32Array.from(xs), 1e-2)
    let num = 0
    let den = 0
    for (let p = 0; p < ns * d; p++) {
      num += (fd[p]! - out.gX[p]!) ** 2
      den += fd[p]! ** 2
    }
    expect(Math.sqrt(num / den)).toBeLessThan(5e-3)
  })

  // ~33 s per step on 2 shared cores with the wasm backend (11 min for 20 steps): too slow for `npm test`;
  // NTKW_SLOW_TESTS=1 runs it (measured: test accuracy 0.814 → 0.862 after 20 steps).
  it.runIf(process.env.NTKW_SLOW_TESTS === '1')('on MNIST (14×14, 10 per class) the distilled images beat the real images they start from', async () => {
    const m = await mnistSplit(1000, 500)
    // 2×2 pixel means: 14×14 digits keep the tfjs pair batch of a step small (B·P floats per tensor)
    const half = (x: Float32Array, n: number): Float32Array => {
      const out = new Float32Array(n * 196)
      for (let i = 0; i < n; i++)
        for (let y = 0; y < 14; y++)
          for (let xx = 0; xx < 14; xx++) {
            const o = i * 784 + 2 * y * 28 + 2 * xx
            out[i * 196 + y * 14 + xx] = (x[o]! + x[o + 1]! + x[o + 28]! + x[o + 29]!) / 4
          }
      return out
    }
    const conv = { type: 'conv2d', filters: 1, kernel: 3, padding: 'same', activation: 'relu' } as const
    const plan = planKernel(NetArch.parse({ input: [14, 14, 1], layers: [conv, conv, { type: 'flatten' }] }), { wStd: Math.SQRT2, bStd: 0.1 })
    const r = await runKip({
      x: { data: half(m.x, 1000), rows: 1000, cols: 196 },
      labels: m.y,
      test: { x: { data: half(m.xt, 500), rows: 500, cols: 196 }, labels: m.yt },
      perClass: 10,
      kernel: 'ntk',
      arch: { plan },
      diagReg: 1e-6,
      steps: 20,
      learningRate: 0.01,
      batch: 100,
      learnLabels: false,
      init: 'real',
      seed: 0,
      evalEvery: 20,
    })
    console.log(`KIP CNTK MNIST 14×14, 10/class: test accuracy ${r.initialAccuracy} → ${r.final.testAccuracy} after ${r.stepsDone} steps, ${r.secondsPerStep.toFixed(2)} s/step`)
    expect(r.initialAccuracy).not.toBeNull()
    expect(r.final.testAccuracy!).toBeGreaterThan(r.initialAccuracy! + 0.02)
  }, 1_200_000)
})
