import { describe, expect, it } from 'vitest'
import { klRange } from '../../../electron/engine/quantize/range/kl'
import { minMaxRange } from '../../../electron/engine/quantize/range/minmax'
import { mseRange } from '../../../electron/engine/quantize/range/mse'
import { percentileRange } from '../../../electron/engine/quantize/range/percentile'
import { quantizeWeight } from '../../../electron/engine/quantize/quantize-weight'
import { gaussian, refFakeQuant } from './helpers'

/** independent float64 squared error of symmetric b-bit quantization clipped at ±t */
function symErr(x: Float32Array, t: number, bits: number): number {
  const n = 2 ** (bits - 1) - 1
  const s = Math.fround(t / n)
  let e = 0
  for (const v of x) e += (v - refFakeQuant(v, s, 0, -n, n)) ** 2
  return e
}

/** independent float64 squared error of affine b-bit quantization of [lo, hi] (widened to 0, zero nudged) */
function affErr(x: Float32Array, lo: number, hi: number, bits: number): number {
  const qmax = 2 ** bits - 1
  const a = Math.min(lo, 0)
  const b = Math.max(hi, 0)
  const s = Math.fround((b - a) / qmax)
  const z = Math.min(qmax, Math.max(0, Math.round(-a / s)))
  let e = 0
  for (const v of x) e += (v - refFakeQuant(v, s, z, 0, qmax)) ** 2
  return e
}

describe('range calibration', () => {
  it('percentile: linear interpolation between order statistics (numpy default)', () => {
    const x = Float32Array.from({ length: 101 }, (_, i) => 100 - i)
    expect(percentileRange(x, 90)).toEqual({ lo: 10, hi: 90 })
    const y = Float32Array.from([0, 10])
    expect(percentileRange(y, 75)).toEqual({ lo: 2.5, hi: 7.5 })
    expect(() => percentileRange(y, 40)).toThrow(/\(50, 100\]/)
  })

  for (const bits of [2, 3, 4, 8]) {
    it(`MSE clipping (symmetric, ${bits} bits) is within 0.5% of a 4000-point brute-force search and beats min-max`, () => {
      const x = gaussian(3000, 20 + bits, 1, 6, 6)
      const absMax = Math.max(...Array.from(x, Math.abs))
      let brute = Infinity
      for (let k = 1; k <= 4000; k++) brute = Math.min(brute, symErr(x, (absMax * k) / 4000, bits))
      const r = mseRange(x, 'symmetric', bits)
      const ours = symErr(x, Math.max(Math.abs(r.lo), Math.abs(r.hi)), bits)
      expect(ours).toBeLessThanOrEqual(brute * 1.005)
      expect(ours).toBeLessThan(symErr(x, absMax, bits))
    })
  }

  it('MSE clipping (affine, 3 bits) against brute force over the same one-parameter family', () => {
    const x = Float32Array.from(gaussian(3000, 31, 1, 10, 5), (v) => Math.abs(v) - 0.3)
    const mm = minMaxRange(x)
    let brute = Infinity
    for (let k = 1; k <= 4000; k++) brute = Math.min(brute, affErr(x, (mm.lo * k) / 4000, (mm.hi * k) / 4000, 3))
    const r = mseRange(x, 'affine', 3)
    expect(affErr(x, r.lo, r.hi, 3)).toBeLessThanOrEqual(brute * 1.005)
  })

  it('quantizeWeight with --calib mse gives lower weight error than min-max at 2 and 4 bits per channel', () => {
    const w = gaussian(256 * 16, 5)
    for (const bits of [2, 4]) {
      const err = (cal: 'mse' | 'minmax') => {
        const q = quantizeWeight(w, [256, 16], { bits, scheme: 'symmetric', granularity: { kind: 'channel' }, calibration: { kind: cal }, method: 'uniform' })
        return q.values.reduce((s, v, i) => s + (v - w[i]!) ** 2, 0)
      }
      expect(err('mse')).toBeLessThan(err('minmax'))
    }
  })

  it('KL (entropy) calibration: keeps the full range of uniform data, clips a heavy tail', () => {
    const u = Float32Array.from({ length: 20000 }, (_, i) => ((i * 7919) % 20000) / 20000)
    const ru = klRange(u, 8)
    expect(ru.lo).toBe(0)
    expect(ru.hi).toBeGreaterThan(0.97 * Math.max(...u))
    // ReLU-like activations with a few huge outliers
    const a = Float32Array.from(gaussian(20000, 3, 1, 20, 40), (v) => Math.max(0, v))
    const ra = klRange(a, 8)
    const max = Math.max(...a)
    expect(ra.hi).toBeLessThan(0.5 * max)
    // clipping where KL says gives a lower error on the bulk (the non-outliers) than min-max
    const bulk = a.slice(20)
    expect(affErr(bulk, 0, ra.hi, 8)).toBeLessThan(affErr(bulk, 0, max, 8))
    // signed data gets a symmetric range
    const rs = klRange(gaussian(5000, 4), 4)
    expect(rs.lo).toBe(-rs.hi)
  })
})
