import * as tf from '@tensorflow/tfjs-core'
import { tidyDual } from './tidy-dual'
import type { ActivationKernel, DualMaps, PairTile } from './types'

// a·erf(b·x) + c (docs/math.md §1). With Σ, q scaled by b² and P = (1 + 2q1)(1 + 2q2):
//   T₀ = (2/π) atan2(2Σ, √(P − 4Σ²)),  Ṫ₀ = (4/π) / √(P − 4Σ²),  q ← (2/π) atan2(q, √(q + ¼));
// then Σ ← a² T₀ + c², q ← a² q + c², Θ ← a² b² Θ Ṫ₀.
// P − 4Σ² ≥ 1 + 2q1 + 2q2 > 0, so atan2(2Σ, √·) = atan(2Σ/√·) and no clamping is needed.
export function erfDual(a: number, b: number, c: number, k: PairTile, needDot: boolean): DualMaps {
  return tidyDual(() => {
    const b2 = b * b
    const p = tf.mul(tf.add(tf.mul(k.q1, 2 * b2), 1), tf.add(tf.mul(k.q2, 2 * b2), 1))
    const s = tf.mul(k.s, b2)
    const r = tf.rsqrt(tf.sub(p, tf.mul(tf.mul(s, s), 4)))
    const t0 = tf.atan(tf.mul(tf.mul(s, r), 2))
    const t = (c === 0 ? tf.mul(t0, (2 / Math.PI) * a * a) : tf.add(tf.mul(t0, (2 / Math.PI) * a * a), c * c)) as tf.Tensor2D
    return needDot ? { t, tDot: tf.mul(r, (4 / Math.PI) * a * a * b2) } : { t, tDot: null }
  })
}

export function erfDualAt(a: number, b: number, c: number, s: number, q1: number, q2: number, out: Float64Array): void {
  const b2 = b * b
  const sb = s * b2
  const r = 1 / Math.sqrt((1 + 2 * b2 * q1) * (1 + 2 * b2 * q2) - 4 * sb * sb)
  out[0] = (2 / Math.PI) * a * a * Math.atan(2 * sb * r) + c * c
  out[1] = (4 / Math.PI) * a * a * b2 * r
}

export function erf(a = 1, b = 1, c = 0): ActivationKernel {
  const name = a === 1 && b === 1 && c === 0 ? 'erf' : `erf:${a},${b},${c}`
  return {
    name,
    dualAt: (s, q1, q2, out) => erfDualAt(a, b, c, s, q1, q2, out),
    phi: (x) => tf.tidy(() => tf.add(tf.mul(tf.erf(tf.mul(x, b)), a), c)),
    dphi: (x) => tf.tidy(() => tf.mul(tf.exp(tf.mul(tf.mul(x, x), -b * b)), (2 / Math.sqrt(Math.PI)) * a * b)),
    dual: (k, needDot) => erfDual(a, b, c, k, needDot),
    diag: (q) =>
      tf.tidy(() => {
        const qb = tf.mul(q, b * b)
        return tf.add(tf.mul(tf.atan2(qb, tf.sqrt(tf.add(qb, 0.25))), (2 / Math.PI) * a * a), c * c) as tf.Tensor2D
      }),
  }
}
