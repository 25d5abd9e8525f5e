import * as tf from '@tensorflow/tfjs-core'
import { cholBlockInPlace, invLower } from '../electron/engine/linalg/panel'

// The engine's previous Cholesky (left-looking, one thread, one tfjs matmul per block column with L copied
// per block), kept as bench/linalg.ts's same-run baseline for the right-looking factorisation on the worker
// threads (linalg/cholesky.ts).

/**
 * Blocked left-looking Cholesky of the symmetric row-major float32 matrix `a` (lower triangle read):
 *   for each block column J:  P = A[J:, J] − L[J:, :J] · L[J, :J]ᵀ      (one tfjs matmul, explicit transpose)
 *                             L_JJ = chol(P_JJ + shift·I)                (JS float64)
 *                             L[J+1:, J] = P[J+1:, J] · L_JJ⁻ᵀ          (tfjs matmul)
 */
export function leftLookingCholesky(a: Float32Array, n: number, shift = 0, bs = 128): Float32Array {
  if (a.length < n * n) throw new Error(`cholesky: matrix has ${a.length} values, n = ${n} needs ${n * n}`)
  const relTol = 4 * 2 ** -23
  const l = new Float32Array(n * n)
  const blocks = Math.ceil(n / bs)
  for (let bi = 0; bi < blocks; bi++) {
    const c0 = bi * bs
    const b = Math.min(bs, n - c0)
    const m = n - c0
    const panel = panelOf(a, l, n, c0, b)
    const diag0 = new Float64Array(b)
    const d = new Float64Array(b * b)
    for (let i = 0; i < b; i++) {
      diag0[i] = a[(c0 + i) * n + c0 + i]! + shift
      for (let j = 0; j <= i; j++) d[i * b + j] = panel[i * b + j]!
      d[i * b + i] = d[i * b + i]! + shift
    }
    cholBlockInPlace(d, b, diag0, c0, relTol)
    for (let i = 0; i < b; i++) for (let j = 0; j <= i; j++) l[(c0 + i) * n + c0 + j] = d[i * b + j]!
    if (m > b) {
      const inv = invLower(d, b)
      // L21 = P21 · L11⁻ᵀ: pass L11⁻ᵀ explicitly (no transpose flag on wasm)
      const invT = new Float32Array(b * b)
      for (let i = 0; i < b; i++) for (let j = 0; j <= i; j++) invT[j * b + i] = inv[i * b + j]!
      const l21 = tf.tidy(() => tf.matMul(tf.tensor2d(panel.subarray(b * b), [m - b, b]), tf.tensor2d(invT, [b, b])))
      const v = l21.dataSync() as Float32Array
      l21.dispose()
      for (let i = 0; i < m - b; i++) l.set(v.subarray(i * b, (i + 1) * b), (c0 + b + i) * n + c0)
    }
  }
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(l[i]!)) throw new Error(`cholesky: non-finite factor entry at ${Math.floor(i / n)},${i % n}`)
  }
  return l
}

/** P = A[c0:, c0:c0+b] − L[c0:, :c0] · L[c0:c0+b, :c0]ᵀ as a row-major (n−c0)×b Float32Array. */
function panelOf(a: Float32Array, l: Float32Array, n: number, c0: number, b: number): Float32Array {
  const m = n - c0
  const p = new Float32Array(m * b)
  for (let i = 0; i < m; i++) p.set(a.subarray((c0 + i) * n + c0, (c0 + i) * n + c0 + b), i * b)
  if (c0 === 0) return p
  const lrows = new Float32Array(m * c0)
  for (let i = 0; i < m; i++) lrows.set(l.subarray((c0 + i) * n, (c0 + i) * n + c0), i * c0)
  const wt = new Float32Array(c0 * b)
  for (let j = 0; j < b; j++) {
    const row = (c0 + j) * n
    for (let k = 0; k < c0; k++) wt[k * b + j] = l[row + k]!
  }
  const out = tf.tidy(() => tf.sub(tf.tensor2d(p, [m, b]), tf.matMul(tf.tensor2d(lrows, [m, c0]), tf.tensor2d(wt, [c0, b]))))
  const v = out.dataSync() as Float32Array
  out.dispose()
  return v
}
