import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { initGemm } from '../../../electron/engine/blas/gemm'
import { cholesky, type CholWorkerPool } from '../../../electron/engine/linalg/cholesky'
import { refinedSolve } from '../../../electron/engine/linalg/refine'
import { factorSpd } from '../../../electron/engine/linalg/spd'
import { scratchBytes } from '../../../electron/engine/linalg/chol-units'
import { cholWorkers } from '../../../electron/engine/ntk/cholesky-lanes'
import { shutdownKernelWorkers } from '../../../electron/engine/ntk/pool'
import { UserError } from '../../../shared/errors'
import { matmulF64, randomOrthogonal, randomSpd, relErr, rng, solveF64, withSpectrum } from './reference'

// The right-looking Cholesky whose panel and update units run on the kernel worker threads: checked against
// a float64 brute force, for identical bytes at every thread count, and for a clean failure on bad input.

let backend = ''
beforeAll(async () => {
  backend = (await initBackend()).active
})
afterAll(async () => {
  await shutdownKernelWorkers()
})

/** textbook float64 Cholesky–Banachiewicz (lower), independent of the engine code */
function cholF64(a: ArrayLike<number>, n: number): Float64Array {
  const l = new Float64Array(n * n)
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!
      l[i * n + j] = i === j ? Math.sqrt(s) : s / l[j * n + j]!
    }
  return l
}

/** the engine's pool, counting the units its lanes computed (so a test knows the workers took part) */
function countingPool(): { pool: CholWorkerPool; units: () => number } {
  const inner = cholWorkers()
  if (!inner) throw new Error(`no Cholesky workers on backend ${backend} (worker bundle missing?)`)
  let units = 0
  return {
    units: () => units,
    pool: {
      open(count, shared) {
        const opened = inner.open(count, shared)
        return {
          close: opened.close,
          lanes: opened.lanes.map((l) => ({
            ready: l.ready,
            run: async (u) => {
              await l.run(u)
              units++
            },
          })),
        }
      },
    },
  }
}

describe('blocked right-looking Cholesky on worker threads', () => {
  it('gives the same bytes on 1, 2 and 3 threads, and the workers take part', async () => {
    const n = 515 // 17 block columns of 32, the last one 3 wide
    const a = Float32Array.from(randomSpd(n, 21, 0.5))
    const { pool, units } = countingPool()
    // start the two workers first (a cold one takes seconds on a loaded machine and only joins once ready)
    const warm = cholWorkers()!.open(2, { n: 64, bs: 32, w: new SharedArrayBuffer(64 * 64 * 4), scratch: new SharedArrayBuffer(scratchBytes(64, 32)) })
    await Promise.all(warm.lanes.map((l) => l.ready))
    await warm.close(true)
    const one = await cholesky(a, n, { blockSize: 32, threads: 1, workers: pool })
    expect(units()).toBe(0)
    let laned = one
    for (const threads of [2, 3, 2]) {
      const f = (laned = await cholesky(a, n, { blockSize: 32, threads, workers: pool }))
      expect(Buffer.from(f.l.buffer, f.l.byteOffset, f.l.byteLength).equals(Buffer.from(one.l.buffer, one.l.byteOffset, one.l.byteLength))).toBe(true)
    }
    expect(units()).toBeGreaterThan(0)
    // no lanes, more than one thread: this thread's GEMMs on every core (what a solve does on MLAS)
    const alone = await cholesky(a, n, { blockSize: 32, threads: 2 })
    expect(Buffer.from(alone.l.buffer, alone.l.byteOffset, alone.l.byteLength).equals(Buffer.from(one.l.buffer, one.l.byteOffset, one.l.byteLength))).toBe(true)
    // the refinement: native on MLAS (the calling thread, all cores), else its residual rows and correction
    // columns on the workers (which map a factor that was computed on them: shared memory); either way the
    // same bytes as on one thread
    const k = 4
    const r = rng(77)
    const b = Float64Array.from({ length: n * k }, () => r())
    try {
      for (const provider of ['mlas', 'tfjs'] as const) {
        const got = (await initGemm(backend, provider)).provider
        const alone = await refinedSolve(a, laned, b, k, { threads: 1 })
        const before = units()
        const shared = await refinedSolve(a, laned, b, k, { threads: 2, workers: pool })
        if (got === 'tfjs') expect(units()).toBeGreaterThan(before)
        expect(Buffer.from(shared.x.buffer).equals(Buffer.from(alone.x.buffer))).toBe(true)
        expect(shared.relResidual).toBe(alone.relResidual)
        expect(shared.relResidual).toBeLessThan(1e-12)
        expect(relErr(shared.x, solveF64(Float64Array.from(a), b, n, k))).toBeLessThan(1e-10)
      }
    } finally {
      await initGemm(backend)
    }
  })

  for (const [n, bs] of [[257, 64], [333, 32], [130, 16]] as const) {
    it(`n = ${n}, block ${bs}: L matches a float64 Cholesky, L Lᵀ = A, and the refined solve is float64-accurate`, async () => {
      const a64 = Float64Array.from(Float32Array.from(randomSpd(n, n + 3, 0.3)))
      const a = Float32Array.from(a64)
      const f = await cholesky(a, n, { blockSize: bs, workers: cholWorkers() })
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(f.l[i * n + j]).toBe(0)
      expect(relErr(f.l, cholF64(a64, n))).toBeLessThan(2e-6)
      const lt = new Float64Array(n * n)
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) lt[j * n + i] = f.l[i * n + j]!
      expect(relErr(matmulF64(f.l, lt, n, n, n), a64)).toBeLessThan(1e-6)
      const k = 3
      const r = rng(n)
      const b = Float64Array.from({ length: n * k }, () => r())
      const s = await refinedSolve(a, f, b, k)
      expect(relErr(s.x, solveF64(a64, b, n, k))).toBeLessThan(1e-10)
    })
  }

  it('an indefinite matrix still raises kernel_singular with a working --diag-reg, and the workers stay usable', async () => {
    const n = 200
    const q = randomOrthogonal(n, 5)
    const lam = Array.from({ length: n }, (_, i) => (i === 0 ? -0.2 : 1 + i / n))
    const a = Float32Array.from(withSpectrum(q, lam, n))
    const err = await factorSpd(a, n, 0, { blockSize: 16, workers: cholWorkers() }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UserError)
    expect((err as UserError).code).toBe('kernel_singular')
    const reg = Number(/--diag-reg ([0-9.e+-]+)/.exec((err as UserError).hint ?? '')![1])
    const f = await factorSpd(a, n, reg, { blockSize: 16, workers: cholWorkers() })
    expect(f.l.every(Number.isFinite)).toBe(true)
  })

  it('leaves no tensors behind over repeated factorisations', async () => {
    const n = 160
    const a = Float32Array.from(randomSpd(n, 8, 1))
    const before = tf.memory().numTensors
    for (let i = 0; i < 5; i++) await cholesky(a, n, { blockSize: 16, workers: cholWorkers() })
    expect(tf.memory().numTensors).toBe(before)
  })
})
