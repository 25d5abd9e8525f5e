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

/** Finite forward, x [n, n_in] → [n, units]; params.w [n_in, units], params.b [units]. */
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
