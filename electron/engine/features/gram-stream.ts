import * as tf from '@tensorflow/tfjs-core'
import type { Worker } from 'node:worker_threads'
import { gemm, gemmInfo } from '../blas/gemm'
import { endThread, startThread } from '../core/threads'
import { bundledWorkerUrl } from '../ntk/worker-path'

// G = ΦᵀΦ (m×m) summed over row blocks Φ_b of Φ. Each block adds its row bands of the upper triangle,
// G[i₀:i₁, i₀:m] += Φ_bᵀ[i₀:i₁, :] (Φ_bᵀ[i₀:m, :])ᵀ (bands of T rows), computed by the engine's GEMM
// (blas/gemm.ts) from Φ_bᵀ, transposed once per block so that both operands of every band are contiguous rows
// (the GEMM takes whole row-major matrices), and summed into one Float32Array here; the lower triangle is
// mirrored once at the end. The bands cost (1 + T/m)/2 of the full product's flops (G is symmetric), and
// only one w×m band product is held at a time. Why not the full Φ_bᵀΦ_b with β = 1: that product held
// another m×m float32 matrix or two per block (0.27 GB each at m = 8 192; docs/performance.md).
// Two threads, with tfjs's GEMM only: G lives in shared memory and a worker (gram-worker.ts, its own
// one-thread GEMM) takes bands of block b from a shared counter while this thread computes the features of
// block b + 1, then this thread takes whatever bands are left. Every band is added by exactly one thread and
// blocks in order, and the GEMM's result does not depend on the thread computing it, so G is bit-identical
// to the one-thread sum.

export interface GramInitMessage {
  type: 'init'
  g: SharedArrayBuffer
  m: number
  tile: number
  backend: 'wasm' | 'cpu'
}

export interface GramBlockMessage {
  type: 'block'
  /** Φ_bᵀ, row-major m × rows */
  phiT: SharedArrayBuffer
  rows: number
  /** Int32Array[1]: index of the next unclaimed tile */
  next: SharedArrayBuffer
}

export type GramReply = { type: 'done'; tiles: number } | { type: 'error'; message: string }

/** Row bands [i₀, i₁) of the upper triangle, the most work ((m − i₀) · width) first. */
export function gramTiles(m: number, tile: number): [number, number][] {
  const out: [number, number][] = []
  for (let i0 = 0; i0 < m; i0 += tile) out.push([i0, Math.min(m, i0 + tile)])
  return out
}

/** Φ_bᵀ (m × rows) of a row-major rows × m block, into `out`; blocked so both sides stay in cache. */
export function transposeBlock(phi: Float32Array, rows: number, m: number, out: Float32Array): Float32Array {
  const B = 64
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(rows, r0 + B)
    for (let c0 = 0; c0 < m; c0 += B) {
      const c1 = Math.min(m, c0 + B)
      for (let r = r0; r < r1; r++) {
        const o = r * m
        for (let c = c0; c < c1; c++) out[c * rows + r] = phi[o + c]!
      }
    }
  }
  return out
}

/**
 * Adds the bands claimed from `next` (Atomics) of a block, given as Φ_bᵀ (m × rows, row-major), to G;
 * returns how many. `parallel`: every core for each band's product (only when no other thread adds bands).
 */
export function addClaimedTiles(g: Float32Array, m: number, tiles: readonly [number, number][], phiT: Float32Array, rows: number, next: Int32Array, parallel = false): number {
  let claimed = 0
  let band: Float32Array | null = null
  // the GEMM copies shared-memory operands per call: once per block here instead of twice per band
  let src: Float32Array | null = null
  for (let i = Atomics.add(next, 0, 1); i < tiles.length; i = Atomics.add(next, 0, 1)) {
    const [i0, i1] = tiles[i]!
    claimed++
    const w = i1 - i0
    const cols = m - i0
    if (!band || band.length < w * cols) band = new Float32Array(w * cols)
    src ??= phiT.buffer instanceof SharedArrayBuffer ? phiT.slice(0, m * rows) : phiT
    const t = gemm(src.subarray(i0 * rows, i1 * rows), src.subarray(i0 * rows, m * rows), { m: w, k: rows, n: cols }, { transB: true, out: band, parallel })
    for (let r = 0; r < w; r++) {
      const o = (i0 + r) * m + i0
      const s = r * cols
      for (let c = 0; c < cols; c++) g[o + c] = g[o + c]! + t[s + c]!
    }
  }
  return claimed
}

interface InFlight {
  phiT: Float32Array
  rows: number
  next: Int32Array
  done: Promise<void>
}

export class GramAccumulator {
  readonly g: Float32Array
  private readonly tiles: [number, number][]
  private finished = false
  private inFlight: InFlight | null = null
  private settle: { resolve: () => void; reject: (e: Error) => void } | null = null

  /**
   * One thread, or this one and a gram worker when `threads` ≥ 2, the GEMM is tfjs's, G has more than one tile
   * and the bundled worker exists, on wasm or cpu (one thread per process; native TensorFlow threads itself,
   * WebGPU has one device; MLAS threads each band itself).
   */
  static create(m: number, opts: { threads?: number; tile?: number; workerFirst?: boolean; rows?: number } = {}): GramAccumulator {
    const tile = opts.tile ?? 1024
    const backend = tf.getBackend()
    // a worker costs ≈ 0.35 s to start (tfjs + wasm) and competes for a core: below rows · m² = 2·10¹¹
    // multiply-adds of Gram work (≈ 10 s on tfjs-wasm's matMul) it measured slower (bench: m′ = 2 048, 3 072
    // rows, 0.57×). With MLAS it never pays: this thread alone, each band on every core, took 0.73–0.94× the
    // wall time and 0.75–0.80× the CPU of the two threads at n = 50 000, m′ = 8 192 (docs/performance.md)
    const worth = gemmInfo().provider === 'tfjs' && (opts.rows === undefined || opts.rows * m * m >= 2e11)
    const many = (opts.threads ?? 1) >= 2
    const url = many && worth && (backend === 'wasm' || backend === 'cpu') && m > tile ? bundledWorkerUrl('gram-worker') : null
    if (!url) {
      const acc = new GramAccumulator(m, tile)
      // alone: each band's product on every core (the GEMM's bits do not depend on how many)
      acc.parallel = many
      return acc
    }
    const g = new Float32Array(new SharedArrayBuffer(m * m * 4))
    const worker = startThread(url)
    const init: GramInitMessage = { type: 'init', g: g.buffer as SharedArrayBuffer, m, tile, backend: backend as 'wasm' | 'cpu' }
    worker.postMessage(init)
    const acc = new GramAccumulator(m, tile, worker, g)
    acc.workerFirst = opts.workerFirst ?? false
    return acc
  }

  /** tests: wait for the worker before taking leftover tiles (so it computes all of them) */
  private workerFirst = false
  /** tiles the worker added */
  workerTiles = 0
  private parallel = false
  /** Φ_bᵀ of the current block (one thread) */
  private phiT: Float32Array | null = null
  private disposed = false

  constructor(
    readonly m: number,
    private readonly tile = 1024,
    private readonly worker: Worker | null = null,
    g?: Float32Array,
  ) {
    this.g = g ?? new Float32Array(m * m)
    this.tiles = gramTiles(m, tile)
    worker?.on('message', (r: GramReply) => {
      if (this.disposed) return
      const s = this.settle
      this.settle = null
      if (r.type === 'done') {
        this.workerTiles += r.tiles
        s?.resolve()
      }
      else s?.reject(new Error(`gram worker: ${r.message}`))
    })
    worker?.on('error', (e) => this.settle?.reject(e))
    worker?.on('exit', (code) => {
      if (!this.disposed) this.settle?.reject(new Error(`gram worker exited unexpectedly (code ${code})`))
    })
  }

  /** the threads adding tiles */
  get threads(): number {
    return this.worker ? 2 : 1
  }

  /** G += Φ_bᵀ Φ_b for a row-major rows × m block (with a worker: handed over, finished by the next add or finish). */
  async add(phi: Float32Array, rows: number): Promise<void> {
    if (this.finished) throw new Error('GramAccumulator: add after finish')
    const { m, g, tiles, worker } = this
    if (!worker) {
      if (!this.phiT || this.phiT.length < rows * m) this.phiT = new Float32Array(rows * m)
      addClaimedTiles(g, m, tiles, transposeBlock(phi, rows, m, this.phiT), rows, new Int32Array(1), this.parallel)
      return
    }
    await this.drain()
    const shared = transposeBlock(phi, rows, m, new Float32Array(new SharedArrayBuffer(rows * m * 4)))
    const next = new Int32Array(new SharedArrayBuffer(4))
    const done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }))
    done.catch(() => {}) // observed by drain(); an early failure must not be an unhandled rejection meanwhile
    this.inFlight = { phiT: shared, rows, next, done }
    const msg: GramBlockMessage = { type: 'block', phiT: shared.buffer as SharedArrayBuffer, rows, next: next.buffer as SharedArrayBuffer }
    worker.postMessage(msg)
  }

  /** the block in flight: this thread takes the tiles the worker has not claimed, then waits for its last one */
  private async drain(): Promise<void> {
    const f = this.inFlight
    if (!f) return
    this.inFlight = null
    if (this.workerFirst) await f.done
    addClaimedTiles(this.g, this.m, this.tiles, f.phiT, f.rows, f.next)
    await f.done
  }

  /** The full symmetric G (upper triangle mirrored down); ends the worker. */
  async finish(): Promise<Float32Array> {
    if (!this.finished) {
      await this.drain()
      this.dispose()
      const { m, g } = this
      for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) g[j * m + i] = g[i * m + j]!
      this.finished = true
    }
    return this.g
  }

  /**
   * Ends the worker (also after a failure or cancel): it claims no further band of the block in flight and
   * exits after the band in hand, not terminated inside its GEMM (core/threads.ts).
   */
  dispose(): void {
    if (!this.worker || this.disposed) return
    this.disposed = true
    if (this.inFlight) Atomics.store(this.inFlight.next, 0, this.tiles.length)
    void endThread(this.worker)
  }
}
