import * as tf from '@tensorflow/tfjs-core'
import type { ActivationKernel } from './types'

// φ(x) = x: T = Σ, Ṫ = 1, q unchanged. The tensors pass through untouched.
export function identity(): ActivationKernel {
  return {
    name: 'identity',
    phi: (x) => x,
    dphi: (x) => tf.onesLike(x),
    dual: (k, needDot) => ({ t: k.s, tDot: needDot ? tf.scalar(1) : null }),
    diag: (q) => q,
    dualAt: (s, _q1, _q2, out) => {
      out[0] = s
      out[1] = 1
    },
  }
}
