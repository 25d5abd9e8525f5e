import * as tf from '@tensorflow/tfjs-core'
import type { LayerParams, PairRule, PairState } from './types'

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
