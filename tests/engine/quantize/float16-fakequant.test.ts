import * as tf from '@tensorflow/tfjs-core'
// tfjs-layers registers tfjs-core's gradient functions (Sum etc.) as a side effect
import '@tensorflow/tfjs-layers'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { correctBias } from '../../../electron/engine/quantize/bias-correction'
import { activationGrid } from '../../../electron/engine/quantize/activation-range'
import { fakeQuant, lsqFakeQuant } from '../../../electron/engine/quantize/fake-quant'
import { encodeFloat16, fromFloat16Bits, toFloat16Bits } from '../../../electron/engine/quantize/float16'
import { quantizeWeight } from '../../../electron/engine/quantize/quantize-weight'
import { gaussian, refFakeQuant } from './helpers'

beforeAll(async () => {
  await initBackend()
})

describe('float16', () => {
  it('every finite half round-trips; decoding agrees with stock tfjs-core decodeWeights', () => {
    const all = new Uint16Array(65536).map((_, i) => i)
    const finite = all.filter((h) => ((h >>> 10) & 0x1f) !== 0x1f)
    for (const h of finite) {
      const x = fromFloat16Bits(h)
      // −0 and +0 both decode to a zero; the sign bit survives
      expect(toFloat16Bits(x)).toBe(h)
    }
    const stock = tf.io.decodeWeights(finite.buffer.slice(0), [{ name: 'w', shape: [finite.length], dtype: 'float32', quantization: { dtype: 'float16' } }])
    const dec = stock.w!.dataSync()
    for (let i = 0; i < finite.length; i++) expect(dec[i]).toBe(Math.fround(fromFloat16Bits(finite[i]!)))
    stock.w!.dispose()
  })

  it('encoding rounds to the nearest half, ties to even, overflow to Inf', () => {
    const x = gaussian(5000, 3, 300)
    const bits = encodeFloat16(x)
    for (let i = 0; i < x.length; i++) {
      const h = bits[i]!
      const d = Math.abs(x[i]! - fromFloat16Bits(h))
      expect(d).toBeLessThanOrEqual(Math.abs(x[i]! - fromFloat16Bits(h + 1)))
      if ((h & 0x7fff) > 0) expect(d).toBeLessThanOrEqual(Math.abs(x[i]! - fromFloat16Bits(h - 1)))
    }
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: even mantissa (1) wins
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00)
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02)
    expect(toFloat16Bits(1e6)).toBe(0x7c00)
    expect(toFloat16Bits(2 ** -24)).toBe(1)
    expect(toFloat16Bits(2 ** -25)).toBe(0)
  })
})

describe('fake quantization (STE) and LSQ', () => {
  it('forward equals the uniform grid; backward is 1 inside the range, 0 outside', () => {
    const g = { scale: 0.1, zeroPoint: 3, qmin: 0, qmax: 15 }
    const xs = Float32Array.from([-1, -0.3, -0.26, 0, 0.06, 0.449, 1.2, 2])
    const before = tf.memory().numTensors
    const x = tf.tensor1d(xs)
    const y = fakeQuant(x, g)
    const yv = y.dataSync()
    xs.forEach((v, i) => expect(yv[i]).toBeCloseTo(refFakeQuant(v, 0.1, 3, 0, 15), 5))
    const gt = tf.grad((t: tf.Tensor) => tf.sum(fakeQuant(t, g)))(x)
    // representable range [0.1·(0 − 3), 0.1·(15 − 3)] = [−0.3, 1.2]
    expect(Array.from(gt.dataSync())).toEqual([0, 1, 1, 1, 1, 1, 1, 0])
    tf.dispose([x, y, gt])
    expect(tf.memory().numTensors).toBe(before)
  })

  it('LSQ step-size gradient matches Esser et al. term by term', () => {
    const vs = Float32Array.from([-2, -0.74, -0.2, 0.26, 0.5, 0.91, 3])
    const s0 = 0.25
    const qn = 4
    const qp = 3
    const v = tf.tensor1d(vs)
    const s = tf.scalar(s0)
    const [dv, ds] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(lsqFakeQuant(a, b, qn, qp)))([v, s])
    let expectDs = 0
    const expectDv: number[] = []
    for (const x of vs) {
      const r = x / s0
      if (r < -qn) {
        expectDs += -qn
        expectDv.push(0)
      } else if (r > qp) {
        expectDs += qp
        expectDv.push(0)
      } else {
        expectDs += Math.round(r) - r
        expectDv.push(1)
      }
    }
    expect(Array.from(dv!.dataSync())).toEqual(expectDv)
    expect(ds!.dataSync()[0]).toBeCloseTo(expectDs / Math.sqrt(vs.length * qp), 5)
    tf.dispose([v, s, dv!, ds!])
  })

  it('per-channel LSQ: one gradient entry per output channel', () => {
    const v = tf.tensor2d([0.1, -0.9, 0.35, 2], [2, 2])
    const s = tf.tensor1d([0.2, 0.5])
    const [, ds] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(lsqFakeQuant(a, b, 2, 1)))([v, s])
    expect(ds!.shape).toEqual([2])
    // channel 0: 0.1/0.2 = 0.5 rounds (half to even) to 0, term 0 − 0.5; 0.35/0.2 = 1.75 > Q_P = 1, term 1.
    // g = 1/√(2 elements per channel · Q_P)
    expect(ds!.dataSync()[0]).toBeCloseTo((-0.5 + 1) / Math.sqrt(2), 4)
    tf.dispose([v, s, ds!])
  })

  it('activation grid: ReLU outputs get an affine [0, hi] grid, min-max hi = max', () => {
    const a = Float32Array.from(gaussian(1000, 2), (v) => Math.max(0, v))
    const g = activationGrid(a, 8, { kind: 'minmax' })
    expect(g.zeroPoint).toBe(0)
    expect(g.scale).toBe(Math.fround(Math.max(...a) / 255))
  })
})

describe('bias correction (Nagel et al. 2019)', () => {
  it('the corrected layer has the float layer’s mean output on the calibration inputs', () => {
    const n = 64
    const din = 12
    const dout = 5
    const x = Float32Array.from(gaussian(n * din, 21), (v) => v + 0.7)
    const w = gaussian(din * dout, 22, 0.4)
    const b = gaussian(dout, 23)
    const q = quantizeWeight(w, [din, dout], { bits: 2, scheme: 'symmetric', granularity: { kind: 'tensor' }, calibration: { kind: 'minmax' }, method: 'uniform' })
    const mean = new Float64Array(din)
    for (let i = 0; i < n; i++) for (let j = 0; j < din; j++) mean[j]! += x[i * din + j]! / n
    const b2 = correctBias(w, q.values, [din, dout], b, mean)
    const meanOut = (W: ArrayLike<number>, B: ArrayLike<number>) =>
      Array.from({ length: dout }, (_, c) => {
        let s = 0
        for (let i = 0; i < n; i++) {
          let y = B[c]!
          for (let j = 0; j < din; j++) y += x[i * din + j]! * W[j * dout + c]!
          s += y
        }
        return s / n
      })
    const ref = meanOut(w, b)
    const before = meanOut(q.values, b)
    const after = meanOut(q.values, b2)
    after.forEach((m, c) => expect(m).toBeCloseTo(ref[c]!, 4))
    expect(before.some((m, c) => Math.abs(m - ref[c]!) > 1e-2)).toBe(true)
  })
})
