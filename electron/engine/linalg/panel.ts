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
    const d = a[rj + j]! - dot64(a, rj, a, rj, j)
    if (!(d > relTol * Math.abs(diag0[j]!))) throw new PivotError(offset + j, d, diag0[j]!)
    const l = Math.sqrt(d)
    a[rj + j] = l
    const inv = 1 / l
    for (let i = j + 1; i < b; i++) {
      const ri = i * b
      a[ri + j] = (a[ri + j]! - dot64(a, ri, a, rj, j)) * inv
    }
    for (let k = j + 1; k < b; k++) a[rj + k] = 0
  }
}

/**
 * Σ_k a[x + k] · b[y + k] over len entries, four partial sums (one running sum waits on itself each step). The
 * same loop as triangular.ts's dotF32F64 on two Float64Arrays: one function over both array types would make
 * V8's element loads polymorphic in the hottest loop of the diagonal blocks.
 */
function dot64(a: Float64Array, x: number, b: Float64Array, y: number, len: number): number {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let k = 0
  for (; k + 3 < len; k += 4) {
    s0 += a[x + k]! * b[y + k]!
    s1 += a[x + k + 1]! * b[y + k + 1]!
    s2 += a[x + k + 2]! * b[y + k + 2]!
    s3 += a[x + k + 3]! * b[y + k + 3]!
  }
  for (; k < len; k++) s0 += a[x + k]! * b[y + k]!
  return s0 + s1 + (s2 + s3)
}

/**
 * (L⁻¹)ᵀ of a b×b row-major lower-triangular L, row-major (upper triangular). Column c of L⁻¹ by forward
 * substitution, X_ic = (δ_ic − Σ_{c≤k<i} L_ik X_kc) / L_ii, kept as row c of the result so that every sum
 * is a dot product of two contiguous rows.
 */
export function invLowerT(l: Float64Array, b: number): Float64Array {
  const xt = new Float64Array(b * b)
  for (let c = 0; c < b; c++) {
    const rc = c * b
    xt[rc + c] = 1 / l[rc + c]!
    for (let i = c + 1; i < b; i++) {
      const ri = i * b
      xt[rc + i] = -dot64(l, ri + c, xt, rc + c, i - c) / l[ri + i]!
    }
  }
  return xt
}

/** Inverse of a b×b row-major lower-triangular matrix. */
export function invLower(l: Float64Array, b: number): Float64Array {
  const xt = invLowerT(l, b)
  const inv = new Float64Array(b * b)
  for (let i = 0; i < b; i++) for (let j = 0; j <= i; j++) inv[i * b + j] = xt[j * b + i]!
  return inv
}
