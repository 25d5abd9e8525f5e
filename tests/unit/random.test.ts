import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { deriveSeed, shuffle, uniformStream, Xoshiro128 } from '../../electron/engine/core/random'
import { erf64 } from '../engine/nn/f64-mlp'
import { drawMlpWeights, type FiniteFcArch } from '../../electron/engine/nn/mlp'

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

  it('ziggurat normals are the numbers of the generator-method implementation they replaced, draw for draw', () => {
    // zigguratNormals keeps the state in an int32 array and its edge path outside the class; the reference
    // below is the transcription of Marsaglia & Tsang it replaced, on the public nextU32/uniform/next01
    for (const [seed, count, std] of [
      [0, 2_000_000, 1],
      [7, 1_000_001, 1.7],
      [2147483647, 300_000, 0.03],
    ] as const) {
      const a = new Xoshiro128(seed)
      const b = new Xoshiro128(seed)
      const got = a.zigguratNormals(count, std)
      const want = referenceZiggurat(b, count, std)
      let firstDiff = -1
      for (let i = 0; i < count && firstDiff < 0; i++) if (!Object.is(got[i], want[i])) firstDiff = i
      expect(firstDiff, `seed ${seed}: first differing draw`).toBe(-1)
      expect(a.nextU32()).toBe(b.nextU32())
    }
  })

  it('ziggurat streams and network weights keep the checksums recorded from the implementation before (same seed → same weights)', () => {
    const sum = (x: Float32Array): string => createHash('sha256').update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)).digest('hex').slice(0, 16)
    const g = new Xoshiro128(7)
    expect([g.zigguratNormals(3_000_000, 1.7), g.zigguratNormals(1), g.zigguratNormals(999, 0.25)].map(sum)).toEqual(['9ede54cc143c1379', '9f9e9295c5583b45', '17b96f2c36256c95'])
    expect([g.nextU32(), g.uniform()]).toEqual([1269197662, 0.28043724060989916])
    const g2 = new Xoshiro128(2147483647)
    expect(sum(g2.zigguratNormals(100_000))).toBe('0bb955162c77d934')
    expect(g2.nextU32()).toBe(1992868417)
    // ntkw empirical's network (3 × 1 024 ReLU on 784 inputs, one output, σ_b 0.1), seed 0
    const arch: FiniteFcArch = { depth: 3, width: 1024, activation: { name: 'relu' }, wStd: 1, bStd: 0.1, parameterization: 'ntk' }
    expect(drawMlpWeights(arch, 784, 1, 0).map((l) => [sum(l.w), sum(l.b!)])).toEqual([
      ['dce82d7e17cd61c0', '8e90c03c67523727'],
      ['12ee561035a09ab6', 'b8ed8bdc7828bb9a'],
      ['81692134505cf111', '46e29bfadb895194'],
      ['e950e74f49631b51', '973c89e1b375718e'],
    ])
  })

  it('shuffles and permutations are permutations', () => {
    const p = new Xoshiro128(3).permutation(1000)
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    const s = shuffle(Int32Array.from({ length: 1000 }, (_, i) => i), uniformStream(4))
    expect(Array.from(s).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(Array.from(s.subarray(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })
})

/** Marsaglia & Tsang's RNOR as the engine first wrote it: one generator method call per uniform, tables built here */
function referenceZiggurat(g: Xoshiro128, count: number, std: number): Float32Array {
  const R = 3.442619855899
  const V = 9.91256303526217e-3
  const kn = new Float64Array(128)
  const wn = new Float64Array(128)
  const fn = new Float64Array(128)
  const m1 = 2147483648
  let dn = R
  let tn = dn
  const q = V / Math.exp(-0.5 * dn * dn)
  kn[0] = (dn / q) * m1
  kn[1] = 0
  wn[0] = q / m1
  wn[127] = dn / m1
  fn[0] = 1
  fn[127] = Math.exp(-0.5 * dn * dn)
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(V / dn + Math.exp(-0.5 * dn * dn)))
    kn[i + 1] = (dn / tn) * m1
    tn = dn
    fn[i] = Math.exp(-0.5 * dn * dn)
    wn[i] = dn / m1
  }
  const out = new Float32Array(count)
  for (let i = 0; i < count; i++) {
    let hz = g.nextU32() | 0
    let iz = hz & 127
    let v: number
    if (Math.abs(hz) < kn[iz]!) v = hz * wn[iz]!
    else
      for (;;) {
        const x = hz * wn[iz]!
        if (iz === 0) {
          let tx: number
          let ty: number
          do {
            tx = -Math.log(g.uniform()) / R
            ty = -Math.log(g.uniform())
          } while (ty + ty < tx * tx)
          v = hz > 0 ? R + tx : -R - tx
          break
        }
        if (fn[iz]! + g.next01() * (fn[iz - 1]! - fn[iz]!) < Math.exp(-0.5 * x * x)) {
          v = x
          break
        }
        hz = g.nextU32() | 0
        iz = hz & 127
        if (Math.abs(hz) < kn[iz]!) {
          v = hz * wn[iz]!
          break
        }
      }
    out[i] = v * std
  }
  return out
}
