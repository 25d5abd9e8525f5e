import * as tf from '@tensorflow/tfjs-core'
import type { FcArch } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'
import { Xoshiro128 } from '../core/random'
import { gemm } from '../blas/gemm'
import { activationDerivative, activationFn } from '../activations/index'
import { applyTensorSrht, tensorSrht, type TensorSrht } from './tensor-srht'
import { linearSplitFeatureMap, linearSplitSizes } from './linear-split-features'
import type { FeatureKind, FeatureMap } from './types'

// NTK / NNGP random features of a fully-connected network (Zandieh, Han, Avron, Shoham, Kim, Shin,
// "Scaling Neural Tangent Kernels via Sketching and Random Features", NeurIPS 2021), in the layer order of
// the analytic recursion (ntk/layers.ts). Per point we carry h (hᵀh' ≈ Σ of the layer input) and ψ
// (ψᵀψ' ≈ Θ); the stax-style pairs:
//   Dense(σ_w, σ_b):  z = [σ_w h, σ_b]                       (zᵀz' = σ_w² Σ + σ_b², exact)
//                     NTK param.:       ψ ← [σ_w ψ, z]       (Θ ← Σ_new + σ_w² Θ)
//                     standard param.:  ψ ← [σ_w ψ, √n_in h, 1]  (Θ ← n_in Σ_old + σ_w² Θ + 1)
//   φ:                u = z W, W ∈ R^{dim z × m₁} with N(0, 1) entries;
//                     h = φ(u)/√m₁   (E[hᵀh'] = E[φ(w·z)φ(w·z')] = T(Σ); arc-cosine features for ReLU)
//                     a = φ′(u)/√m₁  (E[aᵀa'] = Ṫ(Σ))
//                     ψ ← TensorSRHT(ψ ⊗ a) ∈ R^{m_s}       (E = Θ · Ṫ)
// The last Dense gives the output features: ψ (NTK) or z (NNGP). One W serves h and a (a = φ′ of the same
// projection): each inner product stays unbiased given the previous layers, and one projection is half the
// cost of two. With one hidden layer the map is exactly unbiased; deeper, T and Ṫ are applied to an
// estimated Σ, which leaves an O(1/m₁) bias that falls with m.
// Sizes for a requested m (NTK): the regression sees only the output ψ = [σ_w S(ψ ⊗ a), σ_w h, σ_b], and
// its accuracy is set by how many output features there are, not by the hidden widths: measured on MNIST
// (docs/performance.md, "Random features: where the accuracy goes"), a half/half split (m₁ = m_s = m/2 in
// every layer) lost 1.5–2.2 points more than a map whose last sketch is wide, while the kernel's Frobenius
// error moved the other way. So the hidden layers use m₁ = m/4 − (bias ? 1 : 0) and m_s = m/4 (the ψ that
// enters the next sketch has m/2 entries, a power of two when m is), and the last TensorSRHT fills the rest:
// m_s,last = m − m/4, dim ψ = m. The projections z·W, O(n·m₁²) per layer, cost a quarter of the half/half
// split's; the sketches are O(n·m log m). NNGP: m₁ = m − (bias ? 1 : 0).

interface RfLayer {
  /** dz × m₁, row-major */
  w: Float32Array
  srht: TensorSrht | null
}

export interface RandomFeatureOptions {
  arch: FcArch
  kind: FeatureKind
  inDim: number
  features: number
  seed: number
  /** 'plain' forces the construction above even where the linear split applies (benchmarks, tests) */
  construction?: RfConstruction
}

export type RfConstruction = 'auto' | 'plain'
type SizeQuery = { arch: FcArch; kind: FeatureKind; inDim: number; features: number; construction?: RfConstruction }
const splitOf = (o: SizeQuery) => (o.construction === 'plain' ? null : linearSplitSizes(o))

/** m₁ hidden features per layer, m_s sketch rows of the hidden layers, m_s,last of the last one, and dim ψ. */
export function randomFeatureSizes(o: SizeQuery): { m1: number; ms: number; msLast: number; dim: number } {
  const split = splitOf(o)
  if (split) return { m1: split.m1, ms: split.ms[0] ?? 0, msLast: split.ms[split.ms.length - 1] ?? 0, dim: split.dim }
  const bias = o.arch.bStd !== null ? 1 : 0
  if (o.arch.depth === 0) return { m1: 0, ms: 0, msLast: 0, dim: o.inDim + bias }
  if (o.kind === 'nngp') {
    const m1 = o.features - bias
    return { m1, ms: 0, msLast: 0, dim: m1 + bias }
  }
  const quarter = Math.max(Math.floor(o.features / 4), 1 + bias)
  const m1 = quarter - bias
  const msLast = o.features - quarter
  return { m1, ms: quarter, msLast, dim: msLast + m1 + bias }
}

/** Per hidden layer: the projection's input width dz and m₁ columns, and the sketch's ψ width and rows (cost model). */
export function randomFeatureLayers(o: SizeQuery): { dz: number; m1: number; dPsi: number; ms: number }[] {
  const bias = o.arch.bStd !== null ? 1 : 0
  const d = o.inDim
  const split = splitOf(o)
  if (split) {
    let sk = 0
    return Array.from({ length: o.arch.depth }, (_, l) => {
      const layer = { dz: d + l * split.m1 + bias, m1: split.m1, dPsi: d + l * split.m1 + sk + bias, ms: split.ms[l] ?? 0 }
      sk += layer.ms
      return layer
    })
  }
  const { m1, ms, msLast } = randomFeatureSizes(o)
  return Array.from({ length: o.arch.depth }, (_, l) => ({
    dz: l === 0 ? d + bias : m1 + bias,
    m1,
    dPsi: l === 0 ? d + bias : ms + m1 + bias,
    ms: o.kind === 'ntk' ? (l === o.arch.depth - 1 ? msLast : ms) : 0,
  }))
}

export function randomFeatureMap(o: RandomFeatureOptions): FeatureMap {
  const { arch, kind, inDim: d } = o
  if (!Number.isInteger(o.features) || o.features < 4) {
    throw new UserError('bad_features', `--features ${o.features}: need an integer ≥ 4`, 'e.g. --features 4096')
  }
  if (kind === 'ntk' && arch.parameterization === 'standard' && arch.depth > 0 && arch.width === 'inf') {
    throw new UserError('standard_needs_width', 'the standard-parameterization NTK grows with the hidden width, so it needs a finite width', 'Give the hidden width, or use the NTK parameterization, or --kind nngp.')
  }
  const blockRows = (dim: number): number => Math.max(16, Math.min(1024, Math.floor((1 << 22) / Math.max(dim, d))))
  if (splitOf(o)) {
    // ABReLU activations: the linear part exactly, only the |u| part sampled (linear-split-features.ts)
    const m = linearSplitFeatureMap({ arch, kind, inDim: d, features: o.features, rng: new Xoshiro128(o.seed >>> 0) })
    return { method: 'rf', kind, arch, inDim: d, dim: m.dim, blockRows: blockRows(m.dim), apply: m.apply, dispose: m.dispose }
  }
  const { m1, ms, msLast, dim } = randomFeatureSizes(o)
  const bias = arch.bStd !== null
  const bStd = arch.bStd ?? 0
  const wStd = arch.wStd
  const standard = arch.parameterization === 'standard'
  const rng = new Xoshiro128(o.seed >>> 0)
  const phi = activationFn(arch.activation)
  const dphi = activationDerivative(arch.activation)
  const ntk = kind === 'ntk'

  // Draw order is fixed (layer by layer: W, then the sketch), so a seed names one map.
  const layers: RfLayer[] = []
  let dz = d + (bias ? 1 : 0)
  let dPsi = d + (bias ? 1 : 0)
  for (let l = 0; l < arch.depth; l++) {
    const w = rng.normals(dz * m1)
    const srht = ntk ? tensorSrht(rng, dPsi, m1, l === arch.depth - 1 ? msLast : ms) : null
    layers.push({ w, srht })
    dz = m1 + (bias ? 1 : 0)
    dPsi = ms + m1 + (bias ? 1 : 0)
  }
  const hiddenWidth = arch.width === 'inf' ? 0 : arch.width
  const inv = 1 / Math.sqrt(Math.max(m1, 1))

  /** [σ_w h, σ_b]: rows × (w + bias) */
  const denseZ = (h: Float32Array, rows: number, w: number): Float32Array => {
    const cols = w + (bias ? 1 : 0)
    const z = new Float32Array(rows * cols)
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < w; c++) z[r * cols + c] = wStd * h[r * w + c]!
      if (bias) z[r * cols + w] = bStd
    }
    return z
  }
  /** the Dense's new Θ features: [σ_w ψ, z] or [σ_w ψ, √n_in h, 1] */
  const denseNtk = (psi: Float32Array | null, dp: number, h: Float32Array, w: number, z: Float32Array, nIn: number, rows: number): { psi: Float32Array; dp: number } => {
    const tail = standard ? w + (bias ? 1 : 0) : z.length / rows
    const cols = (psi ? dp : 0) + tail
    const out = new Float32Array(rows * cols)
    const sq = Math.sqrt(nIn)
    for (let r = 0; r < rows; r++) {
      const o0 = r * cols
      if (psi) for (let c = 0; c < dp; c++) out[o0 + c] = wStd * psi[r * dp + c]!
      const t0 = o0 + (psi ? dp : 0)
      if (standard) {
        for (let c = 0; c < w; c++) out[t0 + c] = sq * h[r * w + c]!
        if (bias) out[t0 + w] = 1
      } else {
        out.set(z.subarray(r * tail, (r + 1) * tail), t0)
      }
    }
    return { psi: out, dp: cols }
  }

  return {
    method: 'rf',
    kind,
    arch,
    inDim: d,
    dim,
    blockRows: blockRows(dim),
    async apply(x, rows) {
      // input: h = x/√d, Σ⁰ = x·x'/d
      let h: Float32Array = new Float32Array(rows * d)
      const s = 1 / Math.sqrt(d)
      for (let i = 0; i < rows * d; i++) h[i] = x[i]! * s
      let w = d
      let nIn = d
      let psi: Float32Array | null = null
      let dp = 0
      for (let l = 0; l <= arch.depth; l++) {
        const z = denseZ(h, rows, w)
        if (ntk) ({ psi, dp } = denseNtk(psi, dp, h, w, z, nIn, rows))
        if (l === arch.depth) return ntk ? psi! : z
        const layer = layers[l]!
        const uData = gemm(z, layer.w, { m: rows, k: z.length / rows, n: m1 })
        const [hh, aa] = tf.tidy(() => {
          const u = tf.tensor2d(uData, [rows, m1])
          const hT = tf.mul(phi(u), inv)
          return ntk ? [hT, tf.mul(dphi(u), inv)] : [hT]
        })
        h = (await hh!.data()) as Float32Array
        hh!.dispose()
        if (ntk) {
          const a = (await aa!.data()) as Float32Array
          aa!.dispose()
          psi = applyTensorSrht(layer.srht!, psi!, a, rows)
          dp = layer.srht!.m
        }
        w = m1
        nIn = hiddenWidth
      }
      throw new Error('unreachable')
    },
    dispose() {},
  }
}
