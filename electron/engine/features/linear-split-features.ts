import type { FcArch } from '../../../shared/arch'
import type { ActivationSpec } from '../../../shared/arch'
import type { Xoshiro128 } from '../core/random'
import { gemm } from '../blas/gemm'
import { applyTensorSrht, tensorSrht, type TensorSrht } from './tensor-srht'
import type { FeatureKind } from './types'

// Random features of the NTK/NNGP for piecewise-linear activations with their linear part computed exactly.
// Any ABReLU φ(u) = a·min(u, 0) + b·max(u, 0) (ReLU, leaky ReLU) splits as
//   φ(u) = α u + β |u|,   φ′(u) = α + β sign(u),   α = (a + b)/2, β = (b − a)/2,
// and with u = w·z, w ~ N(0, I) the cross terms vanish (w → −w flips u and keeps |u|), so
//   T(Σ) = E[φ(u)φ(u′)] = α² z·z′ + β² E[|u||u′|],   Ṫ = E[φ′φ′′] = α² + β² E[sign u sign u′].
// The α parts are known exactly (z·z′ is the previous layer's features' inner product), so only the β parts
// are estimated by Monte Carlo: a control variate (Owen, "Monte Carlo theory, methods and examples",
// 2013, ch. 8). Per point the features are blocks with scalar weights:
//   h = [α z, β |u|/√m₁],  and in ψ ⊗ a with a = [α, β sign(u)/√m₁]:  ψ ⊗ a ≅ [α ψ, β S(ψ ⊗ sign(u)/√m₁)]
// (S a TensorSRHT, Ahle et al. SODA 2020, as in random-features.ts), Dense as in random-features.ts. A block
// that appears in several places (the input x/√d sits in every later z and ψ) is stored once with the square
// root of its summed squared weights, since ⟨c₁v, c₁v′⟩ + ⟨c₂v, c₂v′⟩ = (c₁² + c₂²)⟨v, v′⟩. The output is
//   ψ_L = [c₀ x/√d, c₁ |u₁|/√m₁, …, c_L |u_L|/√m₁, c′₁ S₁, …, c′_L S_L, c_b]   (m′ = d + L·m₁ + Σ m_s + bias).
// Why: for ReLU the variance of one feature's product falls from 1.25 to 0.125 (in units of q²) for equal
// inputs and from 0.225 to 0.037 for orthogonal ones, and E[sign·sign′] has no variance as the correlation
// tends to 1, where MNIST's deep-layer correlations sit. Measured (docs/performance.md): kernel error and
// accuracy at equal m′ against the plain construction of random-features.ts.

/** (α, β) of φ = α u + β |u| when φ is piecewise linear with both parts nonzero, else null. */
export function linearSplit(act: ActivationSpec): { alpha: number; beta: number } | null {
  let a: number
  let b: number
  if (act.name === 'relu') [a, b] = [0, 1]
  else if (act.name === 'leaky_relu') [a, b] = [act.alpha, 1]
  else if (act.name === 'abrelu') [a, b] = [act.a, act.b]
  else return null
  const alpha = (a + b) / 2
  const beta = (b - a) / 2
  return alpha !== 0 && beta !== 0 ? { alpha, beta } : null
}

export interface SplitSizes {
  m1: number
  /** sketch rows of each layer (NTK), [] for the NNGP */
  ms: number[]
  dim: number
}

/**
 * Sizes for a requested m, or null when the exact blocks would take more than m/8 of it (d ≥ m/8: at m = 2n
 * with d = 784 and n = 1 000 the plain construction scored 0.794 against 0.761, tests/engine/features/rf-accuracy.test.ts):
 * budget B = m − d − bias; m₁ = B/8 per layer and hidden sketches of m₁/2, the last sketch taking the rest
 * (the regression's accuracy follows the output features; docs/performance.md); NNGP: m₁ = B/L.
 */
export function linearSplitSizes(o: { arch: FcArch; kind: FeatureKind; inDim: number; features: number }): SplitSizes | null {
  const L = o.arch.depth
  if (L === 0 || !linearSplit(o.arch.activation)) return null
  const bias = o.arch.bStd !== null ? 1 : 0
  const budget = o.features - o.inDim - bias
  if (budget < (7 * o.features) / 8 || budget < 8 * L) return null
  if (o.kind === 'nngp') {
    const m1 = Math.floor(budget / L)
    return { m1, ms: [], dim: o.inDim + L * m1 + bias }
  }
  const m1 = Math.max(1, Math.floor(budget / 8))
  const hidden = Math.max(1, Math.floor(m1 / 2))
  const ms = Array.from({ length: L }, (_, l) => (l < L - 1 ? hidden : budget - L * m1 - (L - 1) * hidden))
  return { m1, ms, dim: o.features }
}

interface Layer {
  /** dz × m₁, row-major */
  w: Float32Array
  srht: TensorSrht | null
}

/** Weighted blocks → one rows × width matrix [√c₀ B₀, √c₁ B₁, …, √c_b]; blocks of weight 0 still take their columns. */
function flatten(blocks: Float32Array[], widths: number[], coef: number[], bias2: number, withBias: boolean, rows: number): { data: Float32Array; cols: number } {
  let cols = withBias ? 1 : 0
  for (const w of widths) cols += w
  const out = new Float32Array(rows * cols)
  let c0 = 0
  for (let b = 0; b < blocks.length; b++) {
    const w = widths[b]!
    const s = Math.sqrt(coef[b]!)
    const src = blocks[b]!
    for (let r = 0; r < rows; r++) {
      const o = r * cols + c0
      const i = r * w
      for (let c = 0; c < w; c++) out[o + c] = s * src[i + c]!
    }
    c0 += w
  }
  if (withBias) {
    const s = Math.sqrt(bias2)
    for (let r = 0; r < rows; r++) out[r * cols + c0] = s
  }
  return { data: out, cols }
}

export interface LinearSplitMap {
  dim: number
  apply(x: Float32Array, rows: number): Promise<Float32Array>
  dispose(): void
}

export function linearSplitFeatureMap(o: { arch: FcArch; kind: FeatureKind; inDim: number; features: number; rng: Xoshiro128 }): LinearSplitMap {
  const { arch, kind, inDim: d } = o
  const sizes = linearSplitSizes(o)
  const split = linearSplit(arch.activation)
  if (!sizes || !split) throw new Error('linearSplitFeatureMap: not applicable (check linearSplitSizes first)')
  const { m1, ms } = sizes
  const { alpha, beta } = split
  const a2 = alpha * alpha
  const b2 = beta * beta
  const L = arch.depth
  const bias = arch.bStd !== null
  const sb2 = bias ? arch.bStd! * arch.bStd! : 0
  const sw2 = arch.wStd * arch.wStd
  const standard = arch.parameterization === 'standard'
  const ntk = kind === 'ntk'
  const hiddenWidth = arch.width === 'inf' ? 0 : arch.width
  const biasCol = bias ? 1 : 0

  // draw order: per layer W (dz × m₁), then the sketch; dz and dim ψ grow by the blocks added so far
  const layers: Layer[] = []
  for (let l = 0; l < L; l++) {
    const dz = d + l * m1 + biasCol
    const dPsi = d + l * m1 + ms.slice(0, l).reduce((s, v) => s + v, 0) + biasCol
    const w = o.rng.normals(dz * m1)
    layers.push({ w, srht: ntk ? tensorSrht(o.rng, dPsi, m1, ms[l]!) : null })
  }
  const inv = 1 / Math.sqrt(m1)

  return {
    dim: sizes.dim,
    async apply(x, rows) {
      const xs = new Float32Array(rows * d)
      const s = 1 / Math.sqrt(d)
      for (let i = 0; i < rows * d; i++) xs[i] = x[i]! * s
      // z blocks: [x/√d, |u₁|, …]; ψ blocks: [x/√d, |u₁|, …, S₁, …] (same arrays, own weights)
      const zBlocks: Float32Array[] = [xs]
      const zWidths = [d]
      let ch = [1]
      let hb2 = 0
      const sk: Float32Array[] = []
      const skWidths: number[] = []
      let cpZ: number[] = [] // ψ's weights on the z blocks
      let cpS: number[] = [] // ψ's weights on the sketches
      let pb2 = 0
      let nIn = d
      for (let l = 0; l <= L; l++) {
        // Dense: z = σ_w h + σ_b;  ψ ← [σ_w ψ, z] (NTK) or [σ_w ψ, √n_in h, 1] (standard)
        const cz = ch.map((c) => sw2 * c)
        const zb2 = sw2 * hb2 + sb2
        if (ntk) {
          const add = standard ? ch.map((c) => nIn * c) : cz
          cpZ = add.map((c, i) => (l === 0 ? 0 : sw2 * (cpZ[i] ?? 0)) + c)
          cpS = cpS.map((c) => sw2 * c)
          pb2 = (l === 0 ? 0 : sw2 * pb2) + (standard ? nIn * hb2 + (bias ? 1 : 0) : zb2)
        }
        if (l === L) {
          if (!ntk) return flatten(zBlocks, zWidths, cz, zb2, bias, rows).data
          return flatten([...zBlocks, ...sk], [...zWidths, ...skWidths], [...cpZ, ...cpS], pb2, bias, rows).data
        }
        const layer = layers[l]!
        const z = flatten(zBlocks, zWidths, cz, zb2, bias, rows)
        const absU = gemm(z.data, layer.w, { m: rows, k: z.cols, n: m1 })
        const sgn = new Float32Array(rows * m1)
        for (let i = 0; i < absU.length; i++) {
          const u = absU[i]!
          sgn[i] = u > 0 ? inv : u < 0 ? -inv : 0
          absU[i] = (u < 0 ? -u : u) * inv
        }
        if (ntk) {
          const psi = flatten([...zBlocks, ...sk], [...zWidths, ...skWidths], [...cpZ, ...cpS], pb2, bias, rows)
          sk.push(applyTensorSrht(layer.srht!, psi.data, sgn, rows))
          skWidths.push(layer.srht!.m)
          // ψ ⊗ a, a = [α, β sign(u)/√m₁]
          cpZ = cpZ.map((c) => a2 * c)
          cpS = [...cpS.map((c) => a2 * c), b2]
          pb2 = a2 * pb2
        }
        // h = [α z, β |u|/√m₁]
        ch = [...cz.map((c) => a2 * c), b2]
        hb2 = a2 * zb2
        zBlocks.push(absU)
        zWidths.push(m1)
        if (ntk) cpZ.push(0)
        nIn = hiddenWidth
      }
      throw new Error('unreachable')
    },
    dispose() {},
  }
}
