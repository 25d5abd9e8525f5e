import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { NetArch, planKernel } from '../../../shared/arch'
import { Xoshiro128 } from '../../../electron/engine/core/random'
import { ensureGradients } from '../../../electron/engine/core/tf-gradients'
import { checkTensorPlan, tensorKernel } from '../../../electron/engine/layers/plan-tensor'
import { SpatialTiler } from '../../../electron/engine/ntk/spatial'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { centralDifferences } from '../../helpers/finite-diff'

// The layer modules' tensor rules (differentiable, all pairs at once) against their float64 per-pair rules
// (themselves checked against neural-tangents' fixtures), and tfjs's gradient of the kernel in the points
// against central finite differences of the float64 kernel.
beforeAll(async () => {
  await initBackend()
  ensureGradients()
})

const net = NetArch.parse({
  input: [5, 5, 1],
  layers: [
    { type: 'conv2d', filters: 1, kernel: 3, padding: 'same', activation: 'relu' },
    { type: 'conv2d', filters: 1, kernel: 2, padding: 'valid', activation: 'erf', bStd: 0.3 },
    { type: 'flatten' },
    { type: 'dense', units: 1, activation: 'relu' },
  ],
})
const plan = planKernel(net, { wStd: 1.4, bStd: 0.1 })
const d = 25
const f64 = (xa: Float32Array, xb: Float32Array, kind: 'ntk' | 'nngp'): Float32Array => {
  const na = xa.length / d
  const nb = xb.length / d
  return new SpatialTiler(plan, xa, xb, d, [kind]).tile({ row0: 0, rows: na, col0: 0, cols: nb }, false)[kind]!
}

describe('tensor kernel rules (differentiable) = float64 pair rules', () => {
  for (const kind of ['ntk', 'nngp'] as const) {
    it(`${kind}: K(xa, xb) and the self-kernel with its pinned diagonal`, () => {
      const xa = new Xoshiro128(1).normals(4 * d)
      const xb = new Xoshiro128(2).normals(3 * d)
      const got = tf.tidy(() => tensorKernel(plan, tf.tensor2d(xa, [4, d]), tf.tensor2d(xb, [3, d]), kind, null).dataSync())
      const want = f64(xa, xb, kind)
      for (let i = 0; i < 12; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(2e-5 * Math.abs(want[0]!) + 1e-6)
      const self = tf.tidy(() => {
        const x = tf.tensor2d(xa, [4, d])
        return tensorKernel(plan, x, x, kind, tf.eye(4) as tf.Tensor2D).dataSync()
      })
      const wantSelf = f64(xa, xa, kind)
      for (let i = 0; i < 16; i++) expect(Math.abs(self[i]! - wantSelf[i]!)).toBeLessThan(2e-5 * Math.abs(wantSelf[0]!))
    })
  }

  it('gradient of Σ G ⊙ K(X, X) in X equals central differences of the float64 kernel', () => {
    const n = 3
    const x = new Xoshiro128(7).normals(n * d)
    const g = new Xoshiro128(8).normals(n * n)
    const before = tf.memory().numTensors
    const grad = tf.tidy(() => {
      const G = tf.tensor2d(g, [n, n])
      const f = (xt: tf.Tensor): tf.Scalar => tf.sum(tf.mul(G, tensorKernel(plan, xt as tf.Tensor2D, xt as tf.Tensor2D, 'ntk', tf.eye(n) as tf.Tensor2D)))
      return tf.grad(f)(tf.tensor2d(x, [n, d])).dataSync()
    })
    expect(tf.memory().numTensors).toBe(before)
    const loss = (xv: Float32Array): number => {
      const k = f64(xv, xv, 'ntk')
      let s = 0
      for (let i = 0; i < n * n; i++) s += g[i]! * k[i]!
      return s
    }
    const fd = centralDifferences(loss, Float32Array.from(x), 1e-2)
    let worst = 0
    let scale = 0
    for (let p = 0; p < n * d; p++) {
      worst = Math.max(worst, Math.abs(fd[p]! - grad[p]!))
      scale = Math.max(scale, Math.abs(fd[p]!))
    }
    expect(worst).toBeLessThan(2e-3 * scale)
  })

  it('refuses pooling and activations without a gradient-safe dual map, naming the layer', () => {
    const gap = planKernel(NetArch.parse({ input: [4, 4, 1], layers: [{ type: 'conv2d', filters: 1, padding: 'same' }, { type: 'globalavgpool' }] }), { wStd: 1, bStd: null })
    expect(() => checkTensorPlan(gap)).toThrow(/layer 2 \(globalavgpool\)/)
    const gelu = planKernel(NetArch.parse({ input: [4, 4, 1], layers: [{ type: 'conv2d', filters: 1, padding: 'same', activation: 'gelu' }, { type: 'flatten' }] }), { wStd: 1, bStd: null })
    expect(() => checkTensorPlan(gelu)).toThrow(/layer 1 \(activation\).*gelu/)
  })
})
