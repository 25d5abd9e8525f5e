import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { fwhtRows } from '../../../electron/engine/features/hadamard'
import { applyTensorSrht, tensorSrht } from '../../../electron/engine/features/tensor-srht'
import { randomFeatureMap } from '../../../electron/engine/features/random-features'
import { computeAnalyticKernels } from '../../../electron/engine/ntk/analytic'
import { Xoshiro128 } from '../../../electron/engine/core/random'
import { FcArch } from '../../../shared/arch'
import { bruteKernels, gaussianRows, toMatrix, type Vec } from '../ntk/analytic-brute-force'
import { featuresOf, flat, gram, relFro } from './helpers'

beforeAll(async () => {
  await initBackend()
})

/** Mean over seeds of ΦΦᵀ, the standard error of each entry, and one seed's ΦΦᵀ. */
async function meanGram(arch: FcArch, kind: 'ntk' | 'nngp', x: Vec[], m: number, seeds: number): Promise<{ mean: Float64Array; se: Float64Array; single: Float64Array }> {
  const n = x.length
  const mean = new Float64Array(n * n)
  const sq = new Float64Array(n * n)
  let single: Float64Array = new Float64Array(0)
  for (let s = 0; s < seeds; s++) {
    const map = randomFeatureMap({ arch, kind, inDim: x[0]!.length, features: m, seed: 1000 + s })
    const g = gram(await featuresOf(map, x), n, map.dim)
    map.dispose()
    if (s === 0) single = g
    for (let i = 0; i < n * n; i++) {
      mean[i] = mean[i]! + g[i]! / seeds
      sq[i] = sq[i]! + (g[i]! * g[i]!) / seeds
    }
  }
  const se = mean.map((v, i) => Math.sqrt(Math.max(sq[i]! - v * v, 0) / seeds))
  return { mean, se, single }
}

/** largest |mean − exact| in standard errors (a z-score; unbiased estimators stay below ~4 over 64 entries) */
function maxZ(mean: Float64Array, se: Float64Array, exact: ArrayLike<number>): number {
  let z = 0
  for (let i = 0; i < mean.length; i++) z = Math.max(z, Math.abs(mean[i]! - exact[i]!) / Math.max(se[i]!, 1e-12))
  return z
}

describe('Walsh–Hadamard transform', () => {
  it('equals the Sylvester Hadamard matrix times each row (float64 loop)', () => {
    const p = 16
    const rows = 3
    const x = Float32Array.from({ length: rows * p }, (_, i) => Math.sin(i * 1.7) + 0.1 * i)
    const h = (i: number, j: number): number => {
      let b = i & j
      let s = 1
      while (b) {
        if (b & 1) s = -s
        b >>= 1
      }
      return s
    }
    const ref = new Float64Array(rows * p)
    for (let r = 0; r < rows; r++) for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) ref[r * p + i] = ref[r * p + i]! + h(i, j) * x[r * p + j]!
    const y = Float32Array.from(x)
    fwhtRows(y, rows, p)
    for (let i = 0; i < rows * p; i++) expect(y[i]).toBeCloseTo(ref[i]!, 4)
    expect(() => fwhtRows(y, 1, 12)).toThrow(/power of two/)
  })
})

describe('TensorSRHT', () => {
  it('is unbiased for ⟨x, x′⟩⟨y, y′⟩ (mean over seeds) and its error falls with m', () => {
    const x = Float32Array.from([0.3, -1.2, 0.5, 0.9, 0.1, /* row 2 */ 1.1, 0.4, -0.7, 0.2, -0.3])
    const y = Float32Array.from([0.6, 0.2, -0.4, /* row 2 */ -0.5, 0.8, 0.3])
    const dot = (a: Float32Array, i: number, j: number, d: number): number => {
      let s = 0
      for (let c = 0; c < d; c++) s += a[i * d + c]! * a[j * d + c]!
      return s
    }
    const exact = dot(x, 0, 1, 5) * dot(y, 0, 1, 3)
    const seeds = 4000
    let mean = 0
    let sq = 0
    for (let s = 0; s < seeds; s++) {
      const t = tensorSrht(new Xoshiro128(s), 5, 3, 4)
      const o = applyTensorSrht(t, x, y, 2)
      let v = 0
      for (let k = 0; k < 4; k++) v += o[k]! * o[4 + k]!
      mean += v / seeds
      sq += v * v / seeds
    }
    const se = Math.sqrt((sq - mean * mean) / seeds)
    expect(Math.abs(mean - exact)).toBeLessThan(4 * se)
    expect(se).toBeGreaterThan(0)
  })
})

const x8 = gaussianRows(8, 12, 7)

describe('ReLU random features are unbiased (one hidden layer: exactly)', () => {
  const cases: [string, FcArch, 'ntk' | 'nngp'][] = [
    ['NTK, bias, NTK parameterization', FcArch.parse({ depth: 1, activation: { name: 'relu' }, wStd: 1.5, bStd: 0.3 }), 'ntk'],
    ['NNGP, bias', FcArch.parse({ depth: 1, activation: { name: 'relu' }, wStd: 1.5, bStd: 0.3 }), 'nngp'],
    ['NTK, no bias', FcArch.parse({ depth: 1, activation: { name: 'relu' }, wStd: Math.SQRT2 }), 'ntk'],
    ['NTK, standard parameterization, width 64', FcArch.parse({ depth: 1, width: 64, activation: { name: 'relu' }, wStd: 1.2, bStd: 0.2, parameterization: 'standard' }), 'ntk'],
    ['NTK, leaky ReLU 0.2 (linear part exact, |u| part sampled)', FcArch.parse({ depth: 1, activation: { name: 'leaky_relu', alpha: 0.2 }, wStd: 1.4, bStd: 0.1 }), 'ntk'],
    ['NTK, erf (Monte-Carlo features of any φ)', FcArch.parse({ depth: 1, activation: { name: 'erf', a: 1, b: 1, c: 0 }, wStd: 1.3, bStd: 0.2 }), 'ntk'],
  ]
  for (const [name, arch, kind] of cases) {
    it(name, async () => {
      const { mean, se, single } = await meanGram(arch, kind, x8, 128, 600)
      const brute = flat(bruteKernels(x8, x8, arch)[kind])
      const engine = (await computeAnalyticKernels(toMatrix(x8), null, arch, { kernels: [kind], workers: 1 }))[kind]!
      // the engine's analytic kernel agrees with the float64 brute force …
      expect(relFro(engine, brute)).toBeLessThan(1e-4)
      // … and the seed average matches both within its standard errors (a bias of a few per cent would fail) …
      expect(maxZ(mean, se, brute)).toBeLessThan(4.5)
      expect(maxZ(mean, se, engine)).toBeLessThan(4.5)
      // … which are small: the mean is far closer than one map
      expect(relFro(mean, brute)).toBeLessThan(relFro(single, brute) / 8)
    })
  }
})

describe('deeper ReLU features', () => {
  it('depth 2 NTK and NNGP: seed means approach the exact kernel (bias O(1/m) only)', async () => {
    const arch = FcArch.parse({ depth: 2, activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.1 })
    const brute = bruteKernels(x8, x8, arch)
    for (const kind of ['ntk', 'nngp'] as const) {
      // m₁ = m/4 hidden features per layer (random-features.ts): the O(1/m₁) bias stays below 2 % at m = 2048
      const { mean, single } = await meanGram(arch, kind, x8, kind === 'ntk' ? 2048 : 1024, 60)
      const e = relFro(mean, flat(brute[kind]))
      expect(e).toBeLessThan(0.02)
      expect(e).toBeLessThan(relFro(single, flat(brute[kind])) / 3)
    }
  })

  it('the linear split (φ = αu + β|u|, the αu part exact) has a smaller kernel error than the plain map at equal m, depth 3', async () => {
    const x = gaussianRows(40, 16, 8)
    const arch = FcArch.parse({ depth: 3, activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.1 })
    for (const kind of ['ntk', 'nngp'] as const) {
      const exact = flat(bruteKernels(x, x, arch)[kind])
      const err = { auto: 0, plain: 0 }
      for (const construction of ['auto', 'plain'] as const) {
        for (let s = 0; s < 4; s++) {
          const map = randomFeatureMap({ arch, kind, inDim: 16, features: 1024, seed: 40 + s, construction })
          expect(map.dim).toBeLessThanOrEqual(1024)
          expect(map.dim).toBeGreaterThan(1020)
          err[construction] += relFro(gram(await featuresOf(map, x), x.length, map.dim), exact) / 4
          map.dispose()
        }
      }
      expect(err.auto, `${kind}: linear split ${err.auto}, plain ${err.plain}`).toBeLessThan(0.75 * err.plain)
    }
  })

  it('relative error falls like m^(−1/2)', async () => {
    const x = gaussianRows(48, 20, 3)
    const arch = FcArch.parse({ depth: 2, activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.1 })
    const exact = flat(bruteKernels(x, x, arch).ntk)
    // m ≥ 8·(d + 1): every m uses the linear-split construction (linear-split-features.ts), so the slope is one map's
    const ms = [256, 1024, 4096]
    const errs: number[] = []
    for (const m of ms) {
      let e = 0
      for (let s = 0; s < 4; s++) {
        const map = randomFeatureMap({ arch, kind: 'ntk', inDim: 20, features: m, seed: 77 + s })
        e += relFro(gram(await featuresOf(map, x), x.length, map.dim), exact) / 4
        map.dispose()
      }
      errs.push(e)
    }
    const slope = Math.log(errs[2]! / errs[0]!) / Math.log(ms[2]! / ms[0]!)
    expect(slope).toBeGreaterThan(-0.7)
    expect(slope).toBeLessThan(-0.35)
  })
})

describe('reproducibility', () => {
  it('same seed ⇒ same map, whatever the row blocks; another seed ⇒ another map', async () => {
    const arch = FcArch.parse({ depth: 2, activation: { name: 'relu' }, wStd: 1.4, bStd: 0.1 })
    const x = Float32Array.from(gaussianRows(10, 6, 5).flat())
    const a = randomFeatureMap({ arch, kind: 'ntk', inDim: 6, features: 64, seed: 9 })
    const b = randomFeatureMap({ arch, kind: 'ntk', inDim: 6, features: 64, seed: 9 })
    const c = randomFeatureMap({ arch, kind: 'ntk', inDim: 6, features: 64, seed: 10 })
    const whole = await a.apply(x, 10)
    const parts = [...(await b.apply(x.subarray(0, 36), 6)), ...(await b.apply(x.subarray(36), 4))]
    expect(Array.from(whole)).toEqual(parts)
    const other = await c.apply(x, 10)
    expect(relFro(other, whole)).toBeGreaterThan(0.05)
    expect(whole.length).toBe(10 * a.dim)
    expect(a.dim).toBe(64)
    const before = tf.memory().numTensors
    for (let i = 0; i < 5; i++) await a.apply(x, 10)
    expect(tf.memory().numTensors).toBe(before)
    for (const m of [a, b, c]) m.dispose()
  })
})
