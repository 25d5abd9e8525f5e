import * as tf from '@tensorflow/tfjs-core'
import type { PairBatch, PairBatchRule, PairRule, PairState } from './types'

// Flatten, [h, w, c] → [h·w·c]. The next dense layer's fan-in is h·w·c, so its kernel sees the mean over
// positions of the per-position covariance: the readout of the spatial diagonal (Novak et al. 2019, §3.1;
// neural-tangents' Flatten):   Σ′ = (1/P) Σ_i Σ_ii,   Θ′ = (1/P) Σ_i Θ_ii.
// Only the diagonal is read, which is why a network without pooling tracks only the diagonal.

function diagonalMean(a: Float64Array, p: number, full: boolean): number {
  let acc = 0
  if (full) for (let i = 0; i < p; i++) acc += a[i * p + i]!
  else for (let i = 0; i < p; i++) acc += a[i]!
  return acc / p
}

export function flattenKernel(): PairRule {
  return (s: PairState) => {
    const p = s.h * s.w
    s.nngp[0] = diagonalMean(s.nngp, p, s.full)
    if (s.ntk) s.ntk[0] = diagonalMean(s.ntk, p, s.full)
    s.h = 1
    s.w = 1
    s.full = false
  }
}

/**
 * Keeps the spatial diagonal only: the state a layer after the last pooling layer needs (positions i ≠ j
 * are never read again). Not a layer of the network; the plan runner inserts it.
 */
export function toDiagonalKernel(): PairRule {
  return (s: PairState) => {
    if (!s.full) return
    const p = s.h * s.w
    for (let i = 0; i < p; i++) s.nngpAlt[i] = s.nngp[i * p + i]!
    const t = s.nngp
    s.nngp = s.nngpAlt
    s.nngpAlt = t
    if (s.ntk) {
      for (let i = 0; i < p; i++) s.ntkAlt![i] = s.ntk[i * p + i]!
      const u = s.ntk
      s.ntk = s.ntkAlt
      s.ntkAlt = u
    }
    s.full = false
  }
}

/** Finite forward, x [n, …] → [n, features]. */
export function flattenForward(x: tf.Tensor): tf.Tensor2D {
  return tf.reshape(x, [x.shape[0]!, -1])
}

/** The kernel rule in tensor form: the mean of each pair's spatial diagonal, [B, P] → [B, 1]. */
export function flattenKernelTf(): PairBatchRule {
  return (s: PairBatch) => ({ h: 1, w: 1, nngp: tf.mean(s.nngp, 1, true) as tf.Tensor2D, ntk: s.ntk ? (tf.mean(s.ntk, 1, true) as tf.Tensor2D) : null })
}
