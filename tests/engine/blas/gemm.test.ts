import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { gemm, gemmInfo, initGemm, subtractProductF64 } from '../../../electron/engine/blas/gemm'
import { GEMM_VARIANTS } from '../../../electron/engine/blas/variants'

// The engine's float32 GEMM, both providers, every compiled form, against a float64 loop written here.

let backend = ''
beforeAll(async () => {
  backend = (await initBackend()).active
})
afterAll(async () => {
  await initGemm(backend)
})

function values(len: number, seed: number, shared = false): Float32Array {
  const a = shared ? new Float32Array(new SharedArrayBuffer(len * 4)) : new Float32Array(len)
  for (let i = 0; i < len; i++) a[i] = Math.sin(seed * 1.7 + i * 0.61) * (1 + (i % 7) / 7)
  return a
}

/** Y = α·op(A)·op(B) + β·C in float64, from the definition */
function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number, transA: boolean, transB: boolean, alpha: number, c?: Float32Array): Float64Array {
  const y = new Float64Array(m * n)
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let q = 0; q < k; q++) s += a[transA ? q * m + i : i * k + q]! * b[transB ? j * k + q : q * n + j]!
      y[i * n + j] = alpha * s + (c ? c[i * n + j]! : 0)
    }
  return y
}

/** largest error relative to k·max|a|·max|b| (the float32 rounding bound's scale) */
function relError(y: Float32Array, ref: Float64Array, k: number): number {
  let e = 0
  for (let i = 0; i < ref.length; i++) e = Math.max(e, Math.abs(y[i]! - ref[i]!))
  return e / Math.max(1, k * 4)
}

const SHAPES = [
  { m: 1, k: 1, n: 1 },
  { m: 37, k: 53, n: 29 },
  { m: 130, k: 257, n: 65 },
  { m: 3, k: 0, n: 4 },
]

for (const provider of ['mlas', 'tfjs'] as const) {
  describe(`gemm on ${provider}`, () => {
    beforeAll(async () => {
      const got = await initGemm(backend, provider)
      // mlas needs onnxruntime-node; where it cannot load, the tfjs fallback says why and runs the same cases
      if (provider === 'mlas' && got.provider !== 'mlas') console.warn(`gemm: mlas unavailable here (${got.reason}); its cases ran on tfjs`)
    })

    it('computes every form to float32 accuracy', () => {
      for (const v of GEMM_VARIANTS)
        for (const { m, k, n } of SHAPES) {
          const a = values(m * k, 1)
          const b = values(k * n, 2)
          const c = v.beta ? values(m * n, 3) : undefined
          const y = gemm(a, b, { m, k, n }, { transA: v.transA, transB: v.transB, alpha: v.alpha, c })
          expect(y.length).toBe(m * n)
          expect(relError(y, reference(a, b, m, k, n, v.transA, v.transB, v.alpha, c), k), `${v.key} ${m}×${k}×${n}`).toBeLessThan(1e-6)
        }
    })

    it('reads shared memory and subarray views, writes into out, and handles out aliasing c', () => {
      const m = 40, k = 33, n = 24
      const bigA = values(m * k + 50, 4, true)
      const a = bigA.subarray(50)
      const b = values(k * n, 5, true)
      const c = values(m * n, 6, true)
      const ref = reference(a, b, m, k, n, false, true, -1, c)
      const out = new Float32Array(new SharedArrayBuffer(m * n * 4))
      expect(gemm(a, b, { m, k, n }, { transB: true, alpha: -1, c, out })).toBe(out)
      expect(relError(out, ref, k)).toBeLessThan(1e-6)
      const inPlace = c.slice()
      gemm(a, b, { m, k, n }, { transB: true, alpha: -1, c: inPlace, out: inPlace })
      expect(Array.from(inPlace)).toEqual(Array.from(out))
    })

    it('rejects operands that do not hold the shape', () => {
      expect(() => gemm(new Float32Array(5), new Float32Array(6), { m: 2, k: 3, n: 2 })).toThrow(/2×3 and 3×2 need 6 and 6/)
      expect(() => gemm(new Float32Array(6), new Float32Array(6), { m: 2, k: 3, n: 2 }, { alpha: -1 })).toThrow(/needs c/)
    })
  })
}

describe('mlas', () => {
  it('gives the same bits on one thread and on all, run after run', async () => {
    const got = await initGemm(backend, 'mlas')
    if (got.provider !== 'mlas') return expect(got.reason).toMatch(/onnxruntime-node/)
    const m = 300, k = 200, n = 260
    const a = values(m * k, 7)
    const b = values(k * n, 8)
    const one = gemm(a, b, { m, k, n })
    const all = gemm(a, b, { m, k, n }, { parallel: true })
    const again = gemm(a, b, { m, k, n }, { parallel: true })
    expect(Buffer.from(all.buffer).equals(Buffer.from(one.buffer))).toBe(true)
    expect(Buffer.from(again.buffer).equals(Buffer.from(one.buffer))).toBe(true)
    expect(gemmInfo()).toMatchObject({ provider: 'mlas' })
  })

  it('computes C − A·X in float64 (A float32 widened exactly), the same bits on one thread and on all', async () => {
    const got = await initGemm(backend, 'mlas')
    const m = 70, k = 301, n = 5
    const a = values(m * k, 9, true)
    const x = Float64Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.37) / 3)
    const c = Float64Array.from({ length: m * n }, (_, i) => Math.sin(i * 1.3))
    const out = new Float64Array(m * n)
    if (got.provider !== 'mlas') return expect(subtractProductF64(a, x, c, { m, k, n }, out)).toBe(false)
    expect(subtractProductF64(a, x, c, { m, k, n }, out)).toBe(true)
    // float64 loop: the products of float32 and float64 values in double, summed in double
    let err = 0
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0
        for (let q = 0; q < k; q++) s += a[i * k + q]! * x[q * n + j]!
        err = Math.max(err, Math.abs(out[i * n + j]! - (c[i * n + j]! - s)))
      }
    // float64 rounding (k · 2⁻⁵³ · Σ|a||x| ≲ 10⁻¹³ here), far below float32's 10⁻⁷
    expect(err).toBeLessThan(1e-12)
    const all = new Float64Array(m * n)
    subtractProductF64(a, x, c, { m, k, n }, all, true)
    expect(Buffer.from(all.buffer).equals(Buffer.from(out.buffer))).toBe(true)
  })

  it('is not used when tfjs runs on native TensorFlow or a GPU (auto), nor when tfjs is chosen', async () => {
    expect(await initGemm('tensorflow', 'auto')).toMatchObject({ provider: 'tfjs', reason: expect.stringMatching(/tensorflow/) })
    expect(await initGemm('webgpu', 'auto')).toMatchObject({ provider: 'tfjs' })
    expect(await initGemm('wasm', 'tfjs')).toMatchObject({ provider: 'tfjs', reason: 'tfjs chosen' })
  })
})
