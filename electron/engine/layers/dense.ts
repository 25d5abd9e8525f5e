import * as tf from '@tensorflow/tfjs-core'
import { gramAB, type Blocks } from './blocks'
import type { LayerParams, PairBatch, PairBatchRule, PairRule, PairState } from './types'

// Dense(σ_w, σ_b), NTK parameterization: z = σ_w/√n_in · h W + σ_b b (Jacot et al. 2018; docs/math.md §1):
//   Σ′ = σ_w² Σ + σ_b²,   Θ′ = σ_w² Θ + Σ′.
// On a flat state (after flatten or global pooling, or a flat input). The FC kernel's tfjs tiles
// (ntk/layers.ts) apply the same rule to whole matrices.

export interface DenseOptions {
  wStd: number
  /** null: no bias */
  bStd: number | null
}

export function denseKernel(o: DenseOptions): PairRule {
  const w2 = o.wStd * o.wStd
  const b2 = o.bStd === null ? 0 : o.bStd * o.bStd
  return (s: PairState) => {
    if (s.h * s.w !== 1) throw new Error('dense needs a flat state (flatten first)')
    const sig = w2 * s.nngp[0]! + b2
    s.nngp[0] = sig
    if (s.ntk) s.ntk[0] = w2 * s.ntk[0]! + sig
  }
}

/**
 * The rule on whole matrices of pairs (KIP's FC kernel: every target × support pair at once), with its VJP for
 * KIP's hand-written backward pass. `standardFanIn` switches to the standard parameterization (Sohl-Dickstein
 * et al., "On the infinite width limit of neural networks with a standard parameterization", 2020):
 *   Σ′ = σ_w² Σ + σ_b²,   Θ′ = n_in Σ + σ_w² Θ (+ 1 with a bias).
 * `ntk` null: the layer's Θ input is 0 (the first layer); the result's ntk is null when not tracked.
 */
export interface DenseMatrixOptions extends DenseOptions {
  standardFanIn?: number
}

export function denseKernelMatrix(o: DenseMatrixOptions, s: tf.Tensor2D, ntk: tf.Tensor2D | null, trackNtk: boolean): { nngp: tf.Tensor2D; ntk: tf.Tensor2D | null } {
  const w2 = o.wStd * o.wStd
  const b2 = o.bStd === null ? 0 : o.bStd * o.bStd
  const nngp = (b2 === 0 ? tf.mul(s, w2) : tf.add(tf.mul(s, w2), b2)) as tf.Tensor2D
  if (!trackNtk) return { nngp, ntk: null }
  if (o.standardFanIn === undefined) return { nngp, ntk: ntk ? (tf.add(nngp, tf.mul(ntk, w2)) as tf.Tensor2D) : nngp }
  let t = tf.mul(s, o.standardFanIn) as tf.Tensor2D
  if (ntk) t = tf.add(t, tf.mul(ntk, w2)) as tf.Tensor2D
  if (o.bStd !== null) t = tf.add(t, 1) as tf.Tensor2D
  return { nngp, ntk: t }
}

/** VJP of denseKernelMatrix: from ∂/∂(Σ′, Θ′) to ∂/∂(Σ, Θ) (null: zero). */
export function denseKernelMatrixVjp(o: DenseMatrixOptions, gS: tf.Tensor2D | null, gN: tf.Tensor2D | null): { gS: tf.Tensor2D | null; gN: tf.Tensor2D | null } {
  const w2 = o.wStd * o.wStd
  const scale = (a: tf.Tensor2D | null, v: number): tf.Tensor2D | null => (a && v !== 1 ? (tf.mul(a, v) as tf.Tensor2D) : a)
  const add = (a: tf.Tensor2D | null, b: tf.Tensor2D | null): tf.Tensor2D | null => (a && b ? (tf.add(a, b) as tf.Tensor2D) : (a ?? b))
  // NTK: Θ′ = Σ′ + σ_w² Θ, so Σ receives σ_w² (ḡΣ′ + ḡΘ′); standard: Θ′ = n_in Σ + σ_w² Θ
  const gSigma = o.standardFanIn === undefined ? scale(add(gS, gN), w2) : add(scale(gS, w2), scale(gN, o.standardFanIn))
  return { gS: gSigma, gN: scale(gN, w2) }
}

/** The variances q = Σ(x, x) through the layer: q′ = σ_w² q + σ_b² (and their VJP: ḡq = σ_w² ḡq′). */
export function denseVariances(o: DenseOptions, q: tf.Tensor2D): tf.Tensor2D {
  return denseKernelMatrix(o, q, null, false).nngp
}


export function denseForward(o: DenseOptions, p: LayerParams, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const w = p.w as tf.Tensor2D
    const z = tf.mul(tf.matMul(x, w), o.wStd / Math.sqrt(w.shape[0])) as tf.Tensor2D
    return o.bStd === null || !p.b ? z : (tf.add(z, tf.mul(p.b, o.bStd)) as tf.Tensor2D)
  })
}

/**
 * Empirical NTK term of the layer's parameters for one output unit (Jacot et al. 2018; docs/math.md §2): with
 * the layer input h [N, n_in] and G = ∂f/∂z [N, units] per example, ∂f/∂W = wScale · h ⊗ G, ∂f/∂b = σ_b G, so
 *   Θ̂_W+b(x, x′) = wScale² (h hᵀ)⊙(G Gᵀ) + σ_b² G Gᵀ   (no per-example Jacobian is formed).
 */
export function denseEmpirical(o: DenseOptions, h: tf.Tensor2D, g: tf.Tensor2D, bl: Blocks): tf.Tensor2D {
  return tf.tidy(() => {
    const w2 = (o.wStd * o.wStd) / h.shape[1]
    const gg = gramAB(g, bl)
    const t = tf.mul(tf.mul(gramAB(h, bl), gg), w2) as tf.Tensor2D
    return o.bStd === null ? t : (tf.add(t, tf.mul(gg, o.bStd * o.bStd)) as tf.Tensor2D)
  })
}

/** The kernel rule in tensor form on a batch of pairs (flat state [B, 1]; differentiable). */
export function denseKernelTf(o: DenseOptions): PairBatchRule {
  const w2 = o.wStd * o.wStd
  const b2 = o.bStd === null ? 0 : o.bStd * o.bStd
  return (s: PairBatch) => {
    if (s.h * s.w !== 1) throw new Error('dense needs a flat state (flatten first)')
    const nngp = tf.add(tf.mul(s.nngp, w2), b2) as tf.Tensor2D
    return { h: 1, w: 1, nngp, ntk: s.ntk ? (tf.add(tf.mul(s.ntk, w2), nngp) as tf.Tensor2D) : null }
  }
}
