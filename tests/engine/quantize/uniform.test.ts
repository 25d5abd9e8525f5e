import { describe, expect, it } from 'vitest'
import { UserError } from '../../../shared/errors'
import { sliceLayout } from '../../../electron/engine/quantize/granularity'
import { quantizeWeight } from '../../../electron/engine/quantize/quantize-weight'
import { affineParams, symmetricParams } from '../../../electron/engine/quantize/uniform'
import type { WeightQuantSpec } from '../../../electron/engine/quantize/types'
import { gaussian, refFakeQuant } from './helpers'

const spec = (over: Partial<WeightQuantSpec>): WeightQuantSpec => ({
  bits: 8,
  scheme: 'affine',
  granularity: { kind: 'tensor' },
  calibration: { kind: 'minmax' },
  method: 'uniform',
  ...over,
})

describe('uniform quantizers (Jacob et al. 2018)', () => {
  it('affine 2-bit example by hand: s = 3/3, z = 1, ties round to even', () => {
    const q = quantizeWeight(Float32Array.from([-1, 0.5, 2, 1.5]), [4, 1], spec({ bits: 2 }))
    expect(q.scales![0]).toBe(1)
    expect(q.zeroPoints![0]).toBe(1)
    // x/s + z: −1+1 = 0; round(0.5)=0 → 1; 2+1 = 3; round(1.5)=2 → 3
    expect(Array.from(q.codes)).toEqual([0, 1, 3, 3])
    expect(Array.from(q.values)).toEqual([-1, 0, 2, 2])
  })

  it('affine nudges the range so 0 is exact, and a positive-only range still contains 0', () => {
    const p = affineParams(-0.3, 1.7, 8)
    expect(Math.fround(p.scale * (p.zeroPoint - p.zeroPoint))).toBe(0)
    expect(p.scale).toBe(Math.fround(2 / 255))
    expect(p.zeroPoint).toBe(Math.round(0.3 / Math.fround(2 / 255)))
    const pos = affineParams(0.5, 2, 4)
    expect(pos.zeroPoint).toBe(0)
    expect(pos.scale).toBe(Math.fround(2 / 15))
  })

  for (const bits of [2, 3, 4, 5, 6, 7, 8]) {
    for (const scheme of ['affine', 'symmetric'] as const) {
      it(`${scheme} ${bits}-bit: at most 2^b levels, codes in range, round-trip error ≤ s/2 inside the range`, () => {
        const x = gaussian(4000, 100 + bits, 0.7)
        const q = quantizeWeight(x, [4000, 1], spec({ bits, scheme }))
        const s = q.scales![0]!
        const z = q.zeroPoints![0]!
        const levels = new Set(Array.from(q.values))
        const maxLevels = scheme === 'affine' ? 2 ** bits : 2 ** bits - 1
        expect(levels.size).toBeLessThanOrEqual(maxLevels)
        let absMax = 0
        let lo = Infinity
        let hi = -Infinity
        for (const v of x) {
          absMax = Math.max(absMax, Math.abs(v))
          lo = Math.min(lo, v)
          hi = Math.max(hi, v)
        }
        if (scheme === 'symmetric') {
          expect(z).toBe(2 ** (bits - 1))
          expect(s).toBe(Math.fround(absMax / (2 ** (bits - 1) - 1)))
          for (const c of q.codes) expect(c).toBeGreaterThanOrEqual(1)
        } else {
          expect(s).toBe(Math.fround((hi - lo) / (2 ** bits - 1)))
        }
        for (let i = 0; i < x.length; i++) {
          expect(q.codes[i]).toBeLessThanOrEqual(2 ** bits - 1)
          // min-max: nothing is clipped, every value is inside the grid's span
          expect(Math.abs(x[i]! - q.values[i]!)).toBeLessThanOrEqual(s / 2 + 4e-7 * Math.abs(x[i]!) + 1e-12)
          expect(q.values[i]).toBeCloseTo(refFakeQuant(x[i]!, s, z, scheme === 'affine' ? 0 : 1, 2 ** bits - 1), 6)
        }
      })
    }
  }

  it('16-bit affine matches the reference formula and an all-zero tensor stays exactly zero', () => {
    const x = gaussian(1000, 7)
    const q = quantizeWeight(x, [1000], spec({ bits: 16 }))
    for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - q.values[i]!)).toBeLessThanOrEqual(q.scales![0]! / 2 + 1e-6)
    const zero = quantizeWeight(new Float32Array(10), [10], spec({ bits: 4, scheme: 'symmetric' }))
    expect(Array.from(zero.values)).toEqual(new Array(10).fill(0))
  })

  it('per-output-channel scales by hand on a [3, 2] kernel (symmetric 8-bit)', () => {
    // columns: [1, −2, 0.5] and [−4, 2, 1]
    const w = Float32Array.from([1, -4, -2, 2, 0.5, 1])
    const q = quantizeWeight(w, [3, 2], spec({ scheme: 'symmetric', granularity: { kind: 'channel' } }))
    expect(Array.from(q.scales!)).toEqual([Math.fround(2 / 127), Math.fround(4 / 127)])
    // 1 / (2/127) = 63.5 → 64 (half to even), stored as code 64 + 128
    expect(q.codes[0]).toBe(128 + 64)
    expect(q.codes[1]).toBe(128 - 127)
    expect(q.values[1]).toBe(Math.fround(Math.fround(4 / 127) * -127))
  })

  it('per-channel affine on a conv kernel [kh, kw, in, out] uses the last axis', () => {
    const w = gaussian(3 * 3 * 2 * 4, 9)
    const q = quantizeWeight(w, [3, 3, 2, 4], spec({ bits: 4, granularity: { kind: 'channel' } }))
    for (let c = 0; c < 4; c++) {
      let lo = 0
      let hi = 0
      for (let r = 0; r < 18; r++) {
        lo = Math.min(lo, w[r * 4 + c]!)
        hi = Math.max(hi, w[r * 4 + c]!)
      }
      expect(q.scales![c]).toBe(Math.fround((hi - lo) / 15))
    }
  })

  it('group-wise slices: index ⌊r/g⌋·C + c, scales by hand', () => {
    const layout = sliceLayout([4, 2], { kind: 'group', size: 2 })
    expect(layout.count).toBe(4)
    expect(Array.from({ length: 8 }, (_, i) => layout.sliceOf(i))).toEqual([0, 1, 0, 1, 2, 3, 2, 3])
    expect(layout.members().map((m) => Array.from(m))).toEqual([
      [0, 2],
      [1, 3],
      [4, 6],
      [5, 7],
    ])
    const w = Float32Array.from([1, 2, -3, 4, 5, -6, 7, 8])
    const q = quantizeWeight(w, [4, 2], spec({ bits: 4, scheme: 'symmetric', granularity: { kind: 'group', size: 2 } }))
    expect(Array.from(q.scales!)).toEqual([3 / 7, 4 / 7, 7 / 7, 8 / 7].map(Math.fround))
  })

  it('a group size that does not divide the layer is a UserError naming the layer', () => {
    let err: unknown
    try {
      quantizeWeight(gaussian(784 * 4, 1), [784, 4], spec({ granularity: { kind: 'group', size: 128 } }), { name: 'dense_1/kernel' })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(UserError)
    expect((err as UserError).code).toBe('group_size_mismatch')
    expect((err as UserError).message).toContain('dense_1/kernel')
    expect((err as UserError).hint).toMatch(/112|98/)
  })

  it('bits out of range and NaN weights are UserErrors', () => {
    for (const bits of [1, 9, 17, 2.5]) {
      expect(() => quantizeWeight(gaussian(8, 1), [8], spec({ bits }))).toThrow(UserError)
    }
    expect(() => quantizeWeight(gaussian(8, 1), [8], spec({ bits: 16, method: 'kmeans' }))).toThrow(/2\.\.8/)
    expect(() => quantizeWeight(Float32Array.from([1, NaN]), [2], spec({}))).toThrow(/NaN/)
  })

  it('symmetricParams(0) keeps a usable grid', () => {
    expect(symmetricParams(0, 4).scale).toBe(1)
  })
})
