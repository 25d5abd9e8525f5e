import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ActivationSpec } from '../../../shared/arch'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { disposeMlp, exportWeights, initMlp, type FiniteFcArch } from '../../../electron/engine/nn/mlp'
import { empiricalKernel, empiricalNtk, MAX_PANELS, PANEL_ROWS, panelsOf, sampleSeed } from '../../../electron/engine/ntk/empirical'
import { empiricalNtkJacobian } from '../../../electron/engine/ntk/empirical-jacobian'
import { jacobianFd, ntkFromJacobians, phi64, testInputs, type F64Layer } from '../nn/f64-mlp'
import { relMaxDiff } from '../../../bench/compare'

beforeAll(async () => {
  await initBackend()
})

function arch(activation: ActivationSpec, o: Partial<FiniteFcArch> = {}): FiniteFcArch {
  return { depth: 2, width: 6, activation, wStd: 1.3, bStd: null, parameterization: 'ntk', ...o }
}

function toF64(net: ReturnType<typeof initMlp>): F64Layer[] {
  return exportWeights(net).map((l) => ({ ...l, w: Float64Array.from(l.w), b: l.b ? Float64Array.from(l.b) : null }))
}

const d = 3
const n = 4
const n2 = 3
const xs = testInputs(n, d, 11)
const x2s = testInputs(n2, d, 23)

const cases: { name: string; act: ActivationSpec; o: Partial<FiniteFcArch>; K: number; outputs: 'trace' | 'per-output' }[] = [
  { name: 'relu, ntk, no bias, trace', act: { name: 'relu' }, o: {}, K: 2, outputs: 'trace' },
  { name: 'relu, ntk, bias, per-output', act: { name: 'relu' }, o: { bStd: 0.4 }, K: 3, outputs: 'per-output' },
  { name: 'erf, standard, bias, trace', act: { name: 'erf', a: 1, b: 1, c: 0 }, o: { bStd: 0.7, parameterization: 'standard' }, K: 2, outputs: 'trace' },
  { name: 'gelu, standard, no bias, per-output', act: { name: 'gelu' }, o: { parameterization: 'standard' }, K: 2, outputs: 'per-output' },
  { name: 'sin, ntk, bias, depth 3', act: { name: 'sin' }, o: { bStd: 0.2, depth: 3 }, K: 1, outputs: 'trace' },
  { name: 'leaky_relu, ntk, bias', act: { name: 'leaky_relu', alpha: 0.1 }, o: { bStd: 1 }, K: 2, outputs: 'trace' },
  { name: 'erf:2,0.5,0.3, ntk, bias', act: { name: 'erf', a: 2, b: 0.5, c: 0.3 }, o: { bStd: 0.5 }, K: 1, outputs: 'per-output' },
  { name: 'abs, depth 1', act: { name: 'abs' }, o: { depth: 1 }, K: 2, outputs: 'trace' },
  { name: 'identity, depth 0 (linear readout only), bias', act: { name: 'identity' }, o: { depth: 0, bStd: 0.5 }, K: 2, outputs: 'trace' },
]

describe('empirical NTK equals J·Jᵀ of a float64 finite-difference Jacobian', () => {
  for (const c of cases) {
    it(c.name, () => {
      const net = initMlp(arch(c.act, c.o), d, c.K, 7)
      const layers = toF64(net)
      const phi = phi64(c.act)
      const J = jacobianFd(layers, phi, xs, n)
      const J2 = jacobianFd(layers, phi, x2s, n2)
      const want = ntkFromJacobians(J, J2, c.outputs).flat(2)
      const wantSelf = ntkFromJacobians(J, J, c.outputs).flat(2)
      const x = tf.tensor2d(Float32Array.from(xs), [n, d])
      const x2 = tf.tensor2d(Float32Array.from(x2s), [n2, d])
      const before = tf.memory().numTensors
      const layerwise = empiricalNtk(net, x, x2, { outputs: c.outputs })
      const layerwiseSelf = empiricalNtk(net, x, undefined, { outputs: c.outputs })
      const jac = empiricalNtkJacobian(net, x, x2, { outputs: c.outputs, chunkFloats: 16 })
      expect(layerwise.shape).toEqual(c.outputs === 'trace' ? [n, n2] : [c.K, n, n2])
      expect(relMaxDiff(layerwise.dataSync(), want)).toBeLessThan(1e-4)
      expect(relMaxDiff(layerwiseSelf.dataSync(), wantSelf)).toBeLessThan(1e-4)
      expect(relMaxDiff(jac.dataSync(), want)).toBeLessThan(1e-4)
      tf.dispose([layerwise, layerwiseSelf, jac])
      expect(tf.memory().numTensors).toBe(before)
      tf.dispose([x, x2])
      disposeMlp(net)
    })
  }
})

describe('the self kernel from row panels (n ≥ 2·PANEL_ROWS) equals J·Jᵀ of a float64 finite-difference Jacobian', () => {
  // uneven panels (n not a multiple of their count), 2 of them and the most; the lower triangle is mirrored
  const sizes = [2 * PANEL_ROWS + 7, (MAX_PANELS + 1) * PANEL_ROWS + 3]
  it('panels cover the upper triangle once, in row panels of at least PANEL_ROWS rows', () => {
    for (const n of [1, PANEL_ROWS, 2 * PANEL_ROWS - 1, ...sizes, 10_000]) {
      const ps = panelsOf(n, null)
      expect(ps.length).toBe(Math.max(1, Math.min(MAX_PANELS, Math.floor(n / PANEL_ROWS))))
      let next = 0
      for (const p of ps) {
        expect([p.a0, p.b0, p.row0, p.col0]).toEqual([next, next, next, next])
        expect(p.cols).toBe(n - next)
        if (ps.length > 1) expect(p.rows).toBeGreaterThanOrEqual(PANEL_ROWS)
        next += p.rows
      }
      expect(next).toBe(n)
    }
    expect(panelsOf(5, 3)).toEqual([{ a0: 0, b0: 5, rows: 5, cols: 3, row0: 0, col0: 0, upper: false }])
  })
  it.each([
    ['relu, bias, trace over 2 outputs', { name: 'relu' } as ActivationSpec, { bStd: 0.3 }, 2, 'trace' as const, sizes[0]!],
    ['relu, bias, one output (sensitivities over the forward buffers)', { name: 'relu' } as ActivationSpec, { bStd: 0.3, depth: 3 }, 1, 'trace' as const, sizes[1]!],
    ['erf, standard, per-output', { name: 'erf', a: 1, b: 1, c: 0 } as ActivationSpec, { parameterization: 'standard' as const, bStd: 0.2 }, 2, 'per-output' as const, sizes[1]!],
    ['gelu, one output', { name: 'gelu' } as ActivationSpec, { depth: 3 }, 1, 'trace' as const, sizes[0]!],
  ])('%s', (_name, act, o, K, outputs, big) => {
    const xb = testInputs(big, d, 31)
    const net = initMlp(arch(act, o), d, K, 5)
    const J = jacobianFd(toF64(net), phi64(act), xb, big)
    const want = ntkFromJacobians(J, J, outputs).flat(2)
    const x = tf.tensor2d(Float32Array.from(xb), [big, d])
    const before = tf.memory().numTensors
    const k = empiricalNtk(net, x, undefined, { outputs })
    expect(k.shape).toEqual(outputs === 'trace' ? [big, big] : [K, big, big])
    const v = k.dataSync()
    expect(relMaxDiff(v, want)).toBeLessThan(1e-4)
    // exactly symmetric: the lower triangle is the upper one's copy
    for (let q = 0; q < (outputs === 'trace' ? 1 : K); q++) for (let i = 0; i < big; i += 7) for (let j = 0; j < big; j += 5) expect(v[q * big * big + i * big + j]).toBe(v[q * big * big + j * big + i])
    k.dispose()
    expect(tf.memory().numTensors).toBe(before)
    x.dispose()
    disposeMlp(net)
  })
})

describe('empirical NTK properties', () => {
  it('is symmetric and PSD on x with itself, and deterministic in the seed', async () => {
    const a = arch({ name: 'relu' }, { width: 64, bStd: 0.1 })
    const x = tf.tensor2d(Float32Array.from(testInputs(20, 5, 3)), [20, 5])
    const k1 = await empiricalKernel(a, x, undefined, { seed: 42, samples: 2, outDim: 3 })
    const k2 = await empiricalKernel(a, x, undefined, { seed: 42, samples: 2, outDim: 3 })
    const k3 = await empiricalKernel(a, x, undefined, { seed: 43, samples: 2, outDim: 3 })
    const v1 = k1.dataSync()
    expect(Array.from(k2.dataSync())).toEqual(Array.from(v1))
    expect(relMaxDiff(k3.dataSync(), v1)).toBeGreaterThan(1e-3)
    for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) expect(Math.abs(v1[i * 20 + j]! - v1[j * 20 + i]!)).toBeLessThan(1e-5 * Math.abs(v1[i * 20 + i]!))
    // PSD: smallest eigenvalue of the float64 copy (Jacobi sweeps) ≥ −1e-5 · largest
    const eig = jacobiEigenvalues(Array.from(v1), 20)
    expect(Math.min(...eig)).toBeGreaterThan(-1e-5 * Math.max(...eig))
    tf.dispose([k1, k2, k3, x])
  })

  it('Monte-Carlo average is the mean of the per-seed kernels', async () => {
    const a = arch({ name: 'erf', a: 1, b: 1, c: 0 }, { width: 16 })
    const x = tf.tensor2d(Float32Array.from(testInputs(6, 4, 5)), [6, 4])
    const mean = await empiricalKernel(a, x, undefined, { seed: 9, samples: 3 })
    const parts = [0, 1, 2].map((s) => {
      const net = initMlp(a, 4, 1, sampleSeed(9, s))
      const k = Array.from(empiricalNtk(net, x).dataSync())
      disposeMlp(net)
      return k
    })
    const want = parts[0]!.map((_, i) => (parts[0]![i]! + parts[1]![i]! + parts[2]![i]!) / 3)
    expect(relMaxDiff(mean.dataSync(), want)).toBeLessThan(1e-6)
    expect(relMaxDiff(parts[1]!, parts[0]!)).toBeGreaterThan(1e-3) // the samples really are different networks
    tf.dispose([mean, x])
  })
})

/** eigenvalues of a symmetric matrix by cyclic Jacobi rotations (float64) */
function jacobiEigenvalues(a: number[], n: number): number[] {
  const m = a.slice()
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) m[i * n + j] = m[j * n + i] = (m[i * n + j]! + m[j * n + i]!) / 2
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q]! ** 2
    if (off < 1e-22) break
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!
        if (Math.abs(apq) < 1e-300) continue
        const theta = (m[q * n + q]! - m[p * n + p]!) / (2 * apq)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p]!
          const akq = m[k * n + q]!
          m[k * n + p] = c * akp - s * akq
          m[k * n + q] = s * akp + c * akq
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k]!
          const aqk = m[q * n + k]!
          m[p * n + k] = c * apk - s * aqk
          m[q * n + k] = s * apk + c * aqk
        }
      }
  }
  return Array.from({ length: n }, (_, i) => m[i * n + i]!)
}
