import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { gemm, gemmInfo } from '../../../electron/engine/blas/gemm'
import { parallelKeepsBits } from '../../../electron/engine/nn/parallel-gemm'
import { Xoshiro128 } from '../../../electron/engine/core/random'

beforeAll(async () => {
  await initBackend()
})

// The promise the empirical NTK's array passes rely on: where parallelKeepsBits says so, the product on every
// core has the bits of the one-thread product (an `ntkw worker` thread's), whichever provider computes.
describe('parallelKeepsBits', () => {
  it('marks only shapes whose parallel product equals the one-thread product bit for bit', () => {
    const rng = new Xoshiro128(3)
    const shapes: [number, number, number][] = []
    for (const m of [8, 64, 300]) for (const k of [100, 129, 784]) for (const n of [33, 64, 100, 128, 129, 192, 256, 500]) shapes.push([m, k, n])
    // the benchmark's products: forward, backward, Gram blocks of a 3 × 1024 network on 1000 × 784 rows
    shapes.push([1000, 784, 1024], [1000, 1024, 1024], [500, 1024, 500], [500, 784, 500])
    let checked = 0
    for (const [m, k, n] of shapes) {
      for (const transB of [false, true]) {
        if (!parallelKeepsBits({ m, k, n })) continue
        const a = rng.zigguratNormals(m * k)
        const b = rng.zigguratNormals(k * n)
        const one = gemm(a, b, { m, k, n }, { transB })
        const all = gemm(a, b, { m, k, n }, { transB, parallel: true })
        expect(Buffer.from(all.buffer).equals(Buffer.from(one.buffer)), `${m}×${k}×${n}${transB ? 'ᵀ' : ''}`).toBe(true)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(40)
  })

  it('keeps large products on every core and splits of few columns on one', () => {
    expect(parallelKeepsBits({ m: 1000, k: 784, n: 1024 })).toBe(true)
    expect(parallelKeepsBits({ m: 1000, k: 784, n: 64 })).toBe(true) // split by rows
    // 64 columns per thread on two cores (a one-thread provider has nothing to split)
    expect(parallelKeepsBits({ m: 64, k: 784, n: 128 })).toBe(gemmInfo().threads === 1)
  })
})
