import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { FcArch, type ActivationSpec } from '../../../shared/arch'
import { computeAnalyticKernels } from '../../../electron/engine/ntk/analytic'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { gaussianRows, toMatrix } from './analytic-brute-force'

// The infinite-width kernels are the limits of finite random networks in NTK parameterization:
// NNGP = E[f(x) f(x′)] and NTK = E[Θ̂(x, x′)]. Each network here is written out in the test (not the
// engine's nn/): z = (σ_w/√n_in) h W + σ_b b, h = φ(z). The readout's expectation over its own weights is
// taken exactly (σ_w² h·h′/n + σ_b²), and the empirical NTK is the sum over layers of
// (σ_w²/n_in)(h hᵀ)⊙(G Gᵀ) + σ_b² G Gᵀ with G = ∂f/∂z by hand-written backprop.
//
// Tolerance: the mean over S independent networks has standard error SE estimated from the spread of
// the S samples; we accept |mean − analytic| ≤ 5·SE + 3/width·scale (finite-width bias is O(1/width)).
// A wrong factor (e.g. (π−θ)/π for ReLU) or a missing bias term moves the mean by > 10 SE.

const WIDTH = 1024
const NETS = 60

/** Standard normals (mulberry32 + Box–Muller): much faster than seeded tf.randomNormal for many nets. */
function normals(shape: [number, number], seed: number): tf.Tensor2D {
  const n = shape[0] * shape[1]
  const out = new Float32Array(n)
  let a = (seed * 2654435761) >>> 0
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296
  }
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(rand()))
    const th = 2 * Math.PI * rand()
    out[i] = r * Math.cos(th)
    if (i + 1 < n) out[i + 1] = r * Math.sin(th)
  }
  return tf.tensor2d(out, shape)
}

function phiOf(a: ActivationSpec): { f: (x: tf.Tensor) => tf.Tensor; df: (x: tf.Tensor) => tf.Tensor } {
  if (a.name === 'relu') return { f: (x) => tf.relu(x), df: (x) => tf.cast(tf.greater(x, 0), 'float32') }
  if (a.name === 'erf') return { f: (x) => tf.erf(x), df: (x) => tf.mul(tf.exp(tf.neg(tf.mul(x, x))), 2 / Math.sqrt(Math.PI)) }
  throw new Error('test covers relu and erf')
}

/** One random network's (readout-averaged NNGP, empirical NTK) on the points. */
function sampleNet(x: tf.Tensor2D, arch: FcArch, seed: number): { nngp: Float32Array; ntk: Float32Array } {
  return tf.tidy(() => {
    const { f, df } = phiOf(arch.activation)
    const sw = arch.wStd
    const sb = arch.bStd ?? 0
    const hs: tf.Tensor2D[] = [x]
    const zs: tf.Tensor2D[] = []
    const ws: tf.Tensor2D[] = []
    let h = x
    for (let l = 0; l < arch.depth; l++) {
      const nIn = h.shape[1]
      const W = normals([nIn, WIDTH], seed * 100 + l)
      const b = normals([1, WIDTH], seed * 100 + 50 + l)
      const z = tf.add(tf.mul(tf.matMul(h, W), sw / Math.sqrt(nIn)), tf.mul(b, sb)) as tf.Tensor2D
      ws.push(W)
      zs.push(z)
      h = f(z) as tf.Tensor2D
      hs.push(h)
    }
    const last = hs[hs.length - 1]!
    const gram = (a: tf.Tensor2D): tf.Tensor2D => tf.matMul(a, tf.transpose(a))
    const nngp = tf.add(tf.mul(gram(last), (sw * sw) / last.shape[1]), sb * sb)
    // readout z_out = (σ_w/√n) h W_out + σ_b b: its contribution with G = 1
    let ntk = nngp as tf.Tensor2D
    const wOut = normals([WIDTH, 1], seed * 100 + 99)
    let gUp = tf.mul(tf.transpose(wOut), sw / Math.sqrt(WIDTH)) // ∂f/∂h_L as a row, same for every point
    let G = tf.mul(tf.tile(gUp, [x.shape[0], 1]), df(zs[arch.depth - 1]!)) as tf.Tensor2D
    for (let l = arch.depth - 1; l >= 0; l--) {
      const hIn = hs[l]!
      const gg = gram(G)
      ntk = tf.add(ntk, tf.add(tf.mul(tf.mul(gram(hIn), gg), (sw * sw) / hIn.shape[1]), tf.mul(gg, sb * sb))) as tf.Tensor2D
      if (l > 0) {
        gUp = tf.mul(tf.matMul(G, tf.transpose(ws[l]!)), sw / Math.sqrt(WIDTH))
        G = tf.mul(gUp, df(zs[l - 1]!)) as tf.Tensor2D
      }
    }
    return { nngp: nngp.dataSync() as Float32Array, ntk: ntk.dataSync() as Float32Array }
  })
}

beforeAll(async () => {
  await initBackend()
})

describe('analytic kernels are the infinite-width limit of random networks', () => {
  const pts = gaussianRows(6, 5, 31)
  const cases: FcArch[] = [
    FcArch.parse({ depth: 2, activation: { name: 'relu' }, wStd: 1.4, bStd: 0.3 }),
    FcArch.parse({ depth: 2, activation: { name: 'erf' }, wStd: 1.2, bStd: null }),
  ]
  for (const arch of cases) {
    it(`${arch.activation.name}: NNGP = E[f f′] and NTK = E[Θ̂] at width ${WIDTH}`, async () => {
      const k = await computeAnalyticKernels(toMatrix(pts), null, arch, { kernels: ['ntk', 'nngp'], workers: 1 })
      const x = tf.tensor2d(Float32Array.from(toMatrix(pts).data), [6, 5])
      const samples = Array.from({ length: NETS }, (_, s) => sampleNet(x, arch, s + 1))
      x.dispose()
      for (const kind of ['nngp', 'ntk'] as const) {
        const analytic = k[kind]!
        let worstZ = 0
        for (let e = 0; e < 36; e++) {
          const v = samples.map((s) => s[kind][e]!)
          const mean = v.reduce((a, b) => a + b, 0) / NETS
          const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (NETS - 1))
          const se = sd / Math.sqrt(NETS)
          const i = Math.floor(e / 6)
          const j = e % 6
          const scale = Math.sqrt(analytic[i * 7]! * analytic[j * 7]!)
          const dev = Math.abs(mean - analytic[e]!)
          expect(dev, `${kind}[${i},${j}] mean ${mean} analytic ${analytic[e]} se ${se}`).toBeLessThanOrEqual(5 * se + (3 / WIDTH) * scale)
          worstZ = Math.max(worstZ, dev / se)
        }
        // the spread must be real noise, not zero (else the check above is vacuous)
        console.log(`${arch.activation.name} ${kind}: worst deviation ${worstZ.toFixed(2)} SE`)
        expect(worstZ).toBeGreaterThan(0)
      }
    })
  }
})
