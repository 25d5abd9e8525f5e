import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { lowRankLimitNtk } from '../../../electron/engine/ntk/low-rank-limit'
import { computeAnalyticKernels } from '../../../electron/engine/ntk/analytic'
import { disposeLowRankMlp, initLowRankMlp, lowRankEmpiricalNtk } from '../../../electron/engine/nn/low-rank'
import { FcArch } from '../../../shared/arch'
import { bruteKernels, gaussianRows, toMatrix } from './analytic-brute-force'
import { relErr } from '../linalg/reference'

beforeAll(async () => {
  await initBackend()
})

describe('NTK limit of low-rank (factorised) hidden layers', () => {
  const cases = [
    FcArch.parse({ depth: 2, activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.1 }),
    FcArch.parse({ depth: 3, activation: { name: 'erf', a: 1, b: 1, c: 0 }, wStd: 1.3, bStd: 0.2 }),
    FcArch.parse({ depth: 1, activation: { name: 'relu' }, wStd: 1.1 }),
  ]
  for (const arch of cases) {
    it(`equals the float64 recursion with each hidden weight term counted twice (${arch.activation.name}, depth ${arch.depth})`, () => {
      const x = gaussianRows(7, 5, 1)
      const x2 = gaussianRows(4, 5, 2)
      const got = lowRankLimitNtk(toMatrix(x), toMatrix(x2), arch)
      const ref = bruteKernels(x, x2, arch, undefined, true).ntk.flat()
      expect(relErr(got, ref)).toBeLessThan(1e-5)
      // and differs from the NTK of the full network by more than rounding
      const std = bruteKernels(x, x2, arch).ntk.flat()
      expect(relErr(std, ref)).toBeGreaterThan(0.05)
    })
  }

  it('is what the empirical NTK of a wide, high-rank factorised network approaches (not the full-layer NTK)', async () => {
    const arch = FcArch.parse({ depth: 1, activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.1 })
    const x = gaussianRows(6, 8, 5)
    const limit = lowRankLimitNtk(toMatrix(x), null, arch)
    const full = (await computeAnalyticKernels(toMatrix(x), null, arch, { kernels: ['ntk'], workers: 1 })).ntk!
    const dist = (rank: number, seed: number): number => {
      const net = initLowRankMlp({ ...arch, width: 2048 }, 8, 1, rank, seed)
      const xt = tf.tensor2d(x)
      const k = lowRankEmpiricalNtk(net, xt)
      const d = relErr(k.dataSync(), limit)
      tf.dispose([xt, k])
      disposeLowRankMlp(net)
      return d
    }
    const high = (dist(512, 1) + dist(512, 2)) / 2
    const low = (dist(2, 1) + dist(2, 2)) / 2
    expect(high).toBeLessThan(0.08)
    expect(low).toBeGreaterThan(2 * high)
    expect(relErr(full, limit)).toBeGreaterThan(0.2)
  })
})
