import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { initGemm } from '../../../electron/engine/blas/gemm'
import { cholesky } from '../../../electron/engine/linalg/cholesky'
import { blockedCholSolve, blockedFactor } from '../../../electron/engine/linalg/blocked-solve'
import { randomSpd, relErr, rng, solveF64 } from './reference'

// The float32 GEMM-blocked (L Lᵀ)⁻¹ R of the refinement's corrections, on both GEMM providers, against a
// float64 Gaussian elimination of A X = R (written in reference.ts, independent of the engine).

let backend = ''
beforeAll(async () => {
  backend = (await initBackend()).active
})
afterAll(async () => {
  await initGemm(backend)
})

for (const provider of ['mlas', 'tfjs'] as const) {
  describe(`blocked Cholesky solve on ${provider}`, () => {
    for (const [n, bs, k] of [[200, 64, 3], [97, 32, 1], [40, 64, 2]] as const) {
      it(`n = ${n}, block ${bs}, ${k} right-hand sides: float32-accurate solution of A X = R, R untouched`, async () => {
        await initGemm(backend, provider)
        const a64 = Float64Array.from(Float32Array.from(randomSpd(n, n + 11, 0.5)))
        const f = await cholesky(Float32Array.from(a64), n, { blockSize: bs, threads: 1 })
        const bf = blockedFactor(f)!
        const r = rng(n)
        const rhs = Float32Array.from({ length: n * k }, () => r())
        const before = rhs.slice()
        for (const parallel of [false, true]) {
          const x = blockedCholSolve(bf, rhs, k, parallel)
          expect(relErr(x, solveF64(a64, Float64Array.from(rhs), n, k))).toBeLessThan(2e-5)
        }
        expect(Array.from(rhs)).toEqual(Array.from(before))
      })
    }
  })
}
