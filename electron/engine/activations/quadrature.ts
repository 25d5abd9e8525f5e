import * as tf from '@tensorflow/tfjs-core'
import { correlation } from './correlation'
import { gaussHermite } from './hermite'
import type { ActivationKernel, DualMaps, PairTile } from './types'

// Any φ by Gauss–Hermite quadrature over the bivariate normal (docs/math.md §1). With c the correlation,
// u = √q1 zᵢ and v = √q2 (c zᵢ + √(1 − c²) zⱼ) have the right covariance, so
//   T = Σᵢ wᵢ φ(√q1 zᵢ) Σⱼ wⱼ φ(√q2 (c zᵢ + √(1 − c²) zⱼ)),   Ṫ the same with φ′,   q ← Σᵢ wᵢ φ(√q zᵢ)².
// Cost: degree² elementwise passes per map; accurate for smooth φ, poor for kinks (ReLU), as NT warns.
export const DEFAULT_QUADRATURE_DEGREE = 25

function expectation(
  f: (x: tf.Tensor) => tf.Tensor,
  sq1: tf.Tensor2D,
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  z: Float64Array,
  w: Float64Array,
): tf.Tensor2D {
  let acc: tf.Tensor2D | null = null
  for (let i = 0; i < z.length; i++) {
    const next: tf.Tensor2D = tf.tidy(() => {
      const azi = tf.mul(a, z[i]!)
      let inner: tf.Tensor | null = null
      for (let j = 0; j < z.length; j++) {
        const term = tf.mul(f(tf.add(azi, tf.mul(b, z[j]!))), w[j]!)
        inner = inner ? tf.add(inner, term) : term
      }
      const outer = tf.mul(f(tf.mul(sq1, z[i]!)), w[i]!)
      const contrib = tf.mul(inner!, outer) as tf.Tensor2D
      return acc ? (tf.add(acc, contrib) as tf.Tensor2D) : contrib
    })
    acc?.dispose()
    acc = next
  }
  return acc!
}

export function quadratureDual(
  phi: (x: tf.Tensor) => tf.Tensor,
  dphi: (x: tf.Tensor) => tf.Tensor,
  nodes: { z: Float64Array; w: Float64Array },
  k: PairTile,
  needDot: boolean,
): DualMaps {
  const parts = tf.tidy(() => {
    const c = correlation(k)
    const sq2 = tf.sqrt(k.q2)
    return { sq1: tf.sqrt(k.q1), a: tf.mul(c, sq2) as tf.Tensor2D, b: tf.mul(tf.sqrt(tf.sub(1, tf.mul(c, c))), sq2) as tf.Tensor2D }
  })
  try {
    const t = expectation(phi, parts.sq1, parts.a, parts.b, nodes.z, nodes.w)
    return { t, tDot: needDot ? expectation(dphi, parts.sq1, parts.a, parts.b, nodes.z, nodes.w) : null }
  } finally {
    tf.dispose(parts)
  }
}

/** Wraps any elementwise φ (with its derivative φ′) as an activation whose kernel maps use quadrature. */
export function quadrature(
  name: string,
  phi: (x: tf.Tensor) => tf.Tensor,
  dphi: (x: tf.Tensor) => tf.Tensor,
  degree = DEFAULT_QUADRATURE_DEGREE,
): ActivationKernel {
  const nodes = gaussHermite(degree)
  return {
    name,
    phi,
    dphi,
    dual: (k, needDot) => quadratureDual(phi, dphi, nodes, k, needDot),
    diag: (q) =>
      tf.tidy(() => {
        const sq = tf.sqrt(q)
        let acc: tf.Tensor | null = null
        for (let i = 0; i < nodes.z.length; i++) {
          const v = phi(tf.mul(sq, nodes.z[i]!))
          const term = tf.mul(tf.mul(v, v), nodes.w[i]!)
          acc = acc ? tf.add(acc, term) : term
        }
        return acc as tf.Tensor2D
      }),
  }
}

/** tanh through the quadrature path (no closed form exists). */
export function tanhQuadrature(degree = DEFAULT_QUADRATURE_DEGREE): ActivationKernel {
  return quadrature(
    'tanh',
    (x) => tf.tanh(x),
    (x) =>
      tf.tidy(() => {
        const t = tf.tanh(x)
        return tf.sub(1, tf.mul(t, t))
      }),
    degree,
  )
}
