import * as tf from '@tensorflow/tfjs-core'
import type { PairRule, PairState } from './types'

// GlobalAvgPool: h′_c = mean_i h_{i,c}, [h, w, c] → [c]. Its kernel averages over all position pairs
// (Novak et al. 2019, §3.2 "global average pooling"; Arora et al. 2019, CNTK-GAP):
//   Σ′ = (1/P²) Σ_{i,j} Σ_ij,   Θ′ = (1/P²) Σ_{i,j} Θ_ij.

function meanAll(a: Float64Array, n: number): number {
  let acc = 0
  for (let k = 0; k < n; k++) acc += a[k]!
  return acc / n
}

export function globalAvgPoolKernel(): PairRule {
  return (s: PairState) => {
    if (!s.full) throw new Error('globalavgpool needs the full spatial covariance')
    const n = s.h * s.w * s.h * s.w
    s.nngp[0] = meanAll(s.nngp, n)
    if (s.ntk) s.ntk[0] = meanAll(s.ntk, n)
    s.h = 1
    s.w = 1
    s.full = false
  }
}

/** Finite forward, x [n, h, w, c] → [n, c]. */
export function globalAvgPoolForward(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D
}
