import { availableParallelism } from 'node:os'
import { blockOf, cholViews, runCholUnit, scratchBytes, type CholShared, type CholUnit, type CholViews } from './chol-units'
import { Wakeable } from './lane-set'
import { cholBlockInPlace, invLowerT } from './panel'

export { PivotError } from './panel'

/** Lower Cholesky factor L (row-major n×n float32, strict upper triangle zero) of A + shift·I. */
export interface CholeskyFactor {
  n: number
  l: Float32Array
  /** the absolute diagonal shift that was factorised */
  shift: number
  /**
   * L_kk⁻¹ of each diagonal block (row-major, block k at k·bs², b×b with its own width b), the float32 form
   * of the inverses the factorisation computed anyway: the GEMM-blocked solves of refine.ts use them
   */
  blockInv?: { bs: number; inv: Float32Array }
}

/** A worker thread that maps a factorisation's shared buffers and computes its units (cholesky-lanes in ntk/). */
export interface CholLane {
  /** resolves once the thread has mapped the buffers on a ready backend */
  ready: Promise<void>
  run(unit: CholUnit): Promise<void>
}

/** Opens `count` lanes for one factorisation; `close(healthy)` hands them back (or ends them after a failure). */
export interface CholWorkerPool {
  open(count: number, shared: CholShared): { lanes: CholLane[]; close(healthy: boolean): Promise<void> }
}

export interface CholeskyOptions {
  /** absolute value added to the diagonal (ε of docs/math.md §3) */
  shift?: number
  /** block edge; 256 measured fastest (XNNPACK reaches ~13 GFLOP/s at inner dimension 256, ~8 at 128) */
  blockSize?: number
  /** pivots below relTol · original diagonal count as lost (singular in float32) */
  relTol?: number
  /** awaited after each diagonal block (cancel, progress) */
  onBlock?: (done: number, total: number) => Promise<void> | void
  /** worker threads for the panel and trailing-update units; without it everything runs on this thread */
  workers?: CholWorkerPool
  /** threads in all, this one included (default: the machine's cores) */
  threads?: number
}

const F32_EPS = 2 ** -23
/** with fewer block columns there is too little to share; a worker that is still starting only joins when ready */
const MIN_PARALLEL_BLOCKS = 4

/**
 * Right-looking blocked Cholesky of the symmetric row-major float32 matrix `a` (lower triangle read), in
 * place (on shared memory when worker lanes take part). For each block column k (columns c0..c0+b):
 *   D(k)      L_kk = chol(A'_kk + shift·I) in JS float64, and L_kk⁻ᵀ          (this thread)
 *   panel(k)  L[i, k] = A'[i, k] · L_kk⁻ᵀ for row blocks i > k                  (any thread, GEMM)
 *   update(k) A'[j:, j] −= L[j:, k] · L[j, k]ᵀ for block columns j > k          (any thread, GEMM)
 * The units form a DAG (D(k) needs update(k−1) of column k; update(k, j) needs all of panel(k) and
 * update(k−1, j)), so column k+1 is factorised while the rest of step k's update still runs (look-ahead).
 * The decomposition depends only on n and the block size, never on the thread count, and each unit
 * computes the same bytes on any thread: the factor is identical for any number of threads.
 * Throws PivotError on a non-positive pivot.
 */
export async function cholesky(a: Float32Array, n: number, opts: CholeskyOptions = {}): Promise<CholeskyFactor> {
  if (a.length < n * n) throw new Error(`cholesky: matrix has ${a.length} values, n = ${n} needs ${n * n}`)
  const shift = opts.shift ?? 0
  const bs = Math.max(8, opts.blockSize ?? 256)
  const relTol = opts.relTol ?? 4 * F32_EPS
  const threads = Math.max(1, Math.floor(opts.threads ?? availableParallelism()))
  const lanes = opts.workers !== undefined && threads > 1 && Math.ceil(n / bs) >= MIN_PARALLEL_BLOCKS
  // plain memory when no other thread maps it: the GEMM (and refine.ts's) copy every shared operand
  const mem = (bytes: number): ArrayBufferLike => (lanes ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes))
  const shared: CholShared = { n, bs, w: mem(n * n * 4), scratch: mem(scratchBytes(n, bs)) }
  const v = cholViews(shared)
  for (let i = 0; i < n; i++) v.w.set(a.subarray(i * n, i * n + i + 1), i * n)
  const diag0 = new Float64Array(n)
  for (let i = 0; i < n; i++) diag0[i] = a[i * n + i]! + shift
  const pool = lanes ? opts.workers!.open(threads - 1, shared) : null
  v.parallel = !pool && threads > 1
  const inv = new Float32Array(Math.ceil(n / bs) * bs * bs)
  let healthy = true
  try {
    await new CholSchedule(v, (k) => factorDiagonal(v, k, shift, diag0, relTol, inv), opts.onBlock, pool?.lanes ?? [], () => (healthy = false)).run()
  } finally {
    await pool?.close(healthy)
  }
  // a non-finite entry L_ij reaches pivot i through its update A'_ii − Σ_k L_ik² (a PivotError there), so the
  // diagonal is the one place left to check; scanning all n² entries cost ~25 ms at n = 4 000
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(v.w[i * n + i]!)) throw new Error(`cholesky: non-finite factor entry at ${i},${i}`)
  }
  return { n, l: v.w, shift, blockInv: { bs, inv } }
}

/** D(k): the diagonal block in float64, written back as float32; L_kk⁻ᵀ into the step's scratch, L_kk⁻¹ kept. */
function factorDiagonal(v: CholViews, k: number, shift: number, diag0: Float64Array, relTol: number, keep: Float32Array): void {
  const { n, w } = v
  const { c0, b } = blockOf(v, k)
  const d = new Float64Array(b * b)
  for (let i = 0; i < b; i++) {
    for (let j = 0; j <= i; j++) d[i * b + j] = w[(c0 + i) * n + c0 + j]!
    d[i * b + i] = d[i * b + i]! + shift
  }
  cholBlockInPlace(d, b, diag0.subarray(c0, c0 + b), c0, relTol)
  for (let i = 0; i < b; i++) for (let j = 0; j <= i; j++) w[(c0 + i) * n + c0 + j] = d[i * b + j]!
  const xt = invLowerT(d, b)
  v.invT[k & 1]!.set(xt)
  const o = k * v.bs * v.bs
  for (let i = 0; i < b; i++) for (let j = 0; j <= i; j++) keep[o + i * b + j] = xt[j * b + i]!
}

/** Dependency-driven execution of the units; D always on this thread, panels and updates on any lane. */
class CholSchedule extends Wakeable {
  private readonly nb: number
  private dNext = 0
  /** per step: panel units not yet started / not yet finished */
  private readonly panels: CholUnit[][]
  private readonly panelsLeft: number[]
  /** per step: update units not yet started, and finished flags per block column */
  private readonly updates: CholUnit[][]
  private readonly updateDone: Uint8Array[]
  private readonly updatesLeft: number[]
  private inflight = 0
  private readonly idle: CholLane[] = []

  constructor(
    private readonly v: CholViews,
    private readonly diag: (k: number) => void,
    private readonly onBlock: CholeskyOptions['onBlock'],
    private readonly lanes: CholLane[],
    private readonly laneFailed: () => void,
  ) {
    super()
    const { n, bs } = v
    this.nb = Math.ceil(n / bs)
    this.panels = []
    this.updates = []
    this.updateDone = []
    for (let k = 0; k < this.nb; k++) {
      const { c0, b } = blockOf(v, k)
      const p: CholUnit[] = []
      for (let r0 = c0 + b; r0 < n; r0 += bs) p.push({ kind: 'panel', step: k, r0, rows: Math.min(bs, n - r0) })
      const u: CholUnit[] = []
      for (let j = k + 1; j < this.nb; j++) u.push({ kind: 'update', step: k, j0: j * bs, cols: Math.min(bs, n - j * bs) })
      this.panels.push(p)
      this.updates.push(u)
      this.updateDone.push(new Uint8Array(this.nb))
    }
    this.panelsLeft = this.panels.map((p) => p.length)
    this.updatesLeft = this.updates.map((u) => u.length)
  }

  async run(): Promise<void> {
    for (const lane of this.lanes) {
      lane.ready.then(
        () => {
          this.idle.push(lane)
          this.dispatch()
        },
        (e: unknown) => this.fail(e, true),
      )
    }
    try {
      while (this.dNext < this.nb || this.inflight > 0 || this.pendingUnits()) {
        if (this.failure !== null) break
        this.dispatch()
        if (this.dNext < this.nb && this.diagReady(this.dNext)) {
          const k = this.dNext++
          this.diag(k)
          await this.onBlock?.(k + 1, this.nb)
          continue
        }
        const u = this.take()
        if (u) {
          runCholUnit(this.v, u)
          this.finished(u)
          // let worker replies, progress and cancel through between this thread's units
          await new Promise((r) => setImmediate(r))
          continue
        }
        if (this.inflight === 0) throw new Error('cholesky: scheduler stalled (internal)')
        await this.sleep()
      }
    } catch (e) {
      this.fail(e, false)
    }
    // a failed run still waits for the units in flight: they write into buffers that are about to go
    while (this.inflight > 0) await this.sleep()
    if (this.failure !== null) throw this.failure
  }

  private pendingUnits(): boolean {
    return this.panelsLeft.some((c) => c > 0) || this.updatesLeft.some((c) => c > 0)
  }

  private fail(e: unknown, fromLane: boolean): void {
    if (fromLane) this.laneFailed()
    this.record(e)
  }

  /** D(k) may run once update(k−1) has finished column k and step k−2 no longer reads the buffers D(k) reuses */
  private diagReady(k: number): boolean {
    if (k > 0 && !this.updateDone[k - 1]![k]) return false
    return k < 2 || this.updatesLeft[k - 2] === 0
  }

  /** the ready unit of the lowest step: its panels first, then its updates left to right */
  private take(): CholUnit | undefined {
    for (let k = 0; k < this.dNext; k++) {
      const p = this.panels[k]!
      if (p.length > 0) return p.shift()
      if (this.panelsLeft[k]! > 0) continue
      const u = this.updates[k]!
      for (let i = 0; i < u.length; i++) {
        const j = (u[i] as { j0: number }).j0 / this.v.bs
        if (k === 0 || this.updateDone[k - 1]![j]) return u.splice(i, 1)[0]
      }
    }
    return undefined
  }

  private finished(u: CholUnit): void {
    if (u.kind === 'panel') this.panelsLeft[u.step]!--
    else if (u.kind === 'update') {
      this.updatesLeft[u.step]!--
      this.updateDone[u.step]![u.j0 / this.v.bs] = 1
    }
  }

  private dispatch(): void {
    while (this.failure === null && this.idle.length > 0) {
      const u = this.take()
      if (!u) return
      const lane = this.idle.pop()!
      this.inflight++
      lane.run(u).then(
        () => {
          this.inflight--
          this.finished(u)
          this.idle.push(lane)
          this.dispatch()
          this.signal()
        },
        (e: unknown) => {
          this.inflight--
          this.fail(e, true)
        },
      )
    }
  }
}
