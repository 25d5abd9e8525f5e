import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { FcArch, type ActivationSpec } from '../../../shared/arch'
import { computeAnalyticKernels } from '../../../electron/engine/ntk/analytic'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { bruteKernels, gaussianRows, jacobiEigenvalues, toMatrix, type Vec } from './analytic-brute-force'

beforeAll(async () => {
  await initBackend()
})

const ACTIVATIONS: ActivationSpec[] = [
  { name: 'relu' },
  { name: 'identity' },
  { name: 'abs' },
  { name: 'leaky_relu', alpha: 0.1 },
  { name: 'abrelu', a: -0.3, b: 1.2 },
  { name: 'erf', a: 1, b: 1, c: 0 },
  { name: 'erf', a: 1.5, b: 0.7, c: 0.3 },
  { name: 'gelu' },
  { name: 'sin' },
]

/**
 * |a − b| ≤ tol · √(K(x_i, x_i) K(x2_j, x2_j)): error relative to the kernel's own scale at that pair,
 * which is what float32 can promise for entries near 0 (e.g. orthogonal points under the identity).
 */
function expectClose(got: Float32Array, want: number[][], diagRows: number[], diagCols: number[], tol: number, label: string): void {
  let worst = 0
  want.forEach((row, i) =>
    row.forEach((w, j) => {
      const scale = Math.sqrt(Math.abs(diagRows[i]! * diagCols[j]!)) || 1
      worst = Math.max(worst, Math.abs(got[i * row.length + j]! - w) / scale)
    }),
  )
  expect(worst, label).toBeLessThanOrEqual(tol)
}

function selfDiag(points: Vec[], arch: FcArch, kind: 'ntk' | 'nngp'): number[] {
  return points.map((p) => bruteKernels([p], [p], arch)[kind][0]![0]!)
}

describe('analytic NNGP/NTK against a float64 brute force of docs/math.md §1', () => {
  const x = gaussianRows(6, 5, 1)
  const x2 = gaussianRows(4, 5, 2)
  for (const activation of ACTIVATIONS) {
    for (const parameterization of ['ntk', 'standard'] as const) {
      for (const bStd of [null, 0.4]) {
        const arch = FcArch.parse({ depth: 3, activation, wStd: 1.3, bStd, parameterization, width: parameterization === 'standard' ? 64 : 'inf' })
        const label = `${activation.name}${'a' in activation ? `(${activation.a},${activation.b})` : ''} ${parameterization} bias=${bStd}`
        it(label, async () => {
          // x with itself (tile 4: partial and mirrored tiles) and x against x2
          const self = await computeAnalyticKernels(toMatrix(x), null, arch, { kernels: ['ntk', 'nngp'], workers: 1, tileSize: 4 })
          const cross = await computeAnalyticKernels(toMatrix(x), toMatrix(x2), arch, { kernels: ['ntk', 'nngp'], workers: 1 })
          const wantSelf = bruteKernels(x, x, arch)
          const wantCross = bruteKernels(x, x2, arch)
          expect([self.rows, self.cols, cross.rows, cross.cols]).toEqual([6, 6, 6, 4])
          for (const kind of ['ntk', 'nngp'] as const) {
            const dx = selfDiag(x, arch, kind)
            const dx2 = selfDiag(x2, arch, kind)
            expectClose(self[kind]!, wantSelf[kind], dx, dx, 1e-5, `${label} ${kind} self`)
            expectClose(cross[kind]!, wantCross[kind], dx, dx2, 1e-5, `${label} ${kind} cross`)
          }
        })
      }
    }
  }

  it('float32 and float64 inputs give the same kernel', async () => {
    const arch = FcArch.parse({ depth: 2, activation: { name: 'relu' } })
    const m64 = toMatrix(x)
    const m32 = { ...m64, data: Float32Array.from(m64.data) }
    const a = await computeAnalyticKernels(m64, null, arch, { kernels: ['ntk'], workers: 1 })
    const b = await computeAnalyticKernels(m32, null, arch, { kernels: ['ntk'], workers: 1 })
    expect(Array.from(a.ntk!)).toEqual(Array.from(b.ntk!))
  })

  it('depth 0 is the linear kernel σ_w² x·x′/d + σ_b²', async () => {
    const arch = FcArch.parse({ depth: 0, activation: { name: 'relu' }, wStd: 2, bStd: 0.5 })
    const k = await computeAnalyticKernels(toMatrix(x), toMatrix(x2), arch, { kernels: ['nngp', 'ntk'], workers: 1 })
    x.forEach((xi, i) =>
      x2.forEach((xj, j) => {
        const dot = xi.reduce((s, v, t) => s + v * xj[t]!, 0) / 5
        expect(k.nngp![i * 4 + j]).toBeCloseTo(4 * dot + 0.25, 5)
        expect(k.ntk![i * 4 + j]).toBeCloseTo(4 * dot + 0.25, 5)
      }),
    )
  })
})

describe('kernel properties', () => {
  it.each(['relu', 'erf', 'gelu', 'sin', 'abs'] as const)('%s kernels are symmetric and PSD', async (name) => {
    const pts = gaussianRows(40, 8, 7)
    const arch = FcArch.parse({ depth: 3, activation: { name }, bStd: 0.1 })
    const k = await computeAnalyticKernels(toMatrix(pts), null, arch, { kernels: ['ntk', 'nngp'], workers: 1, tileSize: 16 })
    for (const kind of ['ntk', 'nngp'] as const) {
      const a = k[kind]!
      const m: number[][] = []
      for (let i = 0; i < 40; i++) {
        m.push(Array.from(a.subarray(i * 40, (i + 1) * 40)))
        for (let j = 0; j < 40; j++) expect(a[i * 40 + j]).toBe(a[j * 40 + i])
      }
      const ev = jacobiEigenvalues(m)
      const top = ev[ev.length - 1]!
      // float32 entries carry ~1e-7 relative rounding, so eigenvalues may dip by ~n·1e-7·max below 0
      expect(ev[0]!, `${name} ${kind} smallest eigenvalue`).toBeGreaterThanOrEqual(-1e-5 * top)
    }
  })

  it('does not leak tensors over repeated runs', async () => {
    const pts = toMatrix(gaussianRows(50, 6, 3))
    const arch = FcArch.parse({ depth: 3, activation: { name: 'gelu' }, bStd: 0.2, parameterization: 'standard', width: 32 })
    await computeAnalyticKernels(pts, null, arch, { kernels: ['ntk', 'nngp'], workers: 1, tileSize: 16 })
    const before = tf.memory().numTensors
    for (let i = 0; i < 5; i++) {
      await computeAnalyticKernels(pts, null, arch, { kernels: ['ntk', 'nngp'], workers: 1, tileSize: 16 })
      await computeAnalyticKernels(pts, pts, { ...arch, activation: { name: 'relu' } }, { kernels: ['nngp'], workers: 1, tileSize: 16 })
    }
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe('diagonal only', () => {
  it.each(['relu', 'erf', 'gelu', 'sin', 'identity'] as const)('%s: K(x_i, x_i) in O(n·d) equals the brute force and the full kernel diagonal', async (name) => {
    const { analyticKernelDiagonal } = await import('../../../electron/engine/ntk/analytic-diagonal')
    const pts = gaussianRows(9, 5, 77)
    for (const parameterization of ['ntk', 'standard'] as const) {
      const arch = FcArch.parse({ depth: 3, activation: { name }, wStd: 1.3, bStd: 0.2, parameterization, width: parameterization === 'standard' ? 50 : 'inf' })
      const before = tf.memory().numTensors
      const diag = await analyticKernelDiagonal(toMatrix(pts), arch, ['ntk', 'nngp'])
      expect(tf.memory().numTensors).toBe(before)
      const full = await computeAnalyticKernels(toMatrix(pts), null, arch, { kernels: ['ntk', 'nngp'], workers: 1 })
      for (const kind of ['ntk', 'nngp'] as const) {
        const want = selfDiag(pts, arch, kind)
        want.forEach((w, i) => {
          expect(Math.abs(diag[kind]![i]! - w) / Math.abs(w)).toBeLessThan(1e-5)
          expect(Math.abs(full[kind]![i * 10]! - diag[kind]![i]!) / Math.abs(w)).toBeLessThan(1e-6)
        })
      }
    }
  })
})
