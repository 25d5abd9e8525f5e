import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { runKip, type KipOptions } from '../../../electron/engine/kip/distill'
import { UserError } from '../../../shared/errors'
import { FcArch } from '../../../shared/arch'
import { gaussianRows } from '../ntk/analytic-brute-force'
import { mnistSplit } from './mnist-fixture'

beforeAll(async () => {
  await initBackend()
})

const arch = FcArch.parse({ depth: 2, activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.1 })

/** Three Gaussian blobs in 12 dimensions, 20 points each. */
function blobs(perClass = 20, d = 12) {
  const noise = gaussianRows(perClass * 3, d, 4, 0.8)
  const centres = gaussianRows(3, d, 9, 1.5)
  const x = new Float32Array(perClass * 3 * d)
  const labels = new Float64Array(perClass * 3)
  for (let i = 0; i < perClass * 3; i++) {
    const c = i % 3
    labels[i] = c
    for (let k = 0; k < d; k++) x[i * d + k] = centres[c]![k]! + noise[i]![k]!
  }
  return { x: { data: x, rows: perClass * 3, cols: d }, labels }
}

function opts(over: Partial<KipOptions> = {}): KipOptions {
  const b = blobs()
  return { x: b.x, labels: b.labels, perClass: 2, kernel: 'ntk', arch, diagReg: 1e-6, steps: 25, learningRate: 0.05, batch: 60, learnLabels: false, init: 'real', seed: 3, evalEvery: 10, ...over }
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(UserError)
    return (e as UserError).code
  }
  throw new Error('expected a UserError')
}

describe('KIP loop', () => {
  it('the loss falls on a fixed target batch (batch = the whole set), for X_s and with learned labels', async () => {
    for (const learnLabels of [false, true]) {
      const r = await runKip(opts({ learnLabels }))
      expect(r.losses).toHaveLength(25)
      expect(r.losses.at(-1)!).toBeLessThan(0.5 * r.losses[0]!)
    }
  })

  it('is reproducible with the same seed and differs with another', async () => {
    const a = await runKip(opts({ steps: 5 }))
    const b = await runKip(opts({ steps: 5 }))
    const c = await runKip(opts({ steps: 5, seed: 4 }))
    expect(Array.from(a.final.x)).toEqual(Array.from(b.final.x))
    expect(Array.from(a.final.x)).not.toEqual(Array.from(c.final.x))
  })

  it('learned labels change only with --learn-labels; support rows are class-major', async () => {
    const fixed = await runKip(opts({ steps: 5 }))
    const learned = await runKip(opts({ steps: 5, learnLabels: true }))
    expect(fixed.final.y[0]).toBeCloseTo(2 / 3, 6)
    expect(Math.abs(learned.final.y[0]! - 2 / 3)).toBeGreaterThan(1e-4)
    expect(Array.from(fixed.supportClasses)).toEqual([0, 0, 1, 1, 2, 2])
  })

  it('stops when asked and returns the support set so far; no tensors leak', async () => {
    const before = tf.memory().numTensors
    let n = 0
    const r = await runKip(opts({ steps: 100, onStep: () => void n++, stopRequested: () => n >= 3 }))
    expect(r.stopped).toBe(true)
    expect(r.stepsDone).toBe(3)
    expect(tf.memory().numTensors).toBe(before)
  })

  it('bad input gives clear errors', async () => {
    expect(await codeOf(runKip(opts({ perClass: 21 })))).toBe('per_class_too_large')
    expect(await codeOf(runKip(opts({ perClass: 21, init: 'noise' })))).toBe('per_class_too_large')
    const b = blobs()
    const gap = Float64Array.from(b.labels, (v) => (v === 1 ? 2 : v === 2 ? 3 : 0))
    expect(await codeOf(runKip(opts({ labels: gap })))).toBe('empty_class')
    const nan = Float32Array.from(b.x.data)
    nan[17] = Number.NaN
    expect(await codeOf(runKip(opts({ x: { ...b.x, data: nan } })))).toBe('non_finite')
    // every class-0 row identical: a real initialisation picks duplicate support points
    const dup = Float32Array.from(b.x.data)
    for (let i = 3; i < 60; i += 3) dup.copyWithin(i * 12, 0, 12)
    expect(await codeOf(runKip(opts({ x: { ...b.x, data: dup } })))).toBe('singular_support')
    expect(await codeOf(runKip(opts({ labels: b.labels.subarray(0, 59) })))).toBe('shape_mismatch')
    expect(await codeOf(runKip(opts({ arch: FcArch.parse({ depth: 1, activation: { name: 'gelu' } }) })))).toBe('kip_activation')
  })

  it('raises the kernel-regression test accuracy of 2 MNIST digits per class', async () => {
    const m = await mnistSplit(1000, 500)
    const r = await runKip({
      x: { data: m.x, rows: 1000, cols: m.d },
      labels: m.y,
      test: { x: { data: m.xt, rows: 500, cols: m.d }, labels: m.yt },
      perClass: 2,
      kernel: 'ntk',
      arch: FcArch.parse({ depth: 3, activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.1 }),
      diagReg: 1e-6,
      steps: 40,
      learningRate: 0.01,
      batch: 200,
      learnLabels: false,
      init: 'real',
      seed: 0,
      evalEvery: 40,
    })
    expect(r.initialAccuracy).not.toBeNull()
    expect(r.final.testAccuracy!).toBeGreaterThan(r.initialAccuracy! + 0.03)
  }, 120_000)
})
