import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { NetArch, planKernel } from '../../../shared/arch'
import { Xoshiro128 } from '../../../electron/engine/core/random'
import { trainNetGd } from '../../../electron/engine/lab/train-net-gd'

// Gradient descent on a finite CNN (training vs theory): the loss it descends is ‖f − Y‖²/(2NK), so one
// small step lowers it by ≈ η‖∇L‖² (first order); the loop releases every tensor it makes.
beforeAll(async () => {
  await initBackend()
})

describe('trainNetGd', () => {
  const plan = planKernel(NetArch.parse({ input: [4, 4, 1], layers: [{ type: 'conv2d', filters: 6, kernel: 3, padding: 'same', activation: 'relu' }, { type: 'flatten' }] }), { wStd: 1.4, bStd: 0.1 })
  const rng = new Xoshiro128(5)
  const n = 6
  const xs = Float32Array.from(rng.normals(n * 16))
  const ys = Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 === Math.floor(i / 2) % 2 ? 1 : 0))
  const loss = (f: Float32Array): number => {
    const yd = ys
    let s = 0
    for (let i = 0; i < f.length; i++) s += (f[i]! - yd[i]!) ** 2
    return s / (2 * n * 2)
  }

  it('lowers the objective step by step, same seed same outputs, and leaks no tensors', async () => {
    const x = tf.tensor2d(xs, [n, 16])
    const y = tf.tensor2d(ys, [n, 2])
    const run = () => trainNetGd({ plan, seed: 3, xTrain: x, yTrain: y, xTest: x, learningRate: 0.5, steps: 5, recordAt: [0, 1, 2, 3, 4, 5], driftEvery: 2, driftPoints: 3 })
    const first = await run()
    const before = tf.memory().numTensors
    const again = await run()
    expect(tf.memory().numTensors).toBe(before)
    const losses = first.outputs.map((o) => loss(o.train))
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThan(losses[i - 1]!)
    expect(again.outputs.map((o) => Array.from(o.train))).toEqual(first.outputs.map((o) => Array.from(o.train)))
    expect(first.drift.map((d) => d.step)).toEqual([2, 4, 5])
    expect(first.drift.every((d) => d.value > 0 && Number.isFinite(d.value))).toBe(true)
    x.dispose()
    y.dispose()
  })
})
