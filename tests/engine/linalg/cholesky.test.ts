import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { cholesky } from '../../../electron/engine/linalg/cholesky'
import { refinedSolve } from '../../../electron/engine/linalg/refine'
import { factorSpd } from '../../../electron/engine/linalg/spd'
import { cholSolveInPlace, forwardInPlace, forwardSolveMany } from '../../../electron/engine/linalg/triangular'
import { UserError } from '../../../shared/errors'
import { matmulF64, randomOrthogonal, randomSpd, relErr, rng, solveF64, withSpectrum } from './reference'

beforeAll(async () => {
  await initBackend()
})

describe('blocked Cholesky (float32 factor)', () => {
  for (const [n, bs] of [[1, 8], [7, 8], [16, 8], [17, 8], [100, 32], [129, 128], [300, 128]] as const) {
    it(`L Lᵀ reproduces A for n = ${n}, block ${bs}`, async () => {
      const a64 = randomSpd(n, n + 1, 0.5)
      const a = Float32Array.from(a64)
      const tensorsBefore = tf.memory().numTensors
      const f = await cholesky(a, n, { blockSize: bs })
      expect(tf.memory().numTensors).toBe(tensorsBefore)
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(f.l[i * n + j]).toBe(0)
      const lt = new Float64Array(n * n)
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) lt[j * n + i] = f.l[i * n + j]!
      expect(relErr(matmulF64(f.l, lt, n, n, n), a64)).toBeLessThan(1e-6)
    })
  }

  it('solves agree with a float64 elimination; refinement reaches ~1e-10 on well-conditioned systems', async () => {
    for (const [n, k] of [[130, 1], [257, 3]] as const) {
      const a64 = Float64Array.from(Float32Array.from(randomSpd(n, 7 * n, 1)))
      const a = Float32Array.from(a64)
      const r = rng(n)
      const b = Float64Array.from({ length: n * k }, () => r())
      const exact = solveF64(a64, b, n, k)
      const f = await cholesky(a, n, { blockSize: 64 })
      const plain = Float64Array.from(b)
      cholSolveInPlace(f, plain, k)
      expect(relErr(plain, exact)).toBeLessThan(1e-4)
      expect(relErr(plain, exact)).toBeGreaterThan(1e-12) // the float32 factor alone is not float64-accurate
      const ref = await refinedSolve(a, f, b, k)
      expect(ref.relResidual).toBeLessThan(1e-10)
      expect(ref.initialRelResidual).toBeGreaterThan(1e-9)
      expect(relErr(ref.x, exact)).toBeLessThan(1e-10)
    }
  })

  it('the shift is applied in float64: (A + εI) x = b', async () => {
    const n = 90
    const a64 = Float64Array.from(Float32Array.from(randomSpd(n, 3, 0.1)))
    const eps = 0.37
    const shifted = Float64Array.from(a64)
    for (let i = 0; i < n; i++) shifted[i * n + i] = shifted[i * n + i]! + eps
    const b = Float64Array.from({ length: n }, (_, i) => Math.sin(i))
    const f = await cholesky(Float32Array.from(a64), n, { shift: eps, blockSize: 32 })
    const s = await refinedSolve(Float32Array.from(a64), f, b, 1)
    expect(relErr(s.x, solveF64(shifted, b, n, 1))).toBeLessThan(1e-11)
  })

  it('refinement clearly improves an ill-conditioned system (cond 1e5)', async () => {
    const n = 120
    const q = randomOrthogonal(n, 11)
    const lam = Array.from({ length: n }, (_, i) => 10 ** (-5 * (i / (n - 1))))
    const a32 = Float32Array.from(withSpectrum(q, lam, n))
    const a64 = Float64Array.from(a32)
    const b = Float64Array.from({ length: n }, (_, i) => Math.cos(3 * i))
    const exact = solveF64(a64, b, n, 1)
    const f = await cholesky(a32, n, { blockSize: 32 })
    const s = await refinedSolve(a32, f, b, 1)
    expect(s.relResidual).toBeLessThan(s.initialRelResidual / 100)
    const plain = Float64Array.from(b)
    cholSolveInPlace(f, plain, 1)
    expect(relErr(s.x, exact)).toBeLessThan(relErr(plain, exact) / 10)
  })

  it('blocked forward solve with many right-hand sides equals the float64 substitution', async () => {
    const n = 300
    const m = 37
    const a = Float32Array.from(randomSpd(n, 5, 1))
    const f = await cholesky(a, n)
    const r = rng(9)
    const b = Float32Array.from({ length: n * m }, () => r())
    const before = tf.memory().numTensors
    const y = forwardSolveMany(f, b, m, 64)
    expect(tf.memory().numTensors).toBe(before)
    const ref = Float64Array.from(b)
    forwardInPlace(f, ref, m)
    expect(relErr(y, ref)).toBeLessThan(1e-5)
  })
})

describe('non-PSD and singular kernels', () => {
  it('an indefinite matrix raises a UserError whose suggested --diag-reg works', async () => {
    const n = 60
    const q = randomOrthogonal(n, 2)
    const lam = Array.from({ length: n }, (_, i) => (i === n - 1 ? -0.05 : 1 + i / n))
    const a = Float32Array.from(withSpectrum(q, lam, n))
    const err = await factorSpd(a, n, 0, { blockSize: 16 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UserError)
    const ue = err as UserError
    expect(ue.code).toBe('kernel_singular')
    expect(ue.message).toMatch(/not positive definite/)
    const m = /--diag-reg ([0-9.e+-]+)/.exec(ue.hint ?? '')
    expect(m).not.toBeNull()
    // a number a user can type: at most 3 significant digits, no float noise like 0.000009999999999999999
    expect(m![1]!.replace(/e.*$/, '').replace(/^0\.0*/, '').replace('.', '').length).toBeLessThanOrEqual(3)
    const reg = Number(m![1])
    let mean = 0
    for (let i = 0; i < n; i++) mean += a[i * n + i]! / n
    expect(reg * mean).toBeGreaterThan(0.05) // must at least cover the negative eigenvalue
    await expect(factorSpd(a, n, reg, { blockSize: 16 })).resolves.toBeDefined()
  })

  it('a rank-deficient PSD matrix (duplicate points) is reported with a fix, not NaN', async () => {
    const n = 50
    const a64 = randomSpd(n, 4, 0, 10) // rank 10
    const a = Float32Array.from(a64)
    const err = (await factorSpd(a, n, 0).catch((e: unknown) => e)) as UserError
    expect(err).toBeInstanceOf(UserError)
    const text = /--diag-reg ([0-9.e+-]+)/.exec(err.hint ?? '')![1]!
    expect(text.replace(/e.*$/, '').replace(/^0\.0*/, '').replace('.', '').length).toBeLessThanOrEqual(3)
    const reg = Number(text)
    expect(reg).toBeGreaterThan(0)
    expect(reg).toBeLessThan(1e-2)
    const f = await factorSpd(a, n, reg)
    expect(f.l.every(Number.isFinite)).toBe(true)
  })
})
