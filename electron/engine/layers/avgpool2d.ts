import * as tf from '@tensorflow/tfjs-core'
import { type PairRule, type PairState, swapNngp, swapNtk } from './types'

// AvgPool2d(P×P, stride P, valid): h′_I = mean_{i ∈ window I} h_i, no parameters. The kernel averages over
// the pooled positions of both points (Novak et al. 2019, §3.2; Arora et al. 2019, §4):
//   Σ′_IJ = mean_{i ∈ I, j ∈ J} Σ_ij,   Θ′_IJ = mean_{i ∈ I, j ∈ J} Θ_ij,
// so it needs the full covariance (entries i ≠ j). Trailing rows/columns that fill no window are dropped.

function poolFull(src: Float64Array, dst: Float64Array, h: number, w: number, ph: number, pw: number): void {
  const oh = Math.floor(h / ph)
  const ow = Math.floor(w / pw)
  const op = oh * ow
  dst.fill(0, 0, op * op)
  const p = h * w
  for (let i = 0; i < p; i++) {
    const I0 = Math.floor(i / w / ph)
    const I1 = Math.floor((i % w) / pw)
    if (I0 >= oh || I1 >= ow) continue
    const I = I0 * ow + I1
    const base = i * p
    for (let j = 0; j < p; j++) {
      const J0 = Math.floor(j / w / ph)
      const J1 = Math.floor((j % w) / pw)
      if (J0 >= oh || J1 >= ow) continue
      const o = I * op + J0 * ow + J1
      dst[o] = dst[o]! + src[base + j]!
    }
  }
  const inv = 1 / (ph * pw * ph * pw)
  for (let k = 0; k < op * op; k++) dst[k] = dst[k]! * inv
}

export function avgpool2dKernel(pool: [number, number]): PairRule {
  return (s: PairState) => {
    if (!s.full) throw new Error('avgpool2d needs the full spatial covariance')
    poolFull(s.nngp, s.nngpAlt, s.h, s.w, pool[0], pool[1])
    swapNngp(s)
    if (s.ntk) {
      poolFull(s.ntk, s.ntkAlt!, s.h, s.w, pool[0], pool[1])
      swapNtk(s)
    }
    s.h = Math.floor(s.h / pool[0])
    s.w = Math.floor(s.w / pool[1])
  }
}

/** Finite forward, x [n, h, w, c] → [n, ⌊h/P⌋, ⌊w/P⌋, c]. */
export function avgpool2dForward(pool: [number, number], x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(x, pool, pool, 'valid')
}
