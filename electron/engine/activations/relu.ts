import * as tf from '@tensorflow/tfjs-core'
import { abReluDual, abReluDualAt, abReluDualRun } from './abrelu'
import type { ActivationKernel } from './types'

// ReLU = ABReLU(0, 1): T = (√(q1q2 − Σ²) + (π − θ) Σ)/(2π), Ṫ = (π − θ)/(2π), q ← q/2 (docs/math.md §1).
export function relu(): ActivationKernel {
  return {
    name: 'relu',
    abRelu: { a: 0, b: 1 },
    phi: (x) => tf.relu(x),
    dphi: (x) => tf.step(x),
    dual: (k, needDot) => abReluDual(0, 1, k, needDot),
    diag: (q) => tf.mul(q, 0.5),
    dualAt: (s, q1, q2, out) => abReluDualAt(0, 1, s, q1, q2, out),
    dualRun: (sig, ntk, off, n, q1, o1, step1, q2, o2) => abReluDualRun(0, 1, sig, ntk, off, n, q1, o1, step1, q2, o2),
  }
}
