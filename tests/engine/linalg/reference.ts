// Float64 brute-force references for the linalg tests, written independently of the engine code.
import { mulberry32 } from '../../helpers/prng'

/** Deterministic uniform(−1, 1) stream (mulberry32). */
export function rng(seed: number): () => number {
  const u = mulberry32(seed)
  return () => u() * 2 - 1
}

/** Random SPD: A = G Gᵀ / d + c·I (f64, row-major). */
export function randomSpd(n: number, seed: number, c = 1, d = n): Float64Array {
  const r = rng(seed)
  const g = Float64Array.from({ length: n * d }, () => r())
  const a = new Float64Array(n * n)
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0
      for (let k = 0; k < d; k++) s += g[i * d + k]! * g[j * d + k]!
      a[i * n + j] = a[j * n + i] = s / d + (i === j ? c : 0)
    }
  return a
}

/** Random orthogonal n×n (modified Gram–Schmidt on a random matrix, twice for orthogonality). */
export function randomOrthogonal(n: number, seed: number): Float64Array {
  const r = rng(seed)
  const q = Float64Array.from({ length: n * n }, () => r()) // columns = vectors, stored as rows here
  for (let pass = 0; pass < 2; pass++)
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        let d = 0
        for (let k = 0; k < n; k++) d += q[i * n + k]! * q[j * n + k]!
        for (let k = 0; k < n; k++) q[i * n + k] = q[i * n + k]! - d * q[j * n + k]!
      }
      let nn = 0
      for (let k = 0; k < n; k++) nn += q[i * n + k]! ** 2
      nn = Math.sqrt(nn)
      for (let k = 0; k < n; k++) q[i * n + k] = q[i * n + k]! / nn
    }
  return q
}

/** Q diag(λ) Qᵀ with Q's rows as the eigenvectors. */
export function withSpectrum(q: Float64Array, lam: number[], n: number): Float64Array {
  const a = new Float64Array(n * n)
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0
      for (let k = 0; k < n; k++) s += q[k * n + i]! * lam[k]! * q[k * n + j]!
      a[i * n + j] = a[j * n + i] = s
    }
  return a
}

/** Gaussian elimination with partial pivoting, float64: solves A X = B (B row-major n×k). */
export function solveF64(a: Float64Array, b: Float64Array, n: number, k: number): Float64Array {
  const m = Float64Array.from(a)
  const x = Float64Array.from(b)
  for (let c = 0; c < n; c++) {
    let p = c
    for (let i = c + 1; i < n; i++) if (Math.abs(m[i * n + c]!) > Math.abs(m[p * n + c]!)) p = i
    if (p !== c) {
      for (let j = 0; j < n; j++) [m[c * n + j], m[p * n + j]] = [m[p * n + j]!, m[c * n + j]!]
      for (let j = 0; j < k; j++) [x[c * k + j], x[p * k + j]] = [x[p * k + j]!, x[c * k + j]!]
    }
    for (let i = c + 1; i < n; i++) {
      const f = m[i * n + c]! / m[c * n + c]!
      if (f === 0) continue
      for (let j = c; j < n; j++) m[i * n + j] = m[i * n + j]! - f * m[c * n + j]!
      for (let j = 0; j < k; j++) x[i * k + j] = x[i * k + j]! - f * x[c * k + j]!
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    for (let j = 0; j < k; j++) {
      let s = x[c * k + j]!
      for (let i = c + 1; i < n; i++) s -= m[c * n + i]! * x[i * k + j]!
      x[c * k + j] = s / m[c * n + c]!
    }
  }
  return x
}

export function matmulF64(a: ArrayLike<number>, b: ArrayLike<number>, n: number, m: number, k: number): Float64Array {
  const c = new Float64Array(n * k)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      const v = a[i * m + j]!
      for (let l = 0; l < k; l++) c[i * k + l] = c[i * k + l]! + v * b[j * k + l]!
    }
  return c
}

export function relErr(x: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0
  let den = 0
  for (let i = 0; i < ref.length; i++) {
    num += (x[i]! - ref[i]!) ** 2
    den += ref[i]! ** 2
  }
  return Math.sqrt(num / (den || 1))
}
