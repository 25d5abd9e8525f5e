import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { cholesky, PivotError } from '../../../electron/engine/linalg/cholesky'
import { pcgSolve, solveShifted } from '../../../electron/engine/linalg/pcg'
import { UserError } from '../../../shared/errors'
import { matmulF64, randomOrthogonal, relErr, rng, solveF64, withSpectrum } from './reference'

beforeAll(async () => {
  await initBackend()
})

/** A float32 PSD matrix with eigenvalues 10^(−decades·i/n) (float64 spectrum, rounded), and B (n×k). */
function illConditioned(n: number, k: number, decades: number, seed: number): { a: Float32Array; a64: Float64Array; b: Float64Array } {
  const lam = Array.from({ length: n }, (_, i) => 10 ** ((-decades * i) / (n - 1)))
  const a = Float32Array.from(withSpectrum(randomOrthogonal(n, seed), lam, n))
  const r = rng(seed + 1)
  return { a, a64: Float64Array.from(a), b: Float64Array.from({ length: n * k }, () => r()) }
}

/** (A + λI)⁻¹B by float64 elimination on the float32 matrix the solver sees */
function reference(a64: Float64Array, n: number, shift: number, b: Float64Array, k: number): Float64Array {
  const s = Float64Array.from(a64)
  for (let i = 0; i < n; i++) s[i * n + i] = s[i * n + i]! + shift
  return solveF64(s, b, n, k)
}

function residual(a64: Float64Array, n: number, shift: number, x: Float64Array, b: Float64Array, k: number): number {
  const ax = matmulF64(a64, x, n, n, k)
  let num = 0
  let den = 0
  for (let i = 0; i < n * k; i++) {
    num += (b[i]! - ax[i]! - shift * x[i]!) ** 2
    den += b[i]! ** 2
  }
  return Math.sqrt(num / den)
}

describe('preconditioned conjugate gradients on the true system (A + λI)', () => {
  it('solves systems whose float32 Cholesky fails, to a float64 elimination', async () => {
    // more than one 256-row block: the diagonal blocks are factored in float64, the trailing updates in float32
    for (const [n, k, shift] of [[400, 1, 3e-8], [520, 3, 1e-8]] as const) {
      const { a, a64, b } = illConditioned(n, k, 12, n)
      await expect(cholesky(a, n, { shift })).rejects.toBeInstanceOf(PivotError)
      const before = tf.memory().numTensors
      const s = await solveShifted(a, n, shift, b, k, { tol: 1e-8 })
      expect(tf.memory().numTensors).toBe(before)
      expect(s.factor).toBeNull()
      expect(s.factorShift).toBeGreaterThan(shift)
      expect(s.converged).toBe(true)
      expect(s.relResidual).toBeLessThanOrEqual(1e-8)
      // the reported residual is the true one, recomputed here independently
      expect(residual(a64, n, shift, s.x, b, k)).toBeLessThan(1.01e-8)
      // cond(A + λI) ≈ 1/λ ≈ 10⁸: forward error ≲ cond · residual; a float32 solve could not get one digit
      expect(relErr(s.x, reference(a64, n, shift, b, k))).toBeLessThan(1e-3)
    }
  })

  it('uses the factor of the true system itself when float32 can form it (refinement, no CG)', async () => {
    const n = 120
    const { a, a64, b } = illConditioned(n, 2, 3, 7)
    const s = await solveShifted(a, n, 1e-3, b, 2)
    expect(s.factorShift).toBe(1e-3)
    expect(s.factor).not.toBeNull()
    expect(s.relResidual).toBeLessThan(1e-10)
    expect(relErr(s.x, reference(a64, n, 1e-3, b, 2))).toBeLessThan(1e-10)
  })

  it('PCG with a factor at 10× the shift needs about √10 · ln(2/tol)/2 iterations, far fewer than plain CG', async () => {
    const n = 150
    const shift = 1e-4
    const { a, a64, b } = illConditioned(n, 1, 8, 3)
    const pre = await cholesky(a, n, { shift: 10 * shift })
    const s = await pcgSolve(a, n, shift, pre, b, 1, { tol: 1e-10 })
    expect(s.converged).toBe(true)
    expect(s.iterations).toBeLessThanOrEqual(Math.ceil((Math.sqrt(10) / 2) * Math.log(2e10)) + 5)
    expect(relErr(s.x, reference(a64, n, shift, b, 1))).toBeLessThan(1e-6)
    // an identity "preconditioner" (the factor of I, via a zero matrix at shift 1) is plain CG: it stalls here
    const plain = await pcgSolve(a, n, shift, await cholesky(new Float32Array(n * n), n, { shift: 1 }), b, 1, { tol: 1e-10, maxIter: 40 })
    expect(plain.converged).toBe(false)
    expect(plain.relResidual).toBeGreaterThan(1e-8)
  })

  it('a zero right-hand side column stays zero and the others still converge', async () => {
    const n = 100
    const { a, a64, b } = illConditioned(n, 2, 6, 11)
    for (let i = 0; i < n; i++) b[i * 2 + 1] = 0
    const s = await solveShifted(a, n, 1e-7, b, 2)
    for (let i = 0; i < n; i++) expect(s.x[i * 2 + 1]).toBe(0)
    expect(residual(a64, n, 1e-7, s.x, b, 2)).toBeLessThan(1e-9)
  })

  it('no ridge on a singular matrix, or an indefinite one, is a clear error naming the flag', async () => {
    const n = 60
    const lam = Array.from({ length: n }, (_, i) => (i < n / 2 ? 1 : 0))
    const singular = Float32Array.from(withSpectrum(randomOrthogonal(n, 5), lam, n))
    const b = Float64Array.from({ length: n }, (_, i) => Math.sin(i))
    const e1 = await solveShifted(singular, n, 0, b, 1, { what: 'the test kernel', diagReg: 0 }).catch((e: unknown) => e)
    expect(e1).toBeInstanceOf(UserError)
    expect((e1 as UserError).code).toBe('kernel_singular')
    expect((e1 as UserError).message).toMatch(/the test kernel/)
    expect((e1 as UserError).hint).toMatch(/--diag-reg 1e-6/)
    // eigenvalues down to −0.5: A + 10⁻³I is indefinite, no shifted factor up to 10× helps and CG breaks down
    const indefinite = Float32Array.from(withSpectrum(randomOrthogonal(n, 6), lam.map((v, i) => (i === n - 1 ? -0.5 : v)), n))
    const e2 = await solveShifted(indefinite, n, 1e-3, b, 1, { diagReg: 1e-3, maxRatio: 10 }).catch((e: unknown) => e)
    expect(e2).toBeInstanceOf(UserError)
    expect((e2 as UserError).code).toBe('kernel_singular')
    expect((e2 as UserError).hint).toMatch(/--diag-reg 0\.01/)
  })
})
