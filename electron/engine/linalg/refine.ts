import { availableParallelism } from 'node:os'
import type { CholeskyFactor, CholWorkerPool } from './cholesky'
import { cholViews, scratchBytes, type CholShared, type CholUnit } from './chol-units'
import { LaneSet } from './lane-set'
import { gemmInfo, subtractProductF64 } from '../blas/gemm'
import { blockedCholSolve, blockedFactor } from './blocked-solve'
import { cholSolveColumns, fromColumns, residualRows, toColumns } from './triangular'

export interface RefinedSolve {
  /** row-major n×k float64 solution */
  x: Float64Array
  /** ‖B − (A + shift·I) X‖_F / ‖B‖_F after refinement, residual in float64 */
  relResidual: number
  /** the same before refinement (plain float32-factor solve) */
  initialRelResidual: number
  iterations: number
}

/**
 * R = B − (A + shift·I) X in float64 (A float32 row-major, read exactly) on column layouts (`toColumns`):
 * each row of A is read once and reused from cache for all k columns. Returns ‖R‖_F.
 */
export function residualColumns(a: Float32Array, n: number, shift: number, x: Float64Array, b: Float64Array, k: number, r: Float64Array): number {
  residualRows(a, n, shift, x, b, k, r, 0, n)
  return columnsNorm(r, n, k)
}

/** ‖R‖_F of a column layout, summed row by row (one fixed order, whichever threads computed R) */
export function columnsNorm(r: Float64Array, n: number, k: number): number {
  let norm2 = 0
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const v = r[c * n + i]!
      norm2 += v * v
    }
  }
  return Math.sqrt(norm2)
}

/** R = B − (A + shift·I) X for row-major n×k X and B (residualColumns on transposed copies); returns ‖R‖_F. */
export function residual(a: Float32Array, n: number, shift: number, x: Float64Array, b: Float64Array, k: number, r: Float64Array): number {
  const rc = new Float64Array(n * k)
  const norm = residualColumns(a, n, shift, toColumns(x, n, k), toColumns(b, n, k), k, rc)
  fromColumns(rc, r, n, k)
  return norm
}

function norm2(v: Float64Array): number {
  let s = 0
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!
  return Math.sqrt(s)
}

/** max_i Σ_j |A_ij| + |shift| (‖A + shift·I‖∞ up to the shift's sign), for the stopping test */
function normInf(a: Float32Array, n: number, shift: number): number {
  let m = 0
  for (let i = 0; i < n; i++) {
    let s = 0
    const ri = i * n
    for (let j = 0; j < n; j++) s += Math.abs(a[ri + j]!)
    m = Math.max(m, s)
  }
  return m + Math.abs(shift)
}

/**
 * Mixed-precision iterative refinement: x₀ = (LLᵀ)⁻¹ b with the float32 factor, then repeat
 *   r = b − (A + εI) x  (float64),   x ← x + (LLᵀ)⁻¹ r
 * while the residual keeps falling (by ≥ 2× per step); the best iterate is kept. It stops as soon as the
 * residual is at float64 rounding level, ‖r‖ ≤ ‖x‖·‖A‖∞·2⁻⁵³·√n, LAPACK's test for its mixed-precision
 * solvers (dsposv; Buttari et al., "Mixed precision iterative refinement techniques for the solution of
 * dense linear systems", 2007): one more sweep there gains nothing a float64 solve would have. Converges
 * to float64 accuracy when cond(A)·2⁻²³ ≪ 1, and still improves the solve otherwise.
 * Where the GEMM is MLAS (blas/gemm.ts) both steps are native: the residual is ONNX Runtime's double GEMM on
 * A widened band by band, the correction the float32 blocked solve of blocked-solve.ts (as dsposv's spotrs).
 * Measured at n = 4 000, k = 10 (CPU time, load 8–9): residual 231 ms in JS against 35–40 ms, correction
 * 478 ms in JS against ~41 ms. Elsewhere both stay in float64 JS (triangular.ts), on the worker lanes when given:
 * tfjs wasm's matMul with 10 columns ran at 0.6 GFLOP/s.
 */
export interface RefineOptions {
  maxIter?: number
  tol?: number
  onStep?: () => Promise<void> | void
  /** worker threads for the residual rows and the correction columns (same bytes as without) */
  workers?: CholWorkerPool
  /** threads in all, this one included (default: the machine's cores) */
  threads?: number
}

/** below this a worker's share is a few ms and copying A to shared memory would not pay */
const MIN_PARALLEL_N = 512
const RESIDUAL_ROWS = 128

export async function refinedSolve(a: Float32Array, f: CholeskyFactor, b: Float64Array, k: number, opts: RefineOptions = {}): Promise<RefinedSolve> {
  const n = f.n
  const maxIter = opts.maxIter ?? 30
  const tol = opts.tol ?? 1e-15
  let bnorm = 0
  for (let i = 0; i < n * k; i++) bnorm += b[i]! * b[i]!
  bnorm = Math.sqrt(bnorm)
  if (bnorm === 0) return { x: new Float64Array(n * k), relResidual: 0, initialRelResidual: 0, iterations: 0 }
  const threads = Math.max(1, Math.floor(opts.threads ?? availableParallelism()))
  const sw = gemmSweeps(a, f, b, k, threads > 1) ?? laneSweeps(a, f, b, k, threads, opts.workers)
  const { x, r } = sw
  try {
    r.set(sw.b)
    await sw.correct()
    x.set(r)
    let rnorm = await sw.residual()
    const initial = rnorm / bnorm
    let best = rnorm
    let bestX = Float64Array.from(x)
    let it = 0
    const floor = 2 ** -53 * Math.sqrt(n) * normInf(a, n, f.shift)
    const atRounding = (): boolean => best <= floor * norm2(bestX)
    while (it < maxIter && best / bnorm > tol && !atRounding() && Number.isFinite(rnorm)) {
      it++
      await sw.correct()
      for (let i = 0; i < n * k; i++) x[i] = x[i]! + r[i]!
      rnorm = await sw.residual()
      await opts.onStep?.()
      if (rnorm < best) {
        const improvedEnough = rnorm < 0.5 * best
        best = rnorm
        bestX = Float64Array.from(x)
        if (!improvedEnough) break
      } else break
    }
    return { x: sw.rowMajor(bestX), relResidual: best / bnorm, initialRelResidual: initial, iterations: it }
  } finally {
    await sw.close()
  }
}

/** one refinement's B, iterate X and work vector R (in the layout of the implementation) and its two steps */
interface Sweeps {
  b: Float64Array
  x: Float64Array
  r: Float64Array
  /** R ← (L Lᵀ)⁻¹ R */
  correct(): Promise<void> | void
  /** R ← B − (A + shift·I) X; returns ‖R‖_F */
  residual(): Promise<number> | number
  rowMajor(x: Float64Array): Float64Array
  close(): Promise<void> | void
}

/** row bands of the float64 residual: A's band widened to float64 is 8 MB at n = 4 000 */
const GEMM_RESIDUAL_ROWS = 256

/** the native steps on row-major vectors, or null where the GEMM is not MLAS or the factor kept no block inverses */
function gemmSweeps(a: Float32Array, f: CholeskyFactor, b: Float64Array, k: number, parallel: boolean): Sweeps | null {
  const bf = gemmInfo().provider === 'mlas' ? blockedFactor(f) : null
  if (!bf) return null
  const n = f.n
  const x = new Float64Array(n * k)
  const r = new Float64Array(n * k)
  return {
    b: b.subarray(0, n * k),
    x,
    r,
    correct: () => r.set(blockedCholSolve(bf, Float32Array.from(r), k, parallel)),
    residual: () => {
      for (let i0 = 0; i0 < n; i0 += GEMM_RESIDUAL_ROWS) {
        const i1 = Math.min(n, i0 + GEMM_RESIDUAL_ROWS)
        subtractProductF64(a.subarray(i0 * n, i1 * n), x, b.subarray(i0 * k, i1 * k), { m: i1 - i0, k: n, n: k }, r.subarray(i0 * k, i1 * k), parallel)
      }
      let s = 0
      for (let i = 0; i < n * k; i++) {
        const v = r[i]! - f.shift * x[i]!
        r[i] = v
        s += v * v
      }
      return Math.sqrt(s)
    },
    rowMajor: (v) => Float64Array.from(v),
    close: () => {},
  }
}

/** float64 JS on column layouts, on the worker lanes when there are some */
function laneSweeps(a: Float32Array, f: CholeskyFactor, b: Float64Array, k: number, threads: number, workers: CholWorkerPool | undefined): Sweeps {
  const n = f.n
  const shared = workers && threads > 1 && n >= MIN_PARALLEL_N && f.l.buffer instanceof SharedArrayBuffer && f.l.byteOffset === 0
  const work = shared ? refineWork(a, f, k, workers, threads - 1) : null
  // the whole refinement on column layouts: one transpose in, one out
  const bc = work ? work.v.refine!.b : new Float64Array(n * k)
  bc.set(toColumns(b, n, k))
  const x = work ? work.v.refine!.x : new Float64Array(n * k)
  const r = work ? work.v.refine!.r : new Float64Array(n * k)
  const residualUnits: CholUnit[] = []
  for (let i0 = 0; i0 < n; i0 += RESIDUAL_ROWS) residualUnits.push({ kind: 'residual', i0, i1: Math.min(n, i0 + RESIDUAL_ROWS) })
  const correctUnits: CholUnit[] = Array.from({ length: k }, (_, c) => ({ kind: 'correct', c }))
  return {
    b: bc,
    x,
    r,
    correct: async () => (work ? work.lanes.runAll(work.v, correctUnits) : cholSolveColumns(f, r, k)),
    residual: async () => {
      if (!work) return residualColumns(a, n, f.shift, x, bc, k, r)
      await work.lanes.runAll(work.v, residualUnits)
      return columnsNorm(r, n, k)
    },
    rowMajor: (v) => {
      const out = new Float64Array(n * k)
      fromColumns(v, out, n, k)
      return out
    },
    close: () => work?.close(work.healthy()),
  }
}

/** A and the k-column work vectors on shared memory, and lanes that map them with the factor */
function refineWork(a: Float32Array, f: CholeskyFactor, k: number, pool: CholWorkerPool, workers: number) {
  const n = f.n
  const sa = new SharedArrayBuffer(n * n * 4)
  new Float32Array(sa).set(a.subarray(0, n * n))
  const s: CholShared = { n, bs: 1, w: f.l.buffer as SharedArrayBuffer, scratch: new SharedArrayBuffer(scratchBytes(n, 1)), refine: { a: sa, vec: new SharedArrayBuffer(3 * n * k * 8), k, shift: f.shift } }
  const opened = pool.open(workers, s)
  let ok = true
  return { v: cholViews(s), lanes: new LaneSet(opened.lanes, () => (ok = false)), healthy: () => ok, close: (healthy: boolean) => opened.close(healthy) }
}
