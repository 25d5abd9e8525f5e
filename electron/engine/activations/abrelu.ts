import * as tf from '@tensorflow/tfjs-core'
import { correlation, normOuter } from './correlation'
import { fastAcos } from './fast-acos'
import { tidyDual } from './tidy-dual'
import type { ActivationKernel, DualMaps, PairTile } from './types'

// ABReLU(a, b): φ(x) = a·min(x, 0) + b·max(x, 0); ReLU = (0, 1), LeakyReLU(α) = (α, 1), |x| = (−1, 1).
// With θ = acos(c), c = Σ/√(q1 q2), f = (a − b)²/(2π)   (docs/math.md §1; acos of the clamped correlation is
// the same angle as atan2(√(q1q2 − Σ²), Σ) and costs half as much):
//   Ṫ = (a² + b²)/2 − f θ,   T = f √(q1q2 − Σ²) + Ṫ Σ = √(q1q2) (f √(1 − c²) + Ṫ c),   q ← (a² + b²)/2 · q.
export function abReluDual(a: number, b: number, k: PairTile, needDot: boolean): DualMaps {
  const f = ((a - b) * (a - b)) / (2 * Math.PI)
  const k0 = (a * a + b * b) / 2
  if (f === 0) {
    // a = b: φ is linear, T = k0 Σ and Ṫ = k0.
    return { t: tf.mul(k.s, k0), tDot: needDot ? tf.scalar(k0) : null }
  }
  return tidyDual(() => {
    const c = correlation(k)
    const theta = tf.acos(c)
    const tDot = tf.add(tf.mul(theta, -f), k0)
    const sinTheta = tf.sqrt(tf.sub(1, tf.mul(c, c)))
    const t = tf.mul(tf.add(tf.mul(sinTheta, f), tf.mul(tDot, c)), normOuter(k)) as tf.Tensor2D
    return needDot ? { t, tDot } : { t, tDot: null }
  })
}

/** abReluDual at one entry in float64 (c clamped; a zero variance gives c = 0, as correlation() does). */
export function abReluDualAt(a: number, b: number, s: number, q1: number, q2: number, out: Float64Array): void {
  const f = ((a - b) * (a - b)) / (2 * Math.PI)
  const k0 = (a * a + b * b) / 2
  const qq = q1 * q2
  if (f === 0 || !(qq > 0)) {
    out[0] = f === 0 ? k0 * s : f * Math.sqrt(Math.max(qq, 0))
    out[1] = f === 0 ? k0 : k0 - f * (Math.PI / 2)
    return
  }
  const norm = Math.sqrt(qq)
  let c = s / norm
  if (c > 1) c = 1
  else if (c < -1) c = -1
  const tDot = k0 - f * fastAcos(c)
  out[0] = norm * (f * Math.sqrt(1 - c * c) + tDot * c)
  out[1] = tDot
}

const RUN_SCRATCH = new Float64Array(2)

/** abReluDualAt over a run of entries in place (ActivationKernel.dualRun). */
export function abReluDualRun(a: number, b: number, sig: Float64Array, ntk: Float64Array | null, off: number, n: number, q1: Float64Array, o1: number, step1: number, q2: Float64Array, o2: number): void {
  const f = ((a - b) * (a - b)) / (2 * Math.PI)
  const k0 = (a * a + b * b) / 2
  const out = RUN_SCRATCH
  for (let k = 0; k < n; k++) {
    const i = off + k
    const qq = q1[o1 + k * step1]! * q2[o2 + k]!
    if (f === 0 || !(qq > 0)) {
      abReluDualAt(a, b, sig[i]!, q1[o1 + k * step1]!, q2[o2 + k]!, out)
      sig[i] = out[0]!
      if (ntk) ntk[i] = ntk[i]! * out[1]!
      continue
    }
    const norm = Math.sqrt(qq)
    let c = sig[i]! / norm
    if (c > 1) c = 1
    else if (c < -1) c = -1
    const tDot = k0 - f * fastAcos(c)
    sig[i] = norm * (f * Math.sqrt(1 - c * c) + tDot * c)
    if (ntk) ntk[i] = ntk[i]! * tDot
  }
}

export function abRelu(a: number, b: number, name = `abrelu:${a},${b}`): ActivationKernel {
  const k0 = (a * a + b * b) / 2
  return {
    name,
    abRelu: { a, b },
    phi: (x) => tf.tidy(() => tf.sub(tf.mul(tf.relu(x), b), tf.mul(tf.relu(tf.neg(x)), a))),
    dphi: (x) => tf.tidy(() => tf.add(tf.mul(tf.step(x), b - a), a)),
    dual: (k, needDot) => abReluDual(a, b, k, needDot),
    diag: (q) => tf.mul(q, k0),
    dualAt: (s, q1, q2, out) => abReluDualAt(a, b, s, q1, q2, out),
    dualRun: (sig, ntk, off, n, q1, o1, step1, q2, o2) => abReluDualRun(a, b, sig, ntk, off, n, q1, o1, step1, q2, o2),
  }
}

export function leakyRelu(alpha: number): ActivationKernel {
  return { ...abRelu(alpha, 1, `leaky_relu:${alpha}`), phi: (x) => tf.leakyRelu(x, alpha) }
}

export function abs(): ActivationKernel {
  return { ...abRelu(-1, 1, 'abs'), phi: (x) => tf.abs(x), dphi: (x) => tf.sign(x) }
}
