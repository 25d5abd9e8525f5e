import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { NetArch, planKernel, type KernelPlan } from '../../../shared/arch'
import { Xoshiro128 } from '../../../electron/engine/core/random'
import { disposeFiniteNet, initFiniteNet, type FiniteNet } from '../../../electron/engine/layers/finite-net'
import { empiricalNetNtk } from '../../../electron/engine/ntk/empirical-net'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { phi64 } from '../nn/f64-mlp'

// The empirical CNN NTK (layer modules' terms, sensitivities by reverse passes through their forwards) against
// an independent float64 computation: a naive loop forward of the same network with the same weights, its
// parameter Jacobian by central finite differences, and Θ̂ = J Jᵀ averaged over the output units.
beforeAll(async () => {
  await initBackend()
})

/** Float64 forward of the plan's network: parameters θ laid out step by step, W then b. */
function forward64(net: FiniteNet, theta: Float64Array, x: Float64Array): Float64Array {
  let shape = [...net.plan.input]
  let h = x
  let o = 0
  for (const { step } of net.steps) {
    if (step.op === 'conv') {
      const [H, W, C] = shape as [number, number, number]
      const [fh, fw] = step.size
      const F = step.channels!
      const same = step.padding === 'same'
      const oh = same ? H : H - fh + 1
      const ow = same ? W : W - fw + 1
      const ph = same ? (fh - 1) >> 1 : 0
      const pw = same ? (fw - 1) >> 1 : 0
      const scale = step.wStd / Math.sqrt(fh * fw * C)
      const out = new Float64Array(oh * ow * F)
      const wOff = o
      o += fh * fw * C * F
      const bOff = o
      if (step.bStd !== null) o += F
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++)
          for (let f = 0; f < F; f++) {
            let acc = 0
            for (let dy = 0; dy < fh; dy++)
              for (let dx = 0; dx < fw; dx++) {
                const sy = y + dy - ph
                const sx = xx + dx - pw
                if (sy < 0 || sy >= H || sx < 0 || sx >= W) continue
                for (let c = 0; c < C; c++) acc += theta[wOff + ((dy * fw + dx) * C + c) * F + f]! * h[(sy * W + sx) * C + c]!
              }
            out[(y * ow + xx) * F + f] = scale * acc + (step.bStd === null ? 0 : step.bStd * theta[bOff + f]!)
          }
      h = out
      shape = [oh, ow, F]
    } else if (step.op === 'dense') {
      const nIn = h.length
      const U = step.channels!
      const out = new Float64Array(U)
      const scale = step.wStd / Math.sqrt(nIn)
      for (let u = 0; u < U; u++) {
        let acc = 0
        for (let i = 0; i < nIn; i++) acc += h[i]! * theta[o + i * U + u]!
        out[u] = scale * acc + (step.bStd === null ? 0 : step.bStd * theta[o + nIn * U + u]!)
      }
      o += nIn * U + (step.bStd === null ? 0 : U)
      h = out
      shape = [U]
    } else if (step.op === 'activation') {
      h = h.map(phi64(step.activation))
    } else if (step.op === 'avgpool') {
      const [H, W, C] = shape as [number, number, number]
      const [p0, p1] = step.pool
      const oh = Math.floor(H / p0)
      const ow = Math.floor(W / p1)
      const out = new Float64Array(oh * ow * C)
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++)
          for (let c = 0; c < C; c++) {
            let acc = 0
            for (let a = 0; a < p0; a++) for (let b = 0; b < p1; b++) acc += h[((y * p0 + a) * W + xx * p1 + b) * C + c]!
            out[(y * ow + xx) * C + c] = acc / (p0 * p1)
          }
      h = out
      shape = [oh, ow, C]
    } else if (step.op === 'globalavgpool') {
      const [H, W, C] = shape as [number, number, number]
      const out = new Float64Array(C)
      for (let i = 0; i < H * W; i++) for (let c = 0; c < C; c++) out[c] = out[c]! + h[i * C + c]! / (H * W)
      h = out
      shape = [C]
    } else shape = [h.length]
  }
  return h
}

/** Θ̂ by central differences of the float64 forward, averaged over output units. */
function bruteForceNtk(net: FiniteNet, xs: Float64Array[], x2s: Float64Array[]): number[][] {
  const theta = Float64Array.from(net.steps.flatMap((s) => (s.params ? [...s.params.w!.dataSync(), ...(s.params.b ? s.params.b.dataSync() : [])] : [])))
  const eps = 1e-5
  const jac = (x: Float64Array): Float64Array[] => {
    const J: Float64Array[] = []
    for (let p = 0; p < theta.length; p++) {
      const t0 = theta[p]!
      theta[p] = t0 + eps
      const up = forward64(net, theta, x)
      theta[p] = t0 - eps
      const dn = forward64(net, theta, x)
      theta[p] = t0
      J.push(up.map((u, k) => (u - dn[k]!) / (2 * eps)))
    }
    return J
  }
  const ja = xs.map(jac)
  const jb = x2s.map(jac)
  return ja.map((a) =>
    jb.map((b) => {
      let acc = 0
      for (let p = 0; p < a.length; p++) for (let k = 0; k < net.outDim; k++) acc += a[p]![k]! * b[p]![k]!
      return acc / net.outDim
    }),
  )
}

function points(n: number, d: number, seed: number): Float32Array {
  return new Xoshiro128(seed).normals(n * d)
}

const archs: { name: string; net: NetArchInputLike; outDim: number }[] = [
  {
    name: 'conv same (erf) → conv valid (gelu) → avgpool → flatten → dense (relu) → readout, 2 outputs',
    net: {
      input: [5, 5, 2],
      layers: [
        { type: 'conv2d', filters: 3, kernel: 3, padding: 'same', activation: 'erf' },
        { type: 'conv2d', filters: 2, kernel: 2, padding: 'valid', activation: 'gelu', bStd: 0.3 },
        { type: 'avgpool2d', pool: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 3, activation: 'relu', wStd: 1.2 },
      ],
    },
    outDim: 2,
  },
  {
    name: 'conv same (relu) → conv same, no bias → globalavgpool → readout',
    net: {
      input: [4, 4, 1],
      layers: [
        { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', activation: 'relu' },
        { type: 'conv2d', filters: 3, kernel: 3, padding: 'same', bias: false, activation: 'gelu' },
        { type: 'globalavgpool' },
      ],
    },
    outDim: 1,
  },
]
type NetArchInputLike = Parameters<typeof NetArch.parse>[0]

describe('empirical CNN NTK = float64 finite-difference J Jᵀ', () => {
  for (const a of archs) {
    it(a.name, () => {
      const plan: KernelPlan = planKernel(NetArch.parse(a.net), { wStd: 1.4, bStd: 0.1 })
      const d = plan.input.reduce((p, v) => p * v, 1)
      const xa = points(3, d, 5)
      const xb = points(2, d, 6)
      const net = initFiniteNet(plan, 11, a.outDim)
      const before = tf.memory().numTensors
      const x = tf.tensor2d(xa, [3, d])
      const x2 = tf.tensor2d(xb, [2, d])
      const self = empiricalNetNtk(net, x) as tf.Tensor2D
      const cross = empiricalNetNtk(net, x, x2) as tf.Tensor2D
      const per = empiricalNetNtk(net, x, x2, { outputs: 'per-output' })
      expect(per.shape).toEqual([a.outDim, 3, 2])
      const rows = (t: Float32Array, m: number): Float64Array[] => Array.from({ length: t.length / m }, (_, i) => Float64Array.from(t.subarray(i * m, (i + 1) * m)))
      const want = bruteForceNtk(net, rows(xa, d), rows(xa, d))
      const want2 = bruteForceNtk(net, rows(xa, d), rows(xb, d))
      const got = self.arraySync()
      const got2 = cross.arraySync()
      const scale = Math.max(...want.flat().map(Math.abs))
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) expect(Math.abs(got[i]![j]! - want[i]![j]!)).toBeLessThan(2e-5 * scale)
        for (let j = 0; j < 2; j++) expect(Math.abs(got2[i]![j]! - want2[i]![j]!)).toBeLessThan(2e-5 * scale)
      }
      const perMean = tf.tidy(() => tf.mean(per, 0).arraySync() as number[][])
      for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) expect(perMean[i]![j]!).toBeCloseTo(got2[i]![j]!, 4)
      tf.dispose([self, cross, per, x, x2])
      expect(tf.memory().numTensors).toBe(before)
      disposeFiniteNet(net)
    })
  }
})
