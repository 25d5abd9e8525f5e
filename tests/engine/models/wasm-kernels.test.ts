import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { ensureWasmTrainingKernels } from '../../../electron/engine/runtime/wasm-training-kernels'

// The wasm Conv2DBackpropFilter (through the 3-D kernel) and the explicit-transpose MatMul against the cpu
// backend's own kernels, and the filter gradient against a plain float64 loop written here.

function filterGrad(x: tf.Tensor4D, w: tf.Tensor4D, dy: tf.Tensor4D, stride: number, pad: 'same' | 'valid'): Float32Array {
  const g = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, stride, pad), dy)))
  const out = g(w)
  const v = out.dataSync() as Float32Array
  out.dispose()
  return v
}

function loopGrad(x: Float32Array, xs: number[], dy: Float32Array, dys: number[], fs: number[], stride: number, padTop: number, padLeft: number): Float64Array {
  const [n, h, w, c] = xs as [number, number, number, number]
  const [, oh, ow, co] = dys as [number, number, number, number]
  const [kh, kw] = fs as [number, number]
  const out = new Float64Array(kh * kw * c * co)
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let p = 0; p < kh; p++)
          for (let q = 0; q < kw; q++) {
            const r = i * stride + p - padTop
            const s = j * stride + q - padLeft
            if (r < 0 || r >= h || s < 0 || s >= w) continue
            for (let ci = 0; ci < c; ci++)
              for (let o = 0; o < co; o++) out[((p * kw + q) * c + ci) * co + o]! += x[((b * h + r) * w + s) * c + ci]! * dy[((b * oh + i) * ow + j) * co + o]!
          }
  return out
}

// These tests are about the wasm backend's kernels: they run on wasm or are skipped saying so (a silent
// fallback to cpu would compare cpu with itself and pass without testing anything).
let wasm = false
describe('wasm training kernels', () => {
  beforeAll(async () => {
    const info = await initBackend('wasm')
    wasm = info.active === 'wasm'
    if (!wasm) console.warn(`wasm-kernels.test: SKIPPED, the wasm backend did not load (active: ${info.active})`)
    else ensureWasmTrainingKernels()
  })
  beforeEach(async (ctx) => {
    if (!wasm) ctx.skip()
    // where tfjs-node installs it registers with a higher priority and may become the global backend again:
    // these tests ask for wasm by name each time, and are skipped saying so when they cannot have it
    if (tf.getBackend() !== 'wasm' && !(await tf.setBackend('wasm').catch(() => false))) {
      console.warn(`wasm-kernels.test: SKIPPED, the wasm backend could not be made active (active: ${tf.getBackend()})`)
      ctx.skip()
    }
  })

  for (const [stride, pad] of [[1, 'valid'], [2, 'same'], [1, 'same'], [2, 'valid'], [3, 'same']] as const) {
    it(`Conv2DBackpropFilter stride ${stride} ${pad} matches cpu and a float64 loop`, async () => {
      const xs: [number, number, number, number] = [3, 9, 8, 2]
      const fs: [number, number, number, number] = [3, 3, 2, 4]
      const x = tf.randomNormal(xs, 0, 1, 'float32', 1) as tf.Tensor4D
      const w = tf.randomNormal(fs, 0, 1, 'float32', 2) as tf.Tensor4D
      const ySh = tf.conv2d(x, w, stride, pad).shape
      const dy = tf.randomNormal(ySh, 0, 1, 'float32', 3) as tf.Tensor4D
      const xd = x.dataSync() as Float32Array
      const wd = w.dataSync() as Float32Array
      const dyd = dy.dataSync() as Float32Array
      const active = tf.getBackend()
      const onActive = filterGrad(x, w, dy, stride, pad)
      tf.dispose([x, w, dy])
      await tf.setBackend('cpu')
      const onCpu = filterGrad(tf.tensor4d(xd, xs as never), tf.tensor4d(wd, fs as never), tf.tensor4d(dyd, ySh), stride, pad)
      await tf.setBackend(active)
      const padTotalH = Math.max((ySh[1] - 1) * stride + 3 - xs[1]!, 0)
      const padTotalW = Math.max((ySh[2] - 1) * stride + 3 - xs[2]!, 0)
      const ref = loopGrad(xd, xs, dyd, ySh, fs, stride, pad === 'same' ? Math.floor(padTotalH / 2) : 0, pad === 'same' ? Math.floor(padTotalW / 2) : 0)
      let maxRef = 0
      let maxCpu = 0
      for (let i = 0; i < ref.length; i++) {
        maxRef = Math.max(maxRef, Math.abs(onActive[i]! - ref[i]!))
        maxCpu = Math.max(maxCpu, Math.abs(onActive[i]! - onCpu[i]!))
      }
      expect(maxRef).toBeLessThan(1e-3)
      expect(maxCpu).toBeLessThan(1e-3)
    })
  }

  it('MatMul with transpose flags equals the cpu product', async () => {
    const a = Float32Array.from({ length: 6 * 5 }, (_, i) => Math.sin(i))
    const b = Float32Array.from({ length: 5 * 4 }, (_, i) => Math.cos(i))
    const run = (): Float32Array[] =>
      tf.tidy(() => {
        const A = tf.tensor2d(a, [6, 5])
        const B = tf.tensor2d(b, [5, 4])
        return [
          tf.matMul(tf.transpose(A), tf.transpose(A), false, true), // (5×6)(6×5)
          tf.matMul(A, tf.transpose(B), false, true),
          tf.matMul(tf.transpose(A), B, true, false),
          tf.fused.matMul({ a: tf.transpose(A), b: tf.transpose(B), transposeA: true, transposeB: true, bias: tf.ones([4]), activation: 'relu' }),
        ].map((t) => t.dataSync() as Float32Array)
      })
    const before = tf.memory().numTensors
    const active = run()
    expect(tf.memory().numTensors).toBe(before)
    const backend = tf.getBackend()
    await tf.setBackend('cpu')
    const cpu = run()
    await tf.setBackend(backend)
    active.forEach((v, k) => v.forEach((x, i) => expect(Math.abs(x - cpu[k]![i]!)).toBeLessThan(1e-4)))
  })
})
