import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { eigh } from '../../../electron/engine/linalg/eigh'
import { tridiagEig } from '../../../electron/engine/linalg/tridiag-dc'
import { tql2 } from '../../../electron/engine/linalg/tql2'
import { randomOrthogonal, randomSpd, rng, withSpectrum } from './reference'

beforeAll(async () => {
  await initBackend()
})

/** max |V diag(λ) Vᵀ − A| / max|A| and max |VᵀV − I|, in float64 */
function identities(a: ArrayLike<number>, values: ArrayLike<number>, v: ArrayLike<number>, n: number): { rec: number; orth: number } {
  let amax = 0
  for (let i = 0; i < n * n; i++) amax = Math.max(amax, Math.abs(a[i]!))
  let rec = 0
  let orth = 0
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s1 = 0
      let s2 = 0
      for (let k = 0; k < n; k++) {
        s1 += v[i * n + k]! * values[k]! * v[j * n + k]!
        s2 += v[k * n + i]! * v[k * n + j]!
      }
      rec = Math.max(rec, Math.abs(s1 - a[i * n + j]!))
      orth = Math.max(orth, Math.abs(s2 - (i === j ? 1 : 0)))
    }
  return { rec: rec / (amax || 1), orth }
}

describe('symmetric eigendecomposition', () => {
  for (const n of [1, 2, 3, 31, 65, 150]) {
    it(`V diag(λ) Vᵀ = A and VᵀV = I, ascending λ (n = ${n})`, async () => {
      const a = Float32Array.from(randomSpd(n, 100 + n, 0.1, Math.max(1, n >> 1)))
      const before = tf.memory().numTensors
      const r = await eigh(a, n)
      expect(tf.memory().numTensors).toBe(before)
      const { rec, orth } = identities(a, r.values, r.vectors, n)
      expect(rec).toBeLessThan(2e-6)
      expect(orth).toBeLessThan(2e-6)
      for (let i = 1; i < n; i++) expect(r.values[i]!).toBeGreaterThanOrEqual(r.values[i - 1]!)
      let tr = 0
      let sum = 0
      for (let i = 0; i < n; i++) {
        tr += a[i * n + i]!
        sum += r.values[i]!
      }
      expect(Math.abs(sum - tr) / tr).toBeLessThan(1e-6)
    })
  }

  it('recovers a known spectrum with repeated and indefinite eigenvalues (deflation)', async () => {
    const n = 120
    const lam = Array.from({ length: n }, (_, i) => (i < 40 ? 1 : i < 80 ? -2 : 5 + i / 10))
    const a = Float32Array.from(withSpectrum(randomOrthogonal(n, 3), lam, n))
    const r = await eigh(a, n)
    const sorted = [...lam].sort((x, y) => x - y)
    for (let i = 0; i < n; i++) expect(Math.abs(r.values[i]! - sorted[i]!)).toBeLessThan(1e-5 * 17)
    const { rec, orth } = identities(a, r.values, r.vectors, n)
    expect(rec).toBeLessThan(2e-6)
    expect(orth).toBeLessThan(2e-6)
  })

  it('divide and conquer on tridiagonals matches QL in float64 (random, Toeplitz, graded)', () => {
    const n = 300
    const r = rng(5)
    const cases: [Float64Array, Float64Array][] = [
      [Float64Array.from({ length: n }, () => r()), Float64Array.from({ length: n - 1 }, () => r())],
      [new Float64Array(n).fill(2), new Float64Array(n - 1).fill(-1)],
      [Float64Array.from({ length: n }, (_, i) => 10 ** (-6 * (i / n))), new Float64Array(n - 1).fill(1e-7)],
    ]
    for (const [d, e] of cases) {
      const dc = tridiagEig(d, e, Infinity) // float64 merges throughout
      const ql = tql2(d, e)
      let tn = 0
      for (let i = 0; i < n; i++) tn = Math.max(tn, Math.abs(d[i]!) + 2 * Math.abs(e[i] ?? 0))
      for (let i = 0; i < n; i++) expect(Math.abs(dc.values[i]! - ql.values[i]!)).toBeLessThan(1e-13 * tn)
      // T v = λ v and orthogonality in float64 (merges this small stay in float64)
      let res = 0
      let orth = 0
      for (let c = 0; c < n; c++)
        for (let i = 0; i < n; i++) {
          const v = dc.vectors
          const tv = d[i]! * v[i * n + c]! + (i > 0 ? e[i - 1]! * v[(i - 1) * n + c]! : 0) + (i < n - 1 ? e[i]! * v[(i + 1) * n + c]! : 0)
          res = Math.max(res, Math.abs(tv - dc.values[c]! * v[i * n + c]!))
        }
      for (let a = 0; a < n; a += 7)
        for (let b = 0; b < n; b++) {
          let s = 0
          for (let i = 0; i < n; i++) s += dc.vectors[i * n + a]! * dc.vectors[i * n + b]!
          orth = Math.max(orth, Math.abs(s - (a === b ? 1 : 0)))
        }
      expect(res / tn).toBeLessThan(1e-13)
      expect(orth).toBeLessThan(1e-12)
    }
  })

  it('large merges on tfjs (float32) keep T v = λ v and orthogonality at float32 level', () => {
    const n = 400
    const r = rng(6)
    const d = Float64Array.from({ length: n }, () => 2 + r())
    const e = Float64Array.from({ length: n - 1 }, () => 1 + 0.1 * r()) // little deflation
    const dc = tridiagEig(d, e)
    const v = dc.vectors
    let res = 0
    let orth = 0
    for (let c = 0; c < n; c += 3)
      for (let i = 0; i < n; i++) {
        const tv = d[i]! * v[i * n + c]! + (i > 0 ? e[i - 1]! * v[(i - 1) * n + c]! : 0) + (i < n - 1 ? e[i]! * v[(i + 1) * n + c]! : 0)
        res = Math.max(res, Math.abs(tv - dc.values[c]! * v[i * n + c]!))
      }
    for (let a = 0; a < n; a += 9)
      for (let b = 0; b < n; b++) {
        let s = 0
        for (let i = 0; i < n; i++) s += v[i * n + a]! * v[i * n + b]!
        orth = Math.max(orth, Math.abs(s - (a === b ? 1 : 0)))
      }
    expect(res / 4.5).toBeLessThan(5e-6)
    expect(orth).toBeLessThan(5e-6)
  })
})
