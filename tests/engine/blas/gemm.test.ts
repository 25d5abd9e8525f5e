import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { gemm, gemmInfo, initGemm, subtractProductF64 } from '../../../electron/engine/blas/gemm'
import { GEMM_VARIANTS } from '../../../electron/engine/blas/variants'
import { gemmModelBytes } from '../../../electron/engine/blas/gemm-model'
import { attrOf, decodeModel, floatAttr, intAttr } from '../../../electron/engine/io/onnx-proto'

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
      // out over an operand (X ← X·B with B square): the product is of the old X, not of what was written
      const sq = values(k * k, 7)
      const x0 = values(m * k, 8)
      const expected = reference(x0, sq, m, k, k, false, false, 1)
      const xInPlace = x0.slice()
      gemm(xInPlace, sq, { m, k, n: k }, { out: xInPlace })
      expect(relError(xInPlace, expected, k)).toBeLessThan(1e-6)
    })

    it('rejects operands that do not hold the shape', () => {
      expect(() => gemm(new Float32Array(5), new Float32Array(6), { m: 2, k: 3, n: 2 })).toThrow(/2×3 and 3×2 need 6 and 6/)
      expect(() => gemm(new Float32Array(6), new Float32Array(6), { m: 2, k: 3, n: 2 }, { alpha: -1 })).toThrow(/needs c/)
    })
  })
}

describe('the Gemm models', () => {
  // written byte by byte (blas/gemm-model.ts); read back here with protobufjs and the official ONNX schema
  it('decode under the ONNX schema to the Gemm each form means', () => {
    for (const v of GEMM_VARIANTS) {
      const m = decodeModel(gemmModelBytes(v))
      expect(m.irVersion).toBe(7)
      expect(m.opsetImport).toEqual([expect.objectContaining({ version: 13 })])
      const [node] = m.graph.node
      expect(m.graph.node).toHaveLength(1)
      expect(node).toMatchObject({ opType: 'Gemm', input: v.beta ? ['a', 'b', 'c'] : ['a', 'b'], output: ['y'] })
      expect([intAttr(node!, 'transA', -1), intAttr(node!, 'transB', -1)]).toEqual([v.transA ? 1 : 0, v.transB ? 1 : 0])
      expect([floatAttr(node!, 'alpha', 0), floatAttr(node!, 'beta', -1)]).toEqual([v.alpha, v.beta])
      expect(attrOf(node!, 'alpha')?.type).toBe(1)
      expect(m.graph.input.map((i) => i.name)).toEqual(node!.input)
      expect(m.graph.input.every((i) => i.type?.tensorType?.elemType === 1 && i.type.tensorType.shape?.dim.length === 2)).toBe(true)
      expect(m.graph.output[0]).toMatchObject({ name: 'y', type: { tensorType: { elemType: 1 } } })
    }
  })
})

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
    // ONNX Runtime's telemetry was turned off before it loaded (nobody here set the variable otherwise)
    expect(process.env.ORT_DISABLE_TELEMETRY).toBe('1')
  })

  // MLAS's thread split can change its summation blocks; blas/mlas.ts runs such shapes on one thread. Shapes
  // around every bound of that rule, each form: `parallel` must give the one-thread bytes.
  it('gives the one-thread bytes with parallel at every shape, whatever MLAS would split', async () => {
    const got = await initGemm(backend, 'mlas')
    if (got.provider !== 'mlas') return expect(got.reason).toMatch(/onnxruntime-node/)
    const dims = { m: [1, 2, 3, 8, 64, 100, 400], k: [100, 128, 129, 300, 784], n: [1, 2, 16, 64, 96, 129, 144, 160, 192, 256] }
    let compared = 0
    for (const v of GEMM_VARIANTS.filter((x) => x.beta === 0))
      for (const m of dims.m)
        for (const k of dims.k)
          for (const n of dims.n) {
            const a = values(m * k, m + k)
            const b = values(k * n, n)
            const one = gemm(a, b, { m, k, n }, { transA: v.transA, transB: v.transB })
            const all = gemm(a, b, { m, k, n }, { transA: v.transA, transB: v.transB, parallel: true })
            compared++
            if (!Buffer.from(all.buffer).equals(Buffer.from(one.buffer))) throw new Error(`${v.key} ${m}×${k}×${n}: parallel differs from one thread`)
          }
    expect(compared).toBe(4 * 7 * 5 * 10)
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
    // the refinement's shapes (row bands of A against 1–10 right-hand sides) and narrow edges: same bits on all
    for (const [m2, k2, n2] of [[256, 4000, 10], [256, 4000, 1], [3, 500, 10], [1, 700, 4], [40, 129, 64]] as const) {
      const a2 = values(m2 * k2, m2 + n2)
      const x2 = Float64Array.from({ length: k2 * n2 }, (_, i) => Math.cos(i * 0.11))
      const c2 = new Float64Array(m2 * n2)
      const one = new Float64Array(m2 * n2)
      const many = new Float64Array(m2 * n2)
      subtractProductF64(a2, x2, c2, { m: m2, k: k2, n: n2 }, one)
      subtractProductF64(a2, x2, c2, { m: m2, k: k2, n: n2 }, many, true)
      expect(Buffer.from(many.buffer).equals(Buffer.from(one.buffer)), `${m2}×${k2}×${n2}`).toBe(true)
    }
  })

  it('is not used when tfjs runs on native TensorFlow or a GPU (auto), nor when tfjs is chosen', async () => {
    expect(await initGemm('tensorflow', 'auto')).toMatchObject({ provider: 'tfjs', reason: expect.stringMatching(/tensorflow/) })
    expect(await initGemm('webgpu', 'auto')).toMatchObject({ provider: 'tfjs' })
    expect(await initGemm('wasm', 'tfjs')).toMatchObject({ provider: 'tfjs', reason: 'tfjs chosen' })
  })
})
