import { gemm } from '../blas/gemm'
import type { CholeskyFactor } from './cholesky'

// (L Lᵀ)⁻¹ R for a few right-hand sides through the GEMM, in float32: the corrections of mixed-precision
// refinement (refine.ts), which LAPACK's dsposv also solves in single precision (spotrs): their rounding is
// of the order of the float32 factor's own error, and the float64 residual of the next sweep corrects both.
// Block rows of L are whole rows (bs × n, contiguous in the row-major factor). Multiplying them whole reads
// the zero upper triangle too (twice the flops of a triangular product), but keeps every operand a plain
// contiguous array: with 10 right-hand sides the products are bound by reading L, not by arithmetic.

/** the factor's L in plain memory (GEMM copies shared-memory operands on every call) and its block inverses */
export interface BlockedFactor {
  n: number
  l: Float32Array
  bs: number
  inv: Float32Array
}

export function blockedFactor(f: CholeskyFactor): BlockedFactor | null {
  if (!f.blockInv) return null
  const l = f.l.buffer instanceof SharedArrayBuffer ? f.l.slice(0, f.n * f.n) : f.l
  return { n: f.n, l, bs: f.blockInv.bs, inv: f.blockInv.inv }
}

/** X = (L Lᵀ)⁻¹ R for row-major n×k float32 R (not modified); returns X row-major n×k */
export function blockedCholSolve(f: BlockedFactor, r: Float32Array, k: number, parallel: boolean): Float32Array {
  const { n, l, bs, inv } = f
  // L Y = R by block rows: Y_I = L_II⁻¹ (R_I − L_I,: · Y), the rows of Y from I on still zero
  const y = new Float32Array(n * k)
  for (let r0 = 0; r0 < n; r0 += bs) {
    const rows = Math.min(bs, n - r0)
    const t = r0 === 0 ? r.subarray(0, rows * k) : gemm(l.subarray(r0 * n, (r0 + rows) * n), y, { m: rows, k: n, n: k }, { alpha: -1, c: r.subarray(r0 * k, (r0 + rows) * k), parallel })
    gemm(blockInv(inv, bs, r0, rows), t, { m: rows, k: rows, n: k }, { out: y.subarray(r0 * k, (r0 + rows) * k) })
  }
  // Lᵀ X = Y from the last block row up: X_J = L_JJ⁻ᵀ Y_J, then Y −= L_J,:ᵀ · X_J over all n rows (a transposed
  // operand keeps its stored row length; the rows from J on are already used and the strict upper part is 0)
  const x = new Float32Array(n * k)
  const last = Math.floor((n - 1) / bs) * bs
  for (let j0 = last; j0 >= 0; j0 -= bs) {
    const rows = Math.min(bs, n - j0)
    const xj = x.subarray(j0 * k, (j0 + rows) * k)
    gemm(blockInv(inv, bs, j0, rows), y.subarray(j0 * k, (j0 + rows) * k), { m: rows, k: rows, n: k }, { transA: true, out: xj })
    if (j0 > 0) gemm(l.subarray(j0 * n, (j0 + rows) * n), xj, { m: n, k: rows, n: k }, { transA: true, alpha: -1, c: y, out: y, parallel })
  }
  return x
}

function blockInv(inv: Float32Array, bs: number, r0: number, rows: number): Float32Array {
  const o = (r0 / bs) * bs * bs
  return inv.subarray(o, o + rows * rows)
}
