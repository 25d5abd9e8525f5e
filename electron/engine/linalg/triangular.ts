import type * as Tf from '@tensorflow/tfjs-core'
import { tfjs } from '../core/tfjs'
import type { CholeskyFactor } from './cholesky'
import { invLower } from './panel'

// Triangular solves with a Cholesky factor. Two paths:
// - few right-hand sides (refinement, labels): plain JS with float64 accumulation, O(n² k);
// - many right-hand sides (predictive variance): blocked on tfjs, inverting only b×b diagonal blocks.

/** Solves L Lᵀ X = B in place on the row-major n×k float64 `x` (B on entry). */
export function cholSolveInPlace(f: CholeskyFactor, x: Float64Array, k: number): void {
  const cols = toColumns(x, f.n, k)
  cholSolveColumns(f, cols, k)
  fromColumns(cols, x, f.n, k)
}

/** L Y = B in place on the row-major n×k float64 `x` (B on entry). */
export function forwardInPlace(f: CholeskyFactor, x: Float64Array, k: number): void {
  const cols = toColumns(x, f.n, k)
  forwardColumns(f, cols, k)
  fromColumns(cols, x, f.n, k)
}

/** row-major n×k → its k columns, each contiguous (column c at c·n) */
export function toColumns(x: Float64Array, n: number, k: number): Float64Array {
  const out = new Float64Array(n * k)
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) out[c * n + i] = x[i * k + c]!
  return out
}

export function fromColumns(cols: Float64Array, x: Float64Array, n: number, k: number): void {
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) x[i * k + c] = cols[c * n + i]!
}

/** Σ_j a[ao + j] · v[vo + j] over len entries, float64, four partial sums (they pipeline; one sum waits on itself) */
export function dotF32F64(a: Float32Array, ao: number, v: Float64Array, vo: number, len: number): number {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let j = 0
  for (; j + 3 < len; j += 4) {
    s0 += a[ao + j]! * v[vo + j]!
    s1 += a[ao + j + 1]! * v[vo + j + 1]!
    s2 += a[ao + j + 2]! * v[vo + j + 2]!
    s3 += a[ao + j + 3]! * v[vo + j + 3]!
  }
  for (; j < len; j++) s0 += a[ao + j]! * v[vo + j]!
  return s0 + s1 + (s2 + s3)
}

/** R[i0:i1] = B − (A + shift·I) X on column layouts, float64 (A float32, read exactly): refine.ts's residual, by row bands */
export function residualRows(a: Float32Array, n: number, shift: number, x: Float64Array, b: Float64Array, k: number, r: Float64Array, i0: number, i1: number): void {
  for (let i = i0; i < i1; i++) {
    const ri = i * n
    for (let c = 0; c < k; c++) {
      const o = c * n
      r[o + i] = b[o + i]! - (dotF32F64(a, ri, x, o, n) + shift * x[o + i]!)
    }
  }
}

/**
 * L Lᵀ X = B in place on X's k columns (each contiguous, `toColumns`). Row by row of L, and for each row
 * every column: a row of L (16 KB at n = 4 000) is read from memory once per sweep and reused from cache
 * for all k columns, and each step is a contiguous dot product or axpy. The loops over k per entry that
 * this replaced ran ~2–3× slower.
 */
export function cholSolveColumns(f: CholeskyFactor, cols: Float64Array, k: number): void {
  forwardColumns(f, cols, k)
  backwardColumns(f, cols, k)
}

/** L Y = B on column layouts: y_i = (b_i − L_i,<i · y_<i) / L_ii */
export function forwardColumns(f: CholeskyFactor, cols: Float64Array, k: number): void {
  const { n, l } = f
  for (let i = 0; i < n; i++) {
    const ri = i * n
    const inv = 1 / l[ri + i]!
    for (let c = 0; c < k; c++) {
      const o = c * n
      cols[o + i] = (cols[o + i]! - dotF32F64(l, ri, cols, o, i)) * inv
    }
  }
}

/** Lᵀ X = Y on column layouts, reading one contiguous row of L per step: x_j = y_j / L_jj, y_<j −= L_j,<j x_j */
export function backwardColumns(f: CholeskyFactor, cols: Float64Array, k: number): void {
  const { n, l } = f
  for (let j = n - 1; j >= 0; j--) {
    const rj = j * n
    const inv = 1 / l[rj + j]!
    for (let c = 0; c < k; c++) {
      const o = c * n
      const xj = cols[o + j]! * inv
      cols[o + j] = xj
      if (xj === 0) continue
      for (let i = 0; i < j; i++) cols[o + i] = cols[o + i]! - l[rj + i]! * xj
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
  // tfjs read here, not imported: every kernel worker loads this module (through chol-units.ts), most never need tfjs
  const tf = tfjs()
  const y = new Float32Array(n * m)
  for (let r0 = 0; r0 < n; r0 += blockSize) {
    const bs = Math.min(blockSize, n - r0)
    const diag = new Float64Array(bs * bs)
    for (let i = 0; i < bs; i++) for (let j = 0; j <= i; j++) diag[i * bs + j] = l[(r0 + i) * n + r0 + j]!
    const inv = invLower(diag, bs)
    const inv32 = Float32Array.from(inv)
    const out = tf.tidy(() => {
      let rhs: Tf.Tensor2D = tf.tensor2d(b.subarray(r0 * m, (r0 + bs) * m), [bs, m])
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
