import { describe, expect, it } from 'vitest'
import { lloydMax, nearestCentroid } from '../../../electron/engine/quantize/kmeans'
import { quantizeWeight } from '../../../electron/engine/quantize/quantize-weight'
import type { WeightQuantSpec } from '../../../electron/engine/quantize/types'
import { gaussian } from './helpers'

/** straightforward Lloyd loop: O(n·K) nearest-centroid assignment, cell means, same initialisation */
function naiveLloyd(x: Float32Array, k: number): number[] {
  const sorted = Array.from(x).sort((a, b) => a - b)
  let c = Array.from({ length: k }, (_, j) => sorted[Math.min(x.length - 1, Math.floor(((j + 0.5) / k) * x.length))]!)
  let prev: number[] | null = null
  for (let it = 0; it < 1000; it++) {
    const assign = Array.from(x, (v) => {
      let best = 0
      for (let j = 1; j < k; j++) if (Math.abs(v - c[j]!) < Math.abs(v - c[best]!)) best = j
      return best
    })
    if (prev && assign.every((a, i) => a === prev![i])) break
    prev = assign
    const sum = new Array<number>(k).fill(0)
    const cnt = new Array<number>(k).fill(0)
    assign.forEach((a, i) => {
      sum[a]! += x[i]!
      cnt[a]! += 1
    })
    c = c.map((old, j) => (cnt[j]! > 0 ? sum[j]! / cnt[j]! : old)).sort((a, b) => a - b)
  }
  return c
}

const sse = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0)
const spec = (over: Partial<WeightQuantSpec>): WeightQuantSpec => ({ bits: 3, scheme: 'symmetric', granularity: { kind: 'tensor' }, calibration: { kind: 'minmax' }, method: 'uniform', ...over })

describe('k-means (Lloyd–Max) codebooks', () => {
  for (const bits of [2, 3, 4]) {
    it(`${bits} bits: centroids equal a straightforward Lloyd loop`, () => {
      const x = gaussian(2000, 40 + bits)
      const ours = lloydMax(x, 2 ** bits).centroids
      const ref = naiveLloyd(x, 2 ** bits)
      ref.forEach((c, j) => expect(ours[j]).toBeCloseTo(c, 9))
    })
  }

  it('codes index the nearest centroid; distortion below uniform min-max at 3 bits', () => {
    const w = gaussian(4096, 8, 0.05)
    const q = quantizeWeight(w, [64, 64], spec({ method: 'kmeans' }))
    expect(q.codebooks!.length).toBe(8)
    for (let i = 0; i < w.length; i++) {
      const c = q.codebooks!
      let best = 0
      for (let j = 1; j < 8; j++) if (Math.abs(w[i]! - c[j]!) < Math.abs(w[i]! - c[best]!)) best = j
      expect(q.codes[i]).toBe(best)
      expect(q.values[i]).toBe(c[best])
    }
    const u = quantizeWeight(w, [64, 64], spec({}))
    expect(sse(w, q.values)).toBeLessThan(0.8 * sse(w, u.values))
    expect(nearestCentroid(0.5, [0, 1])).toBe(0)
  })

  it('per-channel codebooks: one 2^b table per output channel', () => {
    const w = gaussian(32 * 4, 9)
    const q = quantizeWeight(w, [32, 4], spec({ method: 'kmeans', bits: 2, granularity: { kind: 'channel' } }))
    expect(q.codebooks!.length).toBe(16)
    for (let c = 0; c < 4; c++) {
      const col = Float32Array.from({ length: 32 }, (_, r) => w[r * 4 + c]!)
      naiveLloyd(col, 4).forEach((v, j) => expect(q.codebooks![c * 4 + j]).toBeCloseTo(v, 6))
    }
  })
})

describe('power-exponent quantization (PowerQuant)', () => {
  it('exponent 1 is uniform symmetric min-max', () => {
    const w = gaussian(1000, 11)
    const p = quantizeWeight(w, [1000, 1], spec({ method: 'power' }), { exponents: [1] })
    const u = quantizeWeight(w, [1000, 1], spec({}))
    expect(Array.from(p.values)).toEqual(Array.from(u.values))
    expect(p.exponent).toBe(1)
  })

  it('values sit on sign(t)|t|^(1/a) with t on a symmetric grid; a < 1 and lower error than uniform for Gaussian weights at 3 bits', () => {
    const w = gaussian(20000, 12, 0.1)
    const p = quantizeWeight(w, [200, 100], spec({ method: 'power' }))
    const a = p.exponent!
    expect(a).toBeLessThan(1)
    const s = p.scales![0]!
    let absMax = 0
    for (const v of w) absMax = Math.max(absMax, Math.abs(v))
    expect(s).toBeCloseTo(absMax ** a / 3, 6)
    for (const v of p.values) {
      const level = (Math.sign(v) * Math.abs(v) ** a) / s
      expect(Math.abs(level - Math.round(level))).toBeLessThan(1e-4)
      expect(Math.abs(Math.round(level))).toBeLessThanOrEqual(3)
    }
    const u = quantizeWeight(w, [200, 100], spec({}))
    expect(sse(w, p.values)).toBeLessThan(sse(w, u.values))
  })

  it('the exponent search minimises the caller objective over the given exponents', () => {
    const w = gaussian(500, 13)
    const seen: number[] = []
    const target = 0.6
    const q = quantizeWeight(w, [500, 1], spec({ method: 'power' }), {
      exponents: [0.4, 0.5, 0.6, 0.7],
      objective: (v) => {
        // an objective that prefers the candidate whose values equal the a = 0.6 quantization
        const ref = quantizeWeight(w, [500, 1], spec({ method: 'power' }), { exponents: [target] }).values
        const e = sse(v, ref)
        seen.push(e)
        return e
      },
    })
    expect(q.exponent).toBe(target)
    expect(seen.length).toBe(4)
  })
})
