import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { disposeLowRankMlp, initLowRankMlp, lowRankEmpiricalNtk, lowRankForward, lowRankGradients, lowRankParameterCount, trainLowRank, type LowRankMlp } from '../../../electron/engine/nn/low-rank'
import type { FiniteFcArch } from '../../../electron/engine/nn/mlp'
import { FcArch } from '../../../shared/arch'
import { erf64, gaussianRows } from '../ntk/analytic-brute-force'
import { relErr } from '../linalg/reference'

beforeAll(async () => {
  await initBackend()
})

/** Parameters as float64 arrays, in a fixed order, with the network's constants. */
function params(net: LowRankMlp): Float64Array[] {
  const out: Float64Array[] = []
  for (const l of net.hidden) {
    out.push(Float64Array.from(l.u.dataSync()), Float64Array.from(l.vt.dataSync()))
    if (l.b) out.push(Float64Array.from(l.b.dataSync()))
  }
  out.push(Float64Array.from(net.readout.w.dataSync()))
  if (net.readout.b) out.push(Float64Array.from(net.readout.b.dataSync()))
  return out
}

/** f(x) in float64, written from the definition z = c (h U) Vᵀ + σ_b b (independent of the engine). */
function forward64(net: LowRankMlp, p: Float64Array[], x: number[], phi: (v: number) => number): number[] {
  let h = x
  let i = 0
  for (const l of net.hidden) {
    const u = p[i++]!
    const vt = p[i++]!
    const b = l.b ? p[i++]! : null
    const t = Array.from({ length: l.rank }, (_, j) => h.reduce((s, hv, a) => s + hv * u[a * l.rank + j]!, 0))
    h = Array.from({ length: l.nOut }, (_, o) => phi(l.c * t.reduce((s, tv, j) => s + tv * vt[j * l.nOut + o]!, 0) + (b ? l.bScale * b[o]! : 0)))
  }
  const w = p[i++]!
  const b = net.readout.b ? p[i++]! : null
  return Array.from({ length: net.outDim }, (_, k) => net.readout.wScale * h.reduce((s, hv, a) => s + hv * w[a * net.outDim + k]!, 0) + (b ? net.readout.bScale * b[k]! : 0))
}

/** (1/K) J Jᵀ with J from central differences in float64. */
function fdNtk(net: LowRankMlp, xs: number[][], phi: (v: number) => number): Float64Array {
  const p = params(net)
  const n = xs.length
  const K = net.outDim
  const jac: number[][][] = xs.map(() => Array.from({ length: K }, () => [] as number[]))
  const eps = 1e-6
  for (const arr of p) {
    for (let q = 0; q < arr.length; q++) {
      const v = arr[q]!
      arr[q] = v + eps
      const plus = xs.map((x) => forward64(net, p, x, phi))
      arr[q] = v - eps
      const minus = xs.map((x) => forward64(net, p, x, phi))
      arr[q] = v
      for (let a = 0; a < n; a++) for (let k = 0; k < K; k++) jac[a]![k]!.push((plus[a]![k]! - minus[a]![k]!) / (2 * eps))
    }
  }
  const out = new Float64Array(n * n)
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) {
    let s = 0
    for (let k = 0; k < K; k++) for (let q = 0; q < jac[a]![k]!.length; q++) s += jac[a]![k]![q]! * jac[b]![k]![q]!
    out[a * n + b] = s / K
  }
  return out
}

describe('low-rank dense layers', () => {
  const cases: [string, FiniteFcArch, number, number, (v: number) => number][] = [
    ['erf, bias, 2 outputs', { ...FcArch.parse({ depth: 2, activation: { name: 'erf', a: 1, b: 1, c: 0 }, wStd: 1.3, bStd: 0.2 }), width: 7 }, 2, 2, erf64],
    ['relu, no bias, rank 3', { ...FcArch.parse({ depth: 2, activation: { name: 'relu' }, wStd: Math.SQRT2 }), width: 6 }, 3, 1, (v) => Math.max(v, 0)],
  ]
  for (const [name, arch, rank, outDim, phi] of cases) {
    it(`empirical NTK equals J Jᵀ from float64 finite differences (${name})`, () => {
      const x = gaussianRows(5, 4, 3)
      const net = initLowRankMlp(arch, 4, outDim, rank, 11)
      const before = tf.memory().numTensors
      const xt = tf.tensor2d(x)
      const k = lowRankEmpiricalNtk(net, xt)
      const got = k.dataSync()
      const ref = fdNtk(net, x, phi)
      expect(relErr(got, ref)).toBeLessThan(2e-4)
      // forward agrees with the float64 definition
      const fT = lowRankForward(net, xt)
      const f = fT.dataSync()
      const f64 = x.flatMap((r) => forward64(net, params(net), r, phi))
      expect(relErr(f, f64)).toBeLessThan(1e-5)
      // cross kernel = the corresponding block of the joint kernel
      const x2 = tf.tensor2d(gaussianRows(3, 4, 4))
      const both = tf.concat([xt, x2], 0)
      const crossT = lowRankEmpiricalNtk(net, xt, x2)
      const jointT = lowRankEmpiricalNtk(net, both)
      const cross = crossT.dataSync()
      const joint = jointT.dataSync()
      for (let a = 0; a < 5; a++) for (let b = 0; b < 3; b++) expect(cross[a * 3 + b]).toBeCloseTo(joint[a * 8 + 5 + b]!, 4)
      tf.dispose([xt, x2, k, fT, both, crossT, jointT])
      expect(tf.memory().numTensors).toBe(before)
      disposeLowRankMlp(net)
    })
  }

  it('counts r·(n_in + n_out) weights per hidden layer', () => {
    const arch = { ...FcArch.parse({ depth: 2, activation: { name: 'relu' }, bStd: 0.1 }), width: 100 }
    expect(lowRankParameterCount(arch, 784, 10, 8)).toBe(8 * (784 + 100) + 100 + 8 * (100 + 100) + 100 + 100 * 10 + 10)
  })
})

describe('training low-rank networks', () => {
  it('autodiff gradients equal float64 finite differences of the MSE loss, and gradient descent lowers it', async () => {
    const arch = { ...FcArch.parse({ depth: 2, activation: { name: 'erf', a: 1, b: 1, c: 0 }, wStd: 1.3, bStd: 0.2 }), width: 6 }
    const net = initLowRankMlp(arch, 4, 2, 2, 5)
    const x = gaussianRows(6, 4, 8)
    const yv = Array.from({ length: 12 }, (_, i) => Math.sin(i))
    const xt = tf.tensor2d(x)
    const yt = tf.tensor2d(yv, [6, 2])
    const { loss, grads } = lowRankGradients(net, xt, yt)
    const p = params(net)
    const loss64 = (): number => {
      let s = 0
      x.forEach((r, a) => forward64(net, p, r, erf64).forEach((f, k) => (s += (f - yv[a * 2 + k]!) ** 2)))
      return s / (2 * 12)
    }
    expect(loss).toBeCloseTo(loss64(), 5)
    const g = grads.flatMap((t) => Array.from(t.dataSync()))
    const fd: number[] = []
    for (const arr of p) {
      for (let q = 0; q < arr.length; q++) {
        const v = arr[q]!
        arr[q] = v + 1e-6
        const lp = loss64()
        arr[q] = v - 1e-6
        const lm = loss64()
        arr[q] = v
        fd.push((lp - lm) / 2e-6)
      }
    }
    expect(relErr(g, fd)).toBeLessThan(1e-3)
    tf.dispose(grads)
    const before = tf.memory().numTensors
    const losses = await trainLowRank(net, xt, yt, { steps: 30, learningRate: 0.5 })
    expect(tf.memory().numTensors).toBe(before)
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.7)
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThanOrEqual(losses[i - 1]! * (1 + 1e-6))
    tf.dispose([xt, yt])
    disposeLowRankMlp(net)
  })
})
