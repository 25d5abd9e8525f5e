import * as tf from '@tensorflow/tfjs-core'
import type { CholeskyFactor } from './cholesky'
import { invLower } from './panel'

// Triangular solves with a Cholesky factor. Two paths:
// - few right-hand sides (refinement, labels): plain JS with float64 accumulation, O(n² k);
// - many right-hand sides (predictive variance): blocked on tfjs, inverting only b×b diagonal blocks.

/** Solves L Lᵀ X = B in place on the row-major n×k float64 `x` (B on entry). */
export function cholSolveInPlace(f: CholeskyFactor, x: Float64Array, k: number): void {
  forwardInPlace(f, x, k)
  backwardInPlace(f, x, k)
}

/** L Y = B, row by row: y_i = (b_i − Σ_{j<i} L_ij y_j) / L_ii (rows of L are contiguous). */
export function forwardInPlace(f: CholeskyFactor, x: Float64Array, k: number): void {
  const { n, l } = f
  const acc = new Float64Array(k)
  for (let i = 0; i < n; i++) {
    const ri = i * n
    for (let c = 0; c < k; c++) acc[c] = x[i * k + c]!
    if (k === 1) {
      let s = acc[0]!
      for (let j = 0; j < i; j++) s -= l[ri + j]! * x[j]!
      acc[0] = s
    } else {
      for (let j = 0; j < i; j++) {
        const lij = l[ri + j]!
        if (lij === 0) continue
        const rj = j * k
        for (let c = 0; c < k; c++) acc[c] = acc[c]! - lij * x[rj + c]!
      }
    }
    const inv = 1 / l[ri + i]!
    for (let c = 0; c < k; c++) x[i * k + c] = acc[c]! * inv
  }
}

/** Lᵀ X = Y, column-oriented so each step reads one contiguous row of L: x_j = y_j / L_jj, y_i −= L_ji x_j. */
export function backwardInPlace(f: CholeskyFactor, x: Float64Array, k: number): void {
  const { n, l } = f
  for (let j = n - 1; j >= 0; j--) {
    const rj = j * n
    const inv = 1 / l[rj + j]!
    for (let c = 0; c < k; c++) x[j * k + c] = x[j * k + c]! * inv
    for (let i = 0; i < j; i++) {
      const lji = l[rj + i]!
      if (lji === 0) continue
      for (let c = 0; c < k; c++) x[i * k + c] = x[i * k + c]! - lji * x[j * k + c]!
    }
  }
}

/**
 * L⁻¹ B for a row-major n×m float32 B with many columns (m up to a few thousand), blocked:
 *   Y_I = L_II⁻¹ (B_I − L_{I,<I} · Y_{<I})
 * Each block row is one tfjs matmul against the already solved rows; returns row-major n×m float32.
 */
export function forwardSolveMany(f: CholeskyFactor, b: Float32Array, m: number, blockSize = 256): Float32Array {
  const { n, l } = f
  const y = new Float32Array(n * m)
  for (let r0 = 0; r0 < n; r0 += blockSize) {
    const bs = Math.min(blockSize, n - r0)
    const diag = new Float64Array(bs * bs)
    for (let i = 0; i < bs; i++) for (let j = 0; j <= i; j++) diag[i * bs + j] = l[(r0 + i) * n + r0 + j]!
    const inv = invLower(diag, bs)
    const inv32 = Float32Array.from(inv)
    const out = tf.tidy(() => {
      let rhs: tf.Tensor2D = tf.tensor2d(b.subarray(r0 * m, (r0 + bs) * m), [bs, m])
      if (r0 > 0) {
        const lrow = new Float32Array(bs * r0)
        for (let i = 0; i < bs; i++) lrow.set(l.subarray((r0 + i) * n, (r0 + i) * n + r0), i * r0)
        rhs = tf.sub(rhs, tf.matMul(tf.tensor2d(lrow, [bs, r0]), tf.tensor2d(y.subarray(0, r0 * m), [r0, m])))
      }
      return tf.matMul(tf.tensor2d(inv32, [bs, bs]), rhs)
    })
    y.set(out.dataSync() as Float32Array, r0 * m)
    out.dispose()
  }
  return y
}
