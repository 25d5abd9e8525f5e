import * as tf from '@tensorflow/tfjs-core'
import type { PairState } from './types'

// The input layer's covariance (Novak et al. 2019, eq. 5; neural-tangents normalises by the channel count):
//   Σ⁰(x, x′)_ij = Σ_c x_{i,c} x′_{j,c} / C,   Θ⁰ = 0,
// over positions i of x and j of x′ (only i = j when the state tracks the diagonal). A flat input [d] is one
// position with C = d: Σ⁰ = x·x′/d, the FC kernel's input.

/**
 * Writes the input covariance of the pair (a, b) into s (`a`, `b`: the points' h·w·c values, channels last).
 */
export function inputCovariance(s: PairState, a: Float32Array, b: Float32Array, c: number): void {
  const p = s.h * s.w
  const inv = 1 / c
  const out = s.nngp
  if (s.full) {
    for (let i = 0; i < p; i++) {
      const ai = i * c
      const row = i * p
      for (let j = 0; j < p; j++) {
        const bj = j * c
        let acc = 0
        for (let k = 0; k < c; k++) acc += a[ai + k]! * b[bj + k]!
        out[row + j] = acc * inv
      }
    }
  } else {
    for (let i = 0; i < p; i++) {
      const o = i * c
      let acc = 0
      for (let k = 0; k < c; k++) acc += a[o + k]! * b[o + k]!
      out[i] = acc * inv
    }
  }
  if (s.ntk) s.ntk.fill(0, 0, s.full ? p * p : p)
}

/** The input covariance of B pairs on the spatial diagonal: a, b [B, P, C] → Σ⁰ [B, P] (tensor form). */
export function inputCovarianceTf(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor2D {
  return tf.div(tf.sum(tf.mul(a, b), 2), a.shape[2]) as tf.Tensor2D
}
