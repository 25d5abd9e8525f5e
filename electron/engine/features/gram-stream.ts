import * as tf from '@tensorflow/tfjs-core'
import { Worker } from 'node:worker_threads'
import { bundledWorkerUrl } from '../ntk/worker-path'

// G = ΦᵀΦ (m×m) summed over row blocks Φ_b of Φ without an m×m tensor on the backend. Each block adds its
// column tiles of the upper triangle, G[0:j₁, j₀:j₁] += Φ_bᵀ[0:j₁, :] Φ_b[:, j₀:j₁] (tiles of T columns), read
// back and summed into one Float32Array here; the lower triangle is mirrored once at the end. The tiles
// cost (1 + T/m)/2 of the full product's flops (G is symmetric), and the backend holds Φ_b, Φ_bᵀ and one
// m×T tile at a time. Why: the former G ← G + Φ_bᵀΦ_b on tfjs kept three m×m float32 tensors alive per
// block in the wasm heap, which never shrinks (0.8 GB at m = 8 192; docs/performance.md).
// Two threads (wasm runs one thread per process): G lives in shared memory and a worker (gram-worker.ts)
// takes tiles of block b from a shared counter while this thread computes the features of block b + 1,
// then this thread takes whatever tiles are left. Every tile is added by exactly one thread and blocks in
// order, so G is bit-identical to the one-thread sum.

export interface GramInitMessage {
  type: 'init'
  g: SharedArrayBuffer
  m: number
  tile: number
  backend: 'wasm' | 'cpu'
}

export interface GramBlockMessage {
  type: 'block'
  phi: SharedArrayBuffer
  rows: number
  /** Int32Array[1]: index of the next unclaimed tile */
  next: SharedArrayBuffer
}

export type GramReply = { type: 'done'; tiles: number } | { type: 'error'; message: string }

/** Column tiles [j₀, j₁) of the upper triangle, the most work (j₁ · width) first. */
export function gramTiles(m: number, tile: number): [number, number][] {
  const out: [number, number][] = []
  for (let j0 = 0; j0 < m; j0 += tile) out.push([j0, Math.min(m, j0 + tile)])
  return out.reverse()
}

/** Adds the tiles claimed from `next` (Atomics) of the row-major rows × m block to G; returns how many. */
export function addClaimedTiles(g: Float32Array, m: number, tiles: readonly [number, number][], phi: Float32Array, rows: number, next: Int32Array): number {
  let claimed = 0
  let p: tf.Tensor2D | null = null
  let pt: tf.Tensor2D | null = null
  try {
    for (let i = Atomics.add(next, 0, 1); i < tiles.length; i = Atomics.add(next, 0, 1)) {
      const [j0, j1] = tiles[i]!
      claimed++
      const w = j1 - j0
      p ??= tf.tensor2d(phi.subarray(0, rows * m), [rows, m])
      pt ??= tf.transpose(p) // explicit transpose: the transposed-operand matMul is ~11× slower on wasm
      const a = pt
      const b = p
      const part = tf.tidy(() => tf.matMul(j1 === m ? a : tf.slice(a, [0, 0], [j1, rows]), w === m ? b : tf.slice(b, [0, j0], [rows, w])))
      const t = part.dataSync() as Float32Array
      part.dispose()
      for (let r = 0; r < j1; r++) {
        const o = r * m + j0
        const s = r * w
        for (let c = 0; c < w; c++) g[o + c] = g[o + c]! + t[s + c]!
      }
    }
  } finally {
    p?.dispose()
    pt?.dispose()
  }
  return claimed
}

interface InFlight {
  phi: Float32Array
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
   * One thread, or this one and a gram worker when `threads` ≥ 2, G has more than one tile and the bundled
   * worker exists, on wasm or cpu (one thread per process; native TensorFlow threads itself, WebGPU has one device).
   */
  static create(m: number, opts: { threads?: number; tile?: number; workerFirst?: boolean; rows?: number } = {}): GramAccumulator {
    const tile = opts.tile ?? 1024
    const backend = tf.getBackend()
    // a worker costs ≈ 0.35 s to start (tfjs + wasm) and competes for a core: below ≈ 10 s of one-thread
    // Gram work (rows · m² ≥ 2·10¹¹ multiply-adds, given) it measured slower (bench: m′ = 2 048, 3 072 rows, 0.57×)
    const worth = opts.rows === undefined || opts.rows * m * m >= 2e11
    const url = (opts.threads ?? 1) >= 2 && worth && (backend === 'wasm' || backend === 'cpu') && m > tile ? bundledWorkerUrl('gram-worker') : null
    if (!url) return new GramAccumulator(m, tile)
    const g = new Float32Array(new SharedArrayBuffer(m * m * 4))
    const worker = new Worker(url)
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

  constructor(
    readonly m: number,
    private readonly tile = 1024,
    private readonly worker: Worker | null = null,
    g?: Float32Array,
  ) {
    this.g = g ?? new Float32Array(m * m)
    this.tiles = gramTiles(m, tile)
    worker?.on('message', (r: GramReply) => {
      const s = this.settle
      this.settle = null
      if (r.type === 'done') {
        this.workerTiles += r.tiles
        s?.resolve()
      }
      else s?.reject(new Error(`gram worker: ${r.message}`))
    })
    worker?.on('error', (e) => this.settle?.reject(e))
    worker?.on('exit', (code) => this.settle?.reject(new Error(`gram worker exited unexpectedly (code ${code})`)))
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
      addClaimedTiles(g, m, tiles, phi, rows, new Int32Array(1))
      return
    }
    await this.drain()
    const shared = new Float32Array(new SharedArrayBuffer(rows * m * 4))
    shared.set(phi.subarray(0, rows * m))
    const next = new Int32Array(new SharedArrayBuffer(4))
    const done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }))
    done.catch(() => {}) // observed by drain(); an early failure must not be an unhandled rejection meanwhile
    this.inFlight = { phi: shared, rows, next, done }
    const msg: GramBlockMessage = { type: 'block', phi: shared.buffer as SharedArrayBuffer, rows, next: next.buffer as SharedArrayBuffer }
    worker.postMessage(msg)
  }

  /** the block in flight: this thread takes the tiles the worker has not claimed, then waits for its last one */
  private async drain(): Promise<void> {
    const f = this.inFlight
    if (!f) return
    this.inFlight = null
    if (this.workerFirst) await f.done
    addClaimedTiles(this.g, this.m, this.tiles, f.phi, f.rows, f.next)
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

  /** ends the worker (also after a failure or cancel) */
  dispose(): void {
    if (!this.worker) return
    this.worker.removeAllListeners()
    void this.worker.terminate()
  }
}
