import type { ActivationSpec } from '../../../shared/arch'

// An independent float64 re-implementation of the MLP forward pass (plain JS, no tfjs), used by the tests
// to get Jacobians and gradients by central finite differences.

export interface F64Layer {
  w: Float64Array // nIn × nOut row-major
  b: Float64Array | null
  nIn: number
  nOut: number
  wScale: number
  bScale: number
}

// erf to ~1e-15: Maclaurin series for |x| < 3, continued fraction for erfc beyond.
export function erf64(x: number): number {
  const ax = Math.abs(x)
  if (ax < 3) {
    let term = ax
    let sum = ax
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n
      const add = term / (2 * n + 1)
      sum += add
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) (Lentz-free backward evaluation)
  let f = ax
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f
  return Math.sign(x) * (1 - erfc)
}

export function phi64(spec: ActivationSpec): (z: number) => number {
  switch (spec.name) {
    case 'relu':
      return (z) => Math.max(z, 0)
    case 'identity':
      return (z) => z
    case 'abs':
      return (z) => Math.abs(z)
    case 'gelu':
      return (z) => 0.5 * z * (1 + erf64(z / Math.SQRT2))
    case 'sin':
      return Math.sin
    case 'leaky_relu':
      return (z) => (z > 0 ? z : spec.alpha * z)
    case 'abrelu':
      return (z) => (z > 0 ? spec.b * z : spec.a * z)
    case 'erf':
      return (z) => spec.a * erf64(spec.b * z) + spec.c
  }
}

/** f(x) for a float64 network: rows × outDim, row-major. */
export function forward64(layers: F64Layer[], phi: (z: number) => number, x: Float64Array, rows: number): Float64Array {
  let h = x
  for (let l = 0; l < layers.length; l++) {
    const L = layers[l]!
    const z = new Float64Array(rows * L.nOut)
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < L.nOut; j++) {
        let s = 0
        for (let a = 0; a < L.nIn; a++) s += h[i * L.nIn + a]! * L.w[a * L.nOut + j]!
        z[i * L.nOut + j] = L.wScale * s + (L.b ? L.bScale * L.b[j]! : 0)
      }
    h = l === layers.length - 1 ? z : z.map(phi)
  }
  return h
}

/** every parameter as a (array, index) pair, in the order W0, b0, W1, b1, ... */
export function paramSlots(layers: F64Layer[]): { arr: Float64Array; i: number }[] {
  const out: { arr: Float64Array; i: number }[] = []
  for (const L of layers) {
    for (let i = 0; i < L.w.length; i++) out.push({ arr: L.w, i })
    if (L.b) for (let i = 0; i < L.b.length; i++) out.push({ arr: L.b, i })
  }
  return out
}

/** J[k][i][p] = ∂f_k(x_i)/∂p by central differences. */
export function jacobianFd(layers: F64Layer[], phi: (z: number) => number, x: Float64Array, rows: number, eps = 1e-5): number[][][] {
  const K = layers[layers.length - 1]!.nOut
  const slots = paramSlots(layers)
  const J = Array.from({ length: K }, () => Array.from({ length: rows }, () => new Array<number>(slots.length).fill(0)))
  slots.forEach(({ arr, i }, p) => {
    const v = arr[i]!
    arr[i] = v + eps
    const fp = forward64(layers, phi, x, rows)
    arr[i] = v - eps
    const fm = forward64(layers, phi, x, rows)
    arr[i] = v
    for (let r = 0; r < rows; r++) for (let k = 0; k < K; k++) J[k]![r]![p] = (fp[r * K + k]! - fm[r * K + k]!) / (2 * eps)
  })
  return J
}

/** Θ_k = J_k J2_kᵀ; trace: mean over k. */
export function ntkFromJacobians(J: number[][][], J2: number[][][], outputs: 'trace' | 'per-output'): number[][][] {
  const K = J.length
  const per = J.map((Jk, k) => Jk.map((row) => J2[k]!.map((row2) => row.reduce((s, v, p) => s + v * row2[p]!, 0))))
  if (outputs === 'per-output') return per
  const n = J[0]!.length
  const n2 = J2[0]!.length
  const mean = Array.from({ length: n }, (_, i) => Array.from({ length: n2 }, (_, j) => per.reduce((s, Pk) => s + Pk[i]![j]!, 0) / K))
  return [mean]
}

/** deterministic float64 inputs from a tiny LCG (independent of the engine's PRNG) */
export function testInputs(rows: number, cols: number, seed: number, scale = 1): Float64Array {
  let s = seed >>> 0
  const out = new Float64Array(rows * cols)
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = ((s / 4294967296) * 2 - 1) * scale
  }
  return out
}
