import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { NetArch, planKernel } from '../../../shared/arch'
import { Xoshiro128 } from '../../../electron/engine/core/random'
import { avgpool2dForward } from '../../../electron/engine/layers/avgpool2d'
import { conv2dForward, conv2dParamShapes } from '../../../electron/engine/layers/conv2d'
import { denseForward } from '../../../electron/engine/layers/dense'
import { flattenForward } from '../../../electron/engine/layers/flatten'
import { globalAvgPoolForward } from '../../../electron/engine/layers/globalavgpool'
import { SpatialTiler } from '../../../electron/engine/ntk/spatial'
import { initBackend } from '../../../electron/engine/runtime/backend'

// The finite forwards beside the kernel rules: for a network without nonlinearities the output covariance
// over random weights equals the analytic NNGP at any width, so a Monte-Carlo average over seeded networks
// checks the forwards' NTK-parameterization scaling (σ_w/√fan-in, σ_b) against the rules in the same modules.
beforeAll(async () => {
  await initBackend()
})

describe('finite forwards match the kernel rules (linear networks, Monte Carlo)', () => {
  for (const head of ['avgpool+flatten', 'globalavgpool'] as const) {
    it(`conv (same) → conv (valid) → ${head} → dense: E[f(x) f(x′)] = NNGP`, () => {
      const conv1 = { size: [3, 3] as [number, number], padding: 'same' as const, wStd: 1.3, bStd: 0.4 }
      const conv2 = { size: [2, 2] as [number, number], padding: 'valid' as const, wStd: 0.9, bStd: null }
      const dense = { wStd: 1.1, bStd: 0.2 }
      const layers = [
        { type: 'conv2d', filters: 8, kernel: 3, padding: 'same', wStd: 1.3, bStd: 0.4 },
        { type: 'conv2d', filters: 8, kernel: 2, padding: 'valid', wStd: 0.9, bias: false },
        ...(head === 'globalavgpool' ? [{ type: 'globalavgpool' }] : [{ type: 'avgpool2d', pool: 2 }, { type: 'flatten' }]),
        { type: 'readout', wStd: 1.1, bStd: 0.2 },
      ]
      const plan = planKernel(NetArch.parse({ input: [7, 7, 2], layers }), { wStd: 1, bStd: null })
      const rng = new Xoshiro128(19)
      const n = 3
      const x = rng.normals(n * 98)
      const want = new SpatialTiler(plan, x, x, 98, ['nngp']).tile({ row0: 0, rows: n, col0: 0, cols: n }, false).nngp!
      const samples = head === 'globalavgpool' ? 1500 : 600 // seeded; GAP's output mixes fewer independent terms
      const acc = new Float64Array(n * n)
      const xs = tf.tensor4d(x, [n, 7, 7, 2])
      for (let s = 0; s < samples; s++) {
        const f = tf.tidy(() => {
          const p1 = conv2dParamShapes(conv1, 2, 8)
          let h: tf.Tensor = conv2dForward(conv1, { w: tf.tensor(rng.normals(3 * 3 * 2 * 8), p1.w), b: tf.tensor(rng.normals(8)) }, xs)
          h = conv2dForward(conv2, { w: tf.tensor(rng.normals(2 * 2 * 8 * 8), [2, 2, 8, 8]) }, h as tf.Tensor4D)
          h = head === 'globalavgpool' ? globalAvgPoolForward(h as tf.Tensor4D) : flattenForward(avgpool2dForward([2, 2], h as tf.Tensor4D))
          const d = h.shape[1]!
          return denseForward(dense, { w: tf.tensor(rng.normals(d * 16), [d, 16]), b: tf.tensor(rng.normals(16)) }, h as tf.Tensor2D).dataSync()
        })
        // 16 readout units: independent draws of the same output covariance
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let u = 0; u < 16; u++) acc[i * n + j] = acc[i * n + j]! + (f[i * 16 + u]! * f[j * 16 + u]!) / (16 * samples)
      }
      xs.dispose()
      for (let k = 0; k < n * n; k++) expect(Math.abs(acc[k]! - want[k]!)).toBeLessThan(0.035 * Math.abs(want[(Math.floor(k / n)) * (n + 1)]!))
    })
  }
})
