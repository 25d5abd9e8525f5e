import { describe, expect, it } from 'vitest'
import { deriveSeed, shuffle, uniformStream, Xoshiro128 } from '../../electron/engine/core/random'

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

  it('shuffles and permutations are permutations', () => {
    const p = new Xoshiro128(3).permutation(1000)
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    const s = shuffle(Int32Array.from({ length: 1000 }, (_, i) => i), uniformStream(4))
    expect(Array.from(s).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(Array.from(s.subarray(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })
})
