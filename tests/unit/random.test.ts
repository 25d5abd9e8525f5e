import { describe, expect, it } from 'vitest'
import { deriveSeed, shuffle, uniformStream, Xoshiro128 } from '../../electron/engine/core/random'
import { erf64 } from '../engine/nn/f64-mlp'

describe('the engine PRNG is xoshiro128**', () => {
  it('reproduces the published reference outputs from state (1, 2, 3, 4)', () => {
    // The first ten outputs of the reference C implementation (Blackman & Vigna) from s = {1, 2, 3, 4}.
    const g = Xoshiro128.fromState([1, 2, 3, 4])
    const got = Array.from({ length: 10 }, () => g.nextU32())
    expect(got).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804])
  })

  it('same seed, same stream; different seeds or streams, different streams', () => {
    const a = new Xoshiro128(42)
    const b = new Xoshiro128(42)
    const c = new Xoshiro128(43)
    const xs = Array.from({ length: 5 }, () => a.nextU32())
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xs)
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(xs)
    expect(deriveSeed(7, 0)).not.toBe(deriveSeed(7, 1))
    expect(deriveSeed(7, 3)).toBe(deriveSeed(7, 3))
  })

  it('uniforms fill [0, 1) evenly and normals have mean 0 and variance 1', () => {
    const u = uniformStream(5)
    const bins = new Array<number>(10).fill(0)
    for (let i = 0; i < 100_000; i++) {
      const v = u()
      expect(v >= 0 && v < 1).toBe(true)
      bins[Math.floor(v * 10)]!++
    }
    // χ² with 9 degrees of freedom: 27.9 is its 99.9 % quantile
    const chi2 = bins.reduce((s, b) => s + (b - 10_000) ** 2 / 10_000, 0)
    expect(chi2).toBeLessThan(27.9)
    const g = new Xoshiro128(9)
    const z = g.normals(100_000)
    const mean = z.reduce((s, v) => s + v, 0) / z.length
    const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / z.length
    expect(Math.abs(mean)).toBeLessThan(0.02)
    expect(Math.abs(variance - 1)).toBeLessThan(0.02)
  })

  it('ziggurat normals follow the standard normal law, tail included, and continue the uniform stream', () => {
    const n = 400_000
    const z = Float64Array.from(new Xoshiro128(21).zigguratNormals(n))
    const mean = z.reduce((s, v) => s + v, 0) / n
    const m2 = z.reduce((s, v) => s + (v - mean) ** 2, 0) / n
    const m4 = z.reduce((s, v) => s + (v - mean) ** 4, 0) / n
    expect(Math.abs(mean)).toBeLessThan(0.01)
    expect(Math.abs(m2 - 1)).toBeLessThan(0.01)
    expect(Math.abs(m4 / m2 ** 2 - 3)).toBeLessThan(0.05)
    // Kolmogorov–Smirnov distance to Φ (float64 erf): 1.95/√n is the 99.9 % critical value
    z.sort()
    let ks = 0
    for (let i = 0; i < n; i++) {
      const F = 0.5 * (1 + erf64(z[i]! / Math.SQRT2))
      ks = Math.max(ks, Math.abs(F - i / n), Math.abs(F - (i + 1) / n))
    }
    expect(ks).toBeLessThan(1.95 / Math.sqrt(n))
    // the tail beyond R = 3.4426 comes from its own sampler: its mass 2(1 − Φ(R)) ≈ 5.76e-4, within 5σ
    const tail = z.filter((v) => Math.abs(v) > 3.442619855899).length / n
    const p = 1 - erf64(3.442619855899 / Math.SQRT2)
    expect(Math.abs(tail - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n))
    // scaled by std; same seed, same numbers; the generator's stream goes on after them
    const a = new Xoshiro128(8)
    const b = new Xoshiro128(8)
    const za = a.zigguratNormals(1001, 2)
    const zb = b.zigguratNormals(1001)
    expect(Array.from(za)).toEqual(Array.from(zb, (v) => Math.fround(v * 2)))
    expect(a.nextU32()).toBe(b.nextU32())
  })

  it('shuffles and permutations are permutations', () => {
    const p = new Xoshiro128(3).permutation(1000)
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    const s = shuffle(Int32Array.from({ length: 1000 }, (_, i) => i), uniformStream(4))
    expect(Array.from(s).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(Array.from(s.subarray(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })
})
