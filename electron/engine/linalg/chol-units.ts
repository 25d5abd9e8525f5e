import { gemm } from '../blas/gemm'
import { backwardColumns, forwardColumns, residualRows } from './triangular'

// The two kinds of work unit of the right-looking blocked Cholesky (cholesky.ts), computed in place on
// shared memory by whichever thread takes them: the calling thread and the worker threads run this same
// code on the same tfjs backend, and a unit's bytes depend only on its inputs, so the factor is the same
// whatever thread ran which unit.
//
// Both products go through the engine's GEMM (blas/gemm.ts; MLAS where it loads: on every core when the
// calling thread works alone, one thread per unit when worker lanes share the cores): the update is
// C − P·Pᵀ in its transposed-B form, no transpose in JS. Its bytes do not depend on which thread ran it nor
// on how many cores it used (MLAS never splits the inner dimension).

/** Buffers of one factorisation; every thread maps the same memory (plain memory when no worker lane takes part). */
export interface CholShared {
  n: number
  /** block edge */
  bs: number
  /** n×n row-major: A's lower triangle on entry, L on exit (the strict upper triangle stays 0) */
  w: ArrayBufferLike
  /** 2 panels (n×bs, by step parity) then 2 b×b blocks L_kk⁻ᵀ (by step parity) */
  scratch: ArrayBufferLike
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
  /** this thread's GEMMs may use every core (set when no worker lanes share the work) */
  parallel?: boolean
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
  const p = v.panel[step & 1]!
  const p0 = (r0 - c0 - b) * b
  // A'[r0:r0+rows, c0:c0+b] gathered into the step's panel, multiplied, and the product written over it and
  // into L
  const x = p.subarray(p0, p0 + rows * b)
  for (let i = 0; i < rows; i++) x.set(w.subarray((r0 + i) * n + c0, (r0 + i) * n + c0 + b), i * b)
  const l = gemm(x, v.invT[step & 1]!, { m: rows, k: b, n: b }, { parallel: v.parallel })
  x.set(l)
  for (let i = 0; i < rows; i++) w.set(l.subarray(i * b, (i + 1) * b), (r0 + i) * n + c0)
}

/** this thread's plain buffers for the update's C block and its result (reused: a unit is synchronous) */
let tile = new Float32Array(0)
let tileOut = new Float32Array(0)

/**
 * Step `step`'s finished panel in this thread's plain memory, copied once per step instead of by the GEMM on
 * every unit: the shared panel stays as it is until every update of its step is done (cholesky.ts, D(k+2)).
 */
let panelCopy: { of: WeakRef<CholViews>; step: number; p: Float32Array } | null = null

function plainPanel(v: CholViews, step: number): Float32Array {
  const { c0, b } = blockOf(v, step)
  const len = (v.n - c0 - b) * b
  const panel = v.panel[step & 1]!
  if (!(panel.buffer instanceof SharedArrayBuffer)) return panel.subarray(0, len)
  if (panelCopy?.of.deref() === v && panelCopy.step === step) return panelCopy.p
  const p = panelCopy && panelCopy.p.buffer.byteLength >= len * 4 ? new Float32Array(panelCopy.p.buffer, 0, len) : new Float32Array(len)
  p.set(panel.subarray(0, len))
  panelCopy = { of: new WeakRef(v), step, p }
  return p
}

function updateUnit(v: CholViews, step: number, j0: number, cols: number): void {
  const { n, w } = v
  const { c0, b } = blockOf(v, step)
  const p = plainPanel(v, step)
  const pr = j0 - c0 - b // panel row of global row j0
  const m = n - j0
  if (tile.length < m * cols) {
    tile = new Float32Array(m * cols)
    tileOut = new Float32Array(m * cols)
  }
  // C = A'[j0:, j0:j0+cols] gathered row by row into plain memory, C − P·Pᵀ straight into a second buffer
  // (the GEMM copies shared operands and an output that aliases C), scattered back; in the diagonal tile
  // only on and below the diagonal, so the strict upper triangle stays 0
  const c = tile.subarray(0, m * cols)
  for (let i = 0; i < m; i++) c.set(w.subarray((j0 + i) * n + j0, (j0 + i) * n + j0 + cols), i * cols)
  const g = gemm(p.subarray(pr * b, (pr + m) * b), p.subarray(pr * b, (pr + cols) * b), { m, k: b, n: cols }, { transB: true, alpha: -1, c, out: tileOut.subarray(0, m * cols), parallel: v.parallel })
  for (let i = 0; i < Math.min(m, cols); i++) for (let q = 0; q <= i; q++) w[(j0 + i) * n + j0 + q] = g[i * cols + q]!
  for (let i = cols; i < m; i++) w.set(g.subarray(i * cols, (i + 1) * cols), (j0 + i) * n + j0)
}
