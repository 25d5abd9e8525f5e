import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { gemm } from '../../../electron/engine/blas/gemm'
import { forwardArrays } from '../../../electron/engine/nn/forward-arrays'
import { arrayActivation } from '../../../electron/engine/nn/mlp'
import { sensitivityArrays } from '../../../electron/engine/nn/sensitivities-arrays'
import type { DenseWeights } from '../../../electron/engine/nn/weights'
import { testInputs } from './f64-mlp'

// The array passes apply ReLU and its mask through the float32 bits instead of a branch; these tests pin them
// to `v > 0 ? v : 0` and `h > 0 ? g : 0` on the same GEMM products, value for value (signed zeros included).

beforeAll(async () => {
  await initBackend()
})

const same = (a: Float32Array, b: Float32Array): number => {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i
  return -1
}

function layer(nIn: number, nOut: number, seed: number, wScale: number, bias: number[] | null): DenseWeights {
  return { w: Float32Array.from(testInputs(nIn, nOut, seed)), b: bias ? Float32Array.from(bias) : null, nIn, nOut, wScale, bScale: 0.5 }
}

describe('ReLU on arrays', () => {
  it('the forward pass gives max(wScale·z + bScale·b, 0) of the stored float32, +0 for negatives, −0 and underflows', () => {
    const rows = 7
    // column 0: bias −0 on an exact zero product (the sum is −0); column 1: a negative value so small it rounds to −0
    const l0 = layer(3, 5, 2, 0.7, [-0, -1.4e-45, 0.25, -0.4, 0])
    const x = Float32Array.from(testInputs(rows, 3, 4))
    for (let j = 0; j < 3; j++) x[j] = 0
    const fw = forwardArrays([l0, layer(5, 2, 3, 1, null)], arrayActivation({ name: 'relu' }), x, rows)
    const z = gemm(x, l0.w, { m: rows, k: 3, n: 5 })
    const want = new Float32Array(rows * 5)
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < 5; c++) {
        const v = l0.wScale * z[r * 5 + c]! + l0.bScale * l0.b![c]!
        want[r * 5 + c] = v > 0 ? v : 0
      }
    expect(same(fw.inputs[1]!, want)).toBe(-1)
    expect(Object.is(fw.inputs[1]![0], 0)).toBe(true)
    expect(fw.inputs[1]!.some((v) => v > 0)).toBe(true)
  })

  it('the sensitivities are masked by [h > 0] as a branch would', () => {
    const rows = 9
    const layers = [layer(4, 6, 5, 0.9, [0.1, -0.2, 0.3, -0.1, 0, 0.2]), layer(6, 6, 6, 0.8, null), layer(6, 1, 7, 1.1, null)]
    const x = Float32Array.from(testInputs(rows, 4, 8))
    const fw = forwardArrays(layers, arrayActivation({ name: 'relu' }), x, rows)
    const h1 = fw.inputs[1]!.slice()
    const h2 = fw.inputs[2]!.slice()
    const got: Float32Array[] = []
    for (const [, g] of sensitivityArrays(layers, fw)) got.push(g.slice())
    // G_1 = top ⊙ [h2 > 0];  G_0 = (wScale_1 · G_1 W_1ᵀ) ⊙ [h1 > 0]
    const top = Float32Array.from({ length: 6 }, (_, j) => layers[2]!.wScale * layers[2]!.w[j]!)
    const g1 = Float32Array.from({ length: rows * 6 }, (_, i) => (h2[i]! > 0 ? top[i % 6]! : 0))
    const p = gemm(g1, layers[1]!.w, { m: rows, k: 6, n: 6 }, { transB: true })
    const g0 = Float32Array.from({ length: rows * 6 }, (_, i) => (h1[i]! > 0 ? layers[1]!.wScale * p[i]! : 0))
    expect(got.length).toBe(2)
    expect(same(got[0]!, g1)).toBe(-1)
    expect(same(got[1]!, g0)).toBe(-1)
    expect(g1.some((v) => v === 0) && g1.some((v) => v !== 0)).toBe(true)
  })
})
