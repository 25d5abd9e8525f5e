// Small dense kernels in plain JS float64 for the b×b diagonal blocks of the blocked factorisations:
// too small for tfjs to pay off, and done in f64 so the block pivots are as accurate as the f32 input.

/** Thrown by `cholBlockInPlace` when a pivot is not positive (global index and value reported). */
export class PivotError extends Error {
  constructor(
    readonly index: number,
    readonly pivot: number,
    readonly diagonal: number,
  ) {
    super(`Cholesky pivot ${index} is ${pivot} (diagonal ${diagonal})`)
    this.name = 'PivotError'
  }
}

/**
 * In-place lower Cholesky of the b×b row-major block `a` (only the lower triangle is read; the strict
 * upper triangle is zeroed). A = L Lᵀ, L_jj = √(a_jj − Σ_{k<j} L_jk²). `diag0` holds the original
 * diagonal (before the trailing updates) so a pivot lost to rounding is judged against it; `offset` is the
 * block's global index for the error.
 */
export function cholBlockInPlace(a: Float64Array, b: number, diag0: Float64Array, offset: number, relTol: number): void {
  for (let j = 0; j < b; j++) {
    const rj = j * b
    let d = a[rj + j]!
    for (let k = 0; k < j; k++) d -= a[rj + k]! * a[rj + k]!
    if (!(d > relTol * Math.abs(diag0[j]!))) throw new PivotError(offset + j, d, diag0[j]!)
    const l = Math.sqrt(d)
    a[rj + j] = l
    const inv = 1 / l
    for (let i = j + 1; i < b; i++) {
      const ri = i * b
      let s = a[ri + j]!
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!
      a[ri + j] = s * inv
    }
    for (let k = j + 1; k < b; k++) a[rj + k] = 0
  }
}

/** Inverse of a b×b row-major lower-triangular matrix (column by column forward substitution). */
export function invLower(l: Float64Array, b: number): Float64Array {
  const inv = new Float64Array(b * b)
  for (let c = 0; c < b; c++) {
    inv[c * b + c] = 1 / l[c * b + c]!
    for (let i = c + 1; i < b; i++) {
      let s = 0
      for (let k = c; k < i; k++) s -= l[i * b + k]! * inv[k * b + c]!
      inv[i * b + c] = s / l[i * b + i]!
    }
  }
  return inv
}
