import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { randomFeatureMap } from '../../../electron/engine/features/random-features'
import { nystromFeatureMap } from '../../../electron/engine/features/nystrom'
import { featureRidge } from '../../../electron/engine/features/ridge'
import { GramAccumulator } from '../../../electron/engine/features/gram-stream'
import { gemmInfo, initGemm } from '../../../electron/engine/blas/gemm'
import { cholesky, PivotError } from '../../../electron/engine/linalg/cholesky'
import { predictInfiniteWidth } from '../../../electron/engine/ntk/predict'
import { FcArch } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'
import { gaussianRows, toMatrix } from '../ntk/analytic-brute-force'
import { matmulF64, relErr, solveF64 } from '../linalg/reference'
import { featuresOf, gram } from './helpers'

beforeAll(async () => {
  await initBackend()
})

const arch = FcArch.parse({ depth: 2, activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.1 })
const n = 40
const mt = 7
const k = 2
const xTrain = gaussianRows(n, 5, 21)
const xTest = gaussianRows(mt, 5, 22)
const y = Float64Array.from({ length: n * k }, (_, i) => Math.sin(i * 0.37) + (i % k))
const yM = { data: Float32Array.from(y), rows: n, cols: k }

/** e^{A} for a small symmetric A in float64: scaling and squaring with a Taylor series. */
function expm(a: Float64Array, size: number): Float64Array {
  let norm = 0
  for (let i = 0; i < size * size; i++) norm = Math.max(norm, Math.abs(a[i]!))
  const s = Math.max(0, Math.ceil(Math.log2(norm * size)) + 1)
  const b = a.map((v) => v / 2 ** s)
  let term: Float64Array = Float64Array.from({ length: size * size }, (_, i) => (i % (size + 1) === 0 ? 1 : 0))
  let sum: Float64Array = Float64Array.from(term)
  for (let j = 1; j < 30; j++) {
    term = matmulF64(term, b, size, size, size).map((v) => v / j)
    sum = sum.map((v, i) => v + term[i]!)
  }
  for (let i = 0; i < s; i++) sum = matmulF64(sum, sum, size, size, size)
  return sum
}

/** Float64 reference of the exact path on Θ̃ = ΦΦᵀ: t = ∞ and gradient flow through e^{−cΘ̃_ε t}. */
function reference(phi: Float64Array, phiT: Float64Array, dim: number, diagReg: number, times?: number[]) {
  const kk = gram(phi, n, dim)
  const kc = new Float64Array(mt * n)
  for (let i = 0; i < mt; i++) for (let j = 0; j < n; j++) {
    let s = 0
    for (let c = 0; c < dim; c++) s += phiT[i * dim + c]! * phi[j * dim + c]!
    kc[i * n + j] = s
  }
  let tr = 0
  for (let i = 0; i < n; i++) tr += kk[i * n + i]!
  const eps = (diagReg * tr) / n
  const ks = kk.map((v, i) => (i % (n + 1) === 0 ? v + eps : v))
  if (!times) {
    const alpha = solveF64(ks, y, n, k)
    const test = matmulF64(kc, alpha, mt, n, k)
    const train = y.map((v, i) => v - eps * alpha[i]!)
    // σ² = ‖φ*‖² − k*ᵀ (K + εI)⁻¹ k*
    const kcT = new Float64Array(n * mt)
    for (let i = 0; i < mt; i++) for (let j = 0; j < n; j++) kcT[j * mt + i] = kc[i * n + j]!
    const w = solveF64(ks, kcT, n, mt)
    const variance = Array.from({ length: mt }, (_, i) => {
      let s = 0
      for (let c = 0; c < dim; c++) s += phiT[i * dim + c]! ** 2
      for (let j = 0; j < n; j++) s -= kc[i * n + j]! * w[j * mt + i]!
      return s
    })
    return { test: [test], train: [train], variance }
  }
  const c = 1 / (n * k)
  const tests: Float64Array[] = []
  const trains: Float64Array[] = []
  for (const t of times) {
    const e = expm(ks.map((v) => -c * t * v), n)
    const ey = matmulF64(e, y, n, n, k)
    const r = y.map((v, i) => v - ey[i]!)
    tests.push(matmulF64(kc, solveF64(ks, r, n, k), mt, n, k))
    trains.push(r)
  }
  return { test: tests, train: trains, variance: [] }
}

describe('kernel regression in feature space', () => {
  it('primal (m×m) and dual (n×n) solvers equal the float64 exact-path reference on Θ̃ = ΦΦᵀ (t = ∞, variance)', async () => {
    for (const features of [16, 64]) {
      const map = randomFeatureMap({ arch, kind: 'ntk', inDim: 5, features, seed: 3 })
      const phi = await featuresOf(map, xTrain)
      const phiT = await featuresOf(map, xTest)
      const ref = reference(phi, phiT, map.dim, 1e-3)
      for (const solver of ['primal', 'dual'] as const) {
        const out = await featureRidge({ map, xTrain: toMatrix(xTrain), yTrain: yM, xTest: toMatrix(xTest), diagReg: 1e-3, learningRate: 1, variance: true, solver })
        expect(out.solver).toBe(solver)
        expect(relErr(out.test, ref.test[0]!)).toBeLessThan(2e-4)
        expect(relErr(out.train, ref.train[0]!)).toBeLessThan(2e-4)
        expect(relErr(out.variance!, ref.variance)).toBeLessThan(2e-3)
      }
      // auto picks the cheaper form
      const auto = await featureRidge({ map, xTrain: toMatrix(xTrain), yTrain: yM, xTest: toMatrix(xTest), diagReg: 1e-3, learningRate: 1, variance: false })
      expect(auto.solver).toBe(map.dim < n ? 'primal' : 'dual')
      map.dispose()
    }
  })

  it('primal at a ridge float32 cannot factor: conjugate gradients on ΦᵀΦ + εI reach the float64 reference; --var says why it cannot follow', async () => {
    const map = randomFeatureMap({ arch, kind: 'ntk', inDim: 5, features: 16, seed: 3 })
    const phi = await featuresOf(map, xTrain)
    const phiT = await featuresOf(map, xTest)
    const diagReg = 1e-7
    // the precondition: the plain float32 Cholesky of ΦᵀΦ + εI fails here
    const acc = new GramAccumulator(map.dim)
    await acc.add(Float32Array.from(phi), n)
    let tr = 0
    for (const v of phi) tr += v * v
    await expect(cholesky(await acc.finish(), map.dim, { shift: (diagReg * tr) / n })).rejects.toBeInstanceOf(PivotError)
    const ref = reference(phi, phiT, map.dim, diagReg)
    const before = tf.memory().numTensors
    const out = await featureRidge({ map, xTrain: toMatrix(xTrain), yTrain: yM, xTest: toMatrix(xTest), diagReg, learningRate: 1, variance: false, solver: 'primal' })
    expect(tf.memory().numTensors).toBe(before)
    expect(out.solve!.relResidual).toBeLessThan(1e-6)
    expect(relErr(out.train, ref.train[0]!)).toBeLessThan(1e-4)
    expect(relErr(out.test, ref.test[0]!)).toBeLessThan(1e-3)
    const err = await featureRidge({ map, xTrain: toMatrix(xTrain), yTrain: yM, xTest: toMatrix(xTest), diagReg, learningRate: 1, variance: true, solver: 'primal' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UserError)
    expect((err as UserError).code).toBe('kernel_singular')
    expect((err as UserError).message).toMatch(/variance/)
    expect((err as UserError).hint).toMatch(/Drop --var/)
    map.dispose()
  })

  it('finite t: the m×m eigendecomposition gives the gradient flow of the exact path (float64 matrix exponential)', async () => {
    const map = randomFeatureMap({ arch, kind: 'ntk', inDim: 5, features: 16, seed: 4 })
    const phi = await featuresOf(map, xTrain)
    const phiT = await featuresOf(map, xTest)
    let tr = 0
    for (const v of phi) tr += v * v
    const scale = (n * k) / tr // t·c·mean eigenvalue ≈ 1 at t = scale
    const times = [0.3 * scale, 3 * scale, 30 * scale]
    const ref = reference(phi, phiT, map.dim, 1e-2, times)
    for (const solver of ['primal', 'dual'] as const) {
      const out = await featureRidge({ map, xTrain: toMatrix(xTrain), yTrain: yM, xTest: toMatrix(xTest), diagReg: 1e-2, learningRate: 1, variance: false, times, solver })
      expect(out.testShape).toEqual([3, mt, k])
      for (let ti = 0; ti < 3; ti++) {
        expect(relErr(out.test.subarray(ti * mt * k, (ti + 1) * mt * k), ref.test[ti]!)).toBeLessThan(5e-4)
        expect(relErr(out.train.subarray(ti * n * k, (ti + 1) * n * k), ref.train[ti]!)).toBeLessThan(5e-4)
      }
    }
    map.dispose()
  })

  it('Nyström with every training point as a landmark reproduces `ntkw predict` (same diag_reg convention)', async () => {
    const narch = FcArch.parse({ depth: 2, activation: { name: 'erf', a: 1, b: 1, c: 0 }, wStd: 1.5, bStd: 0.2 })
    const map = await nystromFeatureMap({ arch: narch, kind: 'ntk', x: toMatrix(xTrain), features: n, seed: 1, workers: 1 })
    const approx = await featureRidge({ map, xTrain: toMatrix(xTrain), yTrain: yM, xTest: toMatrix(xTest), diagReg: 1e-3, learningRate: 1, variance: false })
    const exact = await predictInfiniteWidth({ xTrain: toMatrix(xTrain), yTrain: yM, xTest: toMatrix(xTest), arch: narch, kernel: 'ntk', learningRate: 1, diagReg: 1e-3, variance: false, workers: 1 })
    expect(relErr(approx.test, exact.test)).toBeLessThan(2e-3)
    expect(relErr(approx.train, exact.train)).toBeLessThan(2e-3)
    map.dispose()
  })

  it('ΦᵀΦ from row blocks by upper row bands equals the float64 product on either GEMM provider (partial last band, blocks of any size); two threads give the same bits', async () => {
    const m = 50
    const rowsAll = 37
    const phi = Float32Array.from({ length: rowsAll * m }, (_, i) => Math.sin(i * 0.731) + 0.1 * (i % 7))
    const before = tf.memory().numTensors
    const blocks = [[0, 10], [10, 1], [11, 26]] as const
    const sum = async (acc: GramAccumulator): Promise<Float32Array> => {
      for (const [r0, rows] of blocks) await acc.add(phi.subarray(r0 * m, (r0 + rows) * m), rows)
      return acc.finish()
    }
    const g = await sum(new GramAccumulator(m, 16))
    // the gram worker (bundled by the test setup): here it computes every tile, then it races this thread for them;
    // it runs with tfjs's GEMM only (with MLAS this thread computes each band on every core)
    const threaded = tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu'
    for (const provider of ['mlas', 'tfjs'] as const) {
      await initGemm(tf.getBackend(), provider)
      try {
        const one = await sum(new GramAccumulator(m, 16))
        for (const workerFirst of [true, false]) {
          const two = GramAccumulator.create(m, { threads: 2, tile: 16, workerFirst })
          const withWorker = threaded && gemmInfo().provider === 'tfjs'
          expect(two.threads, provider).toBe(withWorker ? 2 : 1)
          expect(Array.from(await sum(two)), provider).toEqual(Array.from(one))
          if (withWorker && workerFirst) expect(two.workerTiles).toBe(blocks.length * 4)
        }
      } finally {
        await initGemm(tf.getBackend())
      }
    }
    expect(tf.memory().numTensors).toBe(before)
    const ref = new Float64Array(m * m)
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
      let s = 0
      for (let r = 0; r < rowsAll; r++) s += phi[r * m + i]! * phi[r * m + j]!
      ref[i * m + j] = s
    }
    expect(relErr(g, ref)).toBeLessThan(1e-6)
    for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) expect(g[i * m + j]).toBe(g[j * m + i])
    // the other provider (the worker threads follow NTKW_GEMM, so only one thread here)
    const backend = tf.getBackend()
    for (const provider of ['mlas', 'tfjs'] as const) {
      await initGemm(backend, provider)
      try {
        expect(relErr(await sum(new GramAccumulator(m, 16)), ref), provider).toBeLessThan(1e-6)
      } finally {
        await initGemm(backend)
      }
    }
  })

  it('the training features spilled to a temporary file give the same predictions as kept in memory', async () => {
    const map = randomFeatureMap({ arch, kind: 'ntk', inDim: 5, features: 16, seed: 6 })
    const run = (cacheFloats?: number) => featureRidge({ map, xTrain: toMatrix(xTrain), yTrain: yM, xTest: toMatrix(xTest), diagReg: 1e-3, learningRate: 1, variance: false, solver: 'primal', ...(cacheFloats === undefined ? {} : { cacheFloats }) })
    const mem = await run()
    const disk = await run(0)
    expect(Array.from(disk.train)).toEqual(Array.from(mem.train))
    expect(Array.from(disk.test)).toEqual(Array.from(mem.test))
    map.dispose()
  })

  it('a rank-deficient ΦᵀΦ without ridge is a clear error; tensors do not leak', async () => {
    const map = randomFeatureMap({ arch, kind: 'ntk', inDim: 5, features: 32, seed: 5 })
    const few = toMatrix(xTrain.slice(0, 8))
    const before = tf.memory().numTensors
    const err = await featureRidge({ map, xTrain: few, yTrain: { data: yM.data.subarray(0, 16), rows: 8, cols: 2 }, xTest: toMatrix(xTest), diagReg: 0, learningRate: 1, variance: false, solver: 'primal' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UserError)
    expect((err as UserError).code).toBe('kernel_singular')
    expect((err as UserError).hint).toMatch(/--diag-reg/)
    await featureRidge({ map, xTrain: toMatrix(xTrain), yTrain: yM, xTest: toMatrix(xTest), diagReg: 1e-3, learningRate: 1, variance: true, solver: 'primal' })
    expect(tf.memory().numTensors).toBe(before)
    map.dispose()
  })
})
