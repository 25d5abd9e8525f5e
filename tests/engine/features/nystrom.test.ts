import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { landmarkIndices, nystromFeatureMap } from '../../../electron/engine/features/nystrom'
import { computeAnalyticKernels } from '../../../electron/engine/ntk/analytic'
import { FcArch } from '../../../shared/arch'
import { bruteKernels, gaussianRows, toMatrix } from '../ntk/analytic-brute-force'
import { featuresOf, flat, gram, relFro } from './helpers'

beforeAll(async () => {
  await initBackend()
})

describe('Nyström features', () => {
  const x = gaussianRows(24, 6, 11)
  const archs: [string, FcArch][] = [
    ['relu', FcArch.parse({ depth: 2, activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.1 })],
    ['erf', FcArch.parse({ depth: 3, activation: { name: 'erf', a: 1, b: 1, c: 0 }, wStd: 1.5, bStd: 0.2 })],
    ['gelu (quadrature)', FcArch.parse({ depth: 1, activation: { name: 'gelu' }, wStd: 1.2, bStd: 0.1 })],
    ['sin', FcArch.parse({ depth: 2, activation: { name: 'sin' }, wStd: 1.0, bStd: 0.3 })],
  ]
  for (const [name, arch] of archs) {
    // the float64 reference of gelu is a 2-D quadrature per pair: computed once for both kernels, and a
    // timeout that holds on a loaded machine (about 15 s alone, 70 s at load 12 on 2 cores)
    it(`is exact when the landmarks are all the points (${name}, NTK and NNGP)`, async () => {
      const ref = bruteKernels(x, x, arch)
      for (const kind of ['ntk', 'nngp'] as const) {
        const map = await nystromFeatureMap({ arch, kind, x: toMatrix(x), features: 1000, seed: 1, workers: 1 })
        expect(map.landmarks.length).toBe(24)
        const g = gram(await featuresOf(map, x), 24, map.dim)
        expect(relFro(g, flat(ref[kind]))).toBeLessThan(2e-4)
        map.dispose()
      }
    }, 240_000)
  }

  it('reproduces the kernel on the landmarks and approximates it elsewhere; maps new points compatibly', async () => {
    const arch = archs[0]![1]
    const map = await nystromFeatureMap({ arch, kind: 'ntk', x: toMatrix(x), features: 10, seed: 4, workers: 1 })
    const idx = map.landmarks
    expect(idx.length).toBe(10)
    expect(Array.from(idx)).toEqual(Array.from(landmarkIndices(24, 10, 4)))
    const phi = await featuresOf(map, x)
    const g = gram(phi, 24, map.dim)
    const exact = flat(bruteKernels(x, x, arch).ntk)
    for (const i of idx) for (const j of idx) expect(Math.abs(g[i * 24 + j]! - exact[i * 24 + j]!)).toBeLessThan(5e-4 * Math.abs(exact[i * 24 + i]!))
    // a point that is not a landmark is approximated, not reproduced
    const e = relFro(g, exact)
    expect(e).toBeGreaterThan(1e-3)
    expect(e).toBeLessThan(0.5)
    // test points: Φ(x*)·Φ(x) ≈ K(x*, x) through the same landmarks
    const xt = gaussianRows(5, 6, 12)
    const cross = (await computeAnalyticKernels(toMatrix(xt), toMatrix(x), arch, { kernels: ['ntk'], workers: 1 })).ntk!
    const pt = await featuresOf(map, xt)
    for (let a = 0; a < 5; a++) {
      for (const j of idx) {
        let s = 0
        for (let c = 0; c < map.dim; c++) s += pt[a * map.dim + c]! * phi[j * map.dim + c]!
        expect(Math.abs(s - cross[a * 24 + j]!)).toBeLessThan(5e-4 * Math.abs(exact[j * 24 + j]!))
      }
    }
    map.dispose()
  })
})
