import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { FcArch } from '../../../shared/arch'
import { erf, gaussHermite, gelu, quadrature, tanhQuadrature } from '../../../electron/engine/activations/index'
import type { ActivationKernel } from '../../../electron/engine/activations/types'
import { fcLayers } from '../../../electron/engine/ntk/layers'
import { computeTile } from '../../../electron/engine/ntk/tile'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { actMaps, bruteKernels, gaussianRows } from './analytic-brute-force'

beforeAll(async () => {
  await initBackend()
})

function block(rows: number[][]): { data: Float32Array; rows: number; d: number } {
  return { data: Float32Array.from(rows.flat()), rows: rows.length, d: rows[0]!.length }
}

function tileOf(act: ActivationKernel, arch: FcArch, x: number[][], x2: number[][]): { ntk: Float32Array; nngp: Float32Array } {
  const out = computeTile(fcLayers(arch, act), block(x), block(x2), ['ntk', 'nngp'], false)
  return { ntk: out.ntk!, nngp: out.nngp! }
}

describe('Gauss–Hermite nodes', () => {
  it('integrate polynomials up to degree 2n − 1 exactly against N(0, 1)', () => {
    const { z, w } = gaussHermite(12)
    const moment = (k: number): number => z.reduce((s, zi, i) => s + w[i]! * zi ** k, 0)
    // E z^{2m} = (2m − 1)!!
    expect(moment(0)).toBeCloseTo(1, 13)
    expect(moment(1)).toBeCloseTo(0, 13)
    expect(moment(2)).toBeCloseTo(1, 12)
    expect(moment(4)).toBeCloseTo(3, 11)
    expect(moment(10)).toBeCloseTo(945, 8)
    expect(moment(22) / 13749310575).toBeCloseTo(1, 9)
    // degree 2n is no longer exact: the rule is genuinely of order 12
    expect(Math.abs(moment(24) / 316234143225 - 1)).toBeGreaterThan(1e-6)
  })
})

describe('quadrature fallback for any φ', () => {
  // moderate variances: Gauss–Hermite converges slowly when φ′(√q z) is sharply peaked (large q)
  const x = gaussianRows(4, 3, 41, 0.6)
  const x2 = gaussianRows(3, 3, 42, 0.6)
  const arch = FcArch.parse({ depth: 2, activation: { name: 'erf' }, wStd: 1.1, bStd: 0.2 })

  it('matches the erf and GELU closed forms', () => {
    for (const [closed, phi, dphi] of [
      [erf(), (t: tf.Tensor) => tf.erf(t), erf().dphi],
      [gelu(), gelu().phi, gelu().dphi],
    ] as const) {
      const want = tileOf(closed, arch, x, x2)
      const got = tileOf(quadrature(`${closed.name}-quad`, phi, dphi, 40), arch, x, x2)
      for (const kind of ['ntk', 'nngp'] as const) {
        const scale = Math.max(...Array.from(want[kind]).map(Math.abs))
        want[kind].forEach((v, i) => expect(Math.abs(got[kind][i]! - v) / scale, `${closed.name} ${kind}`).toBeLessThan(2e-5))
      }
    }
  })

  it('tanh by quadrature equals a float64 trapezoid evaluation of the recursion', () => {
    const want = bruteKernels(x, x2, arch, actMaps({ name: 'tanh' }))
    const got = tileOf(tanhQuadrature(50), arch, x, x2)
    for (const kind of ['ntk', 'nngp'] as const) {
      const flat = want[kind].flat()
      const scale = Math.max(...flat.map(Math.abs))
      flat.forEach((v, i) => expect(Math.abs(got[kind][i]! - v) / scale, `tanh ${kind}`).toBeLessThan(2e-5))
    }
  })

  it('converges with the degree where large variances make φ′ peaked', () => {
    const big = gaussianRows(4, 3, 41, 1)
    const big2 = gaussianRows(3, 3, 42, 1)
    const want = bruteKernels(big, big2, arch, actMaps({ name: 'tanh' })).ntk.flat()
    const err = (deg: number): number => {
      const got = tileOf(tanhQuadrature(deg), arch, big, big2).ntk
      return Math.max(...want.map((v, i) => Math.abs(got[i]! - v)))
    }
    const e25 = err(25)
    const e100 = err(100)
    expect(e25).toBeGreaterThan(1e-3) // the documented weakness, so the check below means something
    expect(e100).toBeLessThan(e25 / 50)
  })

  it('does not leak tensors', () => {
    const act = tanhQuadrature(8)
    tileOf(act, arch, x, x2)
    const before = tf.memory().numTensors
    for (let i = 0; i < 3; i++) tileOf(act, arch, x, x2)
    expect(tf.memory().numTensors).toBe(before)
  })
})
