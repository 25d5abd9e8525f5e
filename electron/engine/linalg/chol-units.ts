import * as tf from '@tensorflow/tfjs-core'
import { backwardColumns, forwardColumns, residualRows } from './triangular'

// The two kinds of work unit of the right-looking blocked Cholesky (cholesky.ts), computed in place on
// shared memory by whichever thread takes them: the calling thread and the worker threads run this same
// code on the same tfjs backend, and a unit's bytes depend only on its inputs, so the factor is the same
// whatever thread ran which unit.
//
// GEMM kernel, measured on this 2-core machine (n = 4 000, 256-wide panels, load ≈ 5): tfjs wasm (XNNPACK)
// matMul 12–16 GFLOP/s per thread with the copies in and out included; a blocked i-k-j plain-JS float32
// kernel 0.4 GFLOP/s. tfjs wasm's transposeB path ran at 1.2 GFLOP/s, so every product below is written
// with both operands in natural row-major order (the small b×b factor is transposed in JS instead).

/** Shared buffers of one factorisation; every thread maps the same memory. */
export interface CholShared {
  n: number
  /** block edge */
  bs: number
  /** n×n row-major: A's lower triangle on entry, L on exit (the strict upper triangle stays 0) */
  w: SharedArrayBuffer
  /** 2 panels (n×bs, by step parity) then 2 b×b blocks L_kk⁻ᵀ (by step parity) */
  scratch: SharedArrayBuffer
  /** refinement with the finished factor in `w` (refine.ts): A, and X, B, R as k float64 columns each */
  refine?: { a: SharedArrayBuffer; vec: SharedArrayBuffer; k: number; shift: number }
}

/**
 * panel:  L[r0:r0+rows, c0:c0+b] = A'[r0:r0+rows, c0:c0+b] · L_kk⁻ᵀ, also stored contiguously in the step's panel
 * update: A'[j0:, j0:j0+cols] −= P[j0:, :] · P[j0:j0+cols, :]ᵀ (lower triangle only), P = L[c0+b:, c0:c0+b]
 */
export type CholUnit =
  | { kind: 'panel'; step: number; r0: number; rows: number }
  | { kind: 'update'; step: number; j0: number; cols: number }
  /** refinement: R[i0:i1] = B − (A + shift·I) X, and the correction (L Lᵀ)⁻¹ R of column c in place */
  | { kind: 'residual'; i0: number; i1: number }
  | { kind: 'correct'; c: number }

export interface CholViews {
  n: number
  bs: number
  w: Float32Array
  panel: [Float32Array, Float32Array]
  invT: [Float32Array, Float32Array]
  refine?: { a: Float32Array; x: Float64Array; b: Float64Array; r: Float64Array; k: number; shift: number }
}

export function scratchBytes(n: number, bs: number): number {
  return (2 * n * bs + 2 * bs * bs) * 4
}

export function cholViews(s: CholShared): CholViews {
  const { n, bs } = s
  const pn = n * bs
  const rf = s.refine
  const nk = n * (rf?.k ?? 0)
  return {
    n,
    bs,
    refine: rf && {
      a: new Float32Array(rf.a, 0, n * n),
      x: new Float64Array(rf.vec, 0, nk),
      b: new Float64Array(rf.vec, nk * 8, nk),
      r: new Float64Array(rf.vec, 2 * nk * 8, nk),
      k: rf.k,
      shift: rf.shift,
    },
    w: new Float32Array(s.w, 0, n * n),
    panel: [new Float32Array(s.scratch, 0, pn), new Float32Array(s.scratch, pn * 4, pn)],
    invT: [new Float32Array(s.scratch, 2 * pn * 4, bs * bs), new Float32Array(s.scratch, (2 * pn + bs * bs) * 4, bs * bs)],
  }
}

/** first column and width of block column `step` */
export function blockOf(v: { n: number; bs: number }, step: number): { c0: number; b: number } {
  const c0 = step * v.bs
  return { c0, b: Math.min(v.bs, v.n - c0) }
}

export function runCholUnit(v: CholViews, u: CholUnit): void {
  if (u.kind === 'panel') return panelUnit(v, u.step, u.r0, u.rows)
  if (u.kind === 'update') return updateUnit(v, u.step, u.j0, u.cols)
  const rf = v.refine
  if (!rf) throw new Error(`Cholesky ${u.kind} unit without refinement buffers`)
  if (u.kind === 'residual') return residualRows(rf.a, v.n, rf.shift, rf.x, rf.b, rf.k, rf.r, u.i0, u.i1)
  const f = { n: v.n, l: v.w, shift: rf.shift }
  const col = rf.r.subarray(u.c * v.n, (u.c + 1) * v.n)
  forwardColumns(f, col, 1)
  backwardColumns(f, col, 1)
}

function panelUnit(v: CholViews, step: number, r0: number, rows: number): void {
  const { n, w } = v
  const { c0, b } = blockOf(v, step)
  const x = new Float32Array(rows * b)
  for (let i = 0; i < rows; i++) x.set(w.subarray((r0 + i) * n + c0, (r0 + i) * n + c0 + b), i * b)
  const invT = v.invT[step & 1]!.subarray(0, b * b)
  const out = tf.tidy(() => tf.matMul(tf.tensor2d(x, [rows, b]), tf.tensor2d(invT, [b, b])))
  const l = out.dataSync() as Float32Array
  out.dispose()
  const p = v.panel[step & 1]!
  const p0 = (r0 - c0 - b) * b
  p.set(l, p0)
  for (let i = 0; i < rows; i++) w.set(l.subarray(i * b, (i + 1) * b), (r0 + i) * n + c0)
}

function updateUnit(v: CholViews, step: number, j0: number, cols: number): void {
  const { n, w } = v
  const { c0, b } = blockOf(v, step)
  const p = v.panel[step & 1]!
  const pr = j0 - c0 - b // panel row of global row j0
  const m = n - j0
  // weights P[j0:j0+cols, :]ᵀ (b × cols), transposed here: small next to the m×b operand
  const pt = new Float32Array(b * cols)
  for (let c = 0; c < cols; c++) {
    const o = (pr + c) * b
    for (let k = 0; k < b; k++) pt[k * cols + c] = p[o + k]!
  }
  const out = tf.tidy(() => tf.matMul(tf.tensor2d(p.subarray(pr * b, (pr + m) * b), [m, b]), tf.tensor2d(pt, [b, cols])))
  const g = out.dataSync() as Float32Array
  out.dispose()
  // subtract while writing back; in the diagonal tile only on and below the diagonal
  for (let i = 0; i < m; i++) {
    const row = (j0 + i) * n + j0
    const gi = i * cols
    const lim = Math.min(cols, i + 1)
    for (let c = 0; c < lim; c++) w[row + c] = w[row + c]! - g[gi + c]!
  }
}
