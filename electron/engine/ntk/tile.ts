import * as tf from '@tensorflow/tfjs-core'
import { gemmInfo } from '../blas/gemm'
import type { KernelLayer } from './layers'
import type { FusedFcPlan } from './fc-fused'
import { fusedTileOf, mlasGram, VarianceCache } from './tile-fused'
import { disposeState, type KernelState } from './state'

export type KernelName = 'ntk' | 'nngp'

/** Row-major float32 points: `rows` points of dimension `d`. */
export interface PointBlock {
  data: Float32Array
  rows: number
  d: number
  /** identifies the block within a job, for TileInputCache */
  key?: string
}

/** One tile of the kernel matrix: rows row0 … row0+rows, columns col0 … col0+cols. */
export interface TileTask {
  row0: number
  rows: number
  col0: number
  cols: number
}

export interface TileKernels {
  ntk?: Float32Array
  nngp?: Float32Array
}

const pins = new Map<string, tf.Tensor2D>()
/**
 * 1 on the diagonal, −1 elsewhere (see PairTile.pin); one per tile size and backend, kept for the process
 * (per backend: a WebGPU tensor cannot be moved to another backend synchronously).
 */
function pinOf(size: number): tf.Tensor2D {
  const key = `${tf.getBackend()}:${size}`
  let p = pins.get(key)
  if (!p) {
    p = tf.tidy(() => tf.sub(tf.mul(tf.eye(size), 2), 1) as tf.Tensor2D)
    pins.set(key, p)
  }
  return p
}

/**
 * Keeps a job's input blocks in backend memory between tiles: the current row block, and column blocks
 * already transposed (each is transposed once per job instead of once per tile, ≈2.5 ms for 512×784).
 * Capped (64 MiB per thread: every thread's backend holds its own copy, and at n = 50 000 × 784 all of x is
 * 157 MB); past the cap a block is transposed per tile. For a kernel of x with itself the tiles come in
 * row order over the upper triangle, so a column block left of the current row block is never used again:
 * those are dropped to make room.
 */
export class TileInputCache {
  private rowKey: string | null = null
  private rowTensor: tf.Tensor2D | null = null
  private readonly cols = new Map<string, { t: tf.Tensor2D; bytes: number; end: number; source: ArrayBufferLike }>()
  private colBytes = 0
  private readonly q = new VarianceCache()
  constructor(private readonly maxColBytes = 64 * 2 ** 20) {}

  rows(b: PointBlock): tf.Tensor2D {
    if (b.key !== undefined && b.key === this.rowKey && this.rowTensor) return this.rowTensor
    this.rowTensor?.dispose()
    this.rowTensor = tf.keep(tf.tensor2d(b.data, [b.rows, b.d]))
    this.rowKey = b.key ?? null
    return this.rowTensor
  }

  /** the transposed block [d, rows]; the caller must not dispose it. `rowsOf`: the tile's row block */
  colsT(b: PointBlock, rowsOf?: PointBlock): { t: tf.Tensor2D; owned: boolean } {
    const hit = b.key !== undefined ? this.cols.get(b.key) : undefined
    if (hit) return { t: hit.t, owned: false }
    const t = tf.tidy(() => tf.transpose(tf.tensor2d(b.data, [b.rows, b.d])) as tf.Tensor2D)
    if (b.key === undefined) return { t, owned: true }
    if (this.colBytes + b.data.byteLength > this.maxColBytes && rowsOf && rowsOf.data.buffer === b.data.buffer) {
      // same points on both sides: blocks ending at or before this row block's start are done with
      for (const [k, c] of this.cols) {
        if (c.source === rowsOf.data.buffer && c.end <= rowsOf.data.byteOffset) {
          c.t.dispose()
          this.colBytes -= c.bytes
          this.cols.delete(k)
        }
      }
    }
    if (this.colBytes + b.data.byteLength > this.maxColBytes) return { t, owned: true }
    this.cols.set(b.key, { t: tf.keep(t), bytes: b.data.byteLength, end: b.data.byteOffset + b.data.byteLength, source: b.data.buffer })
    this.colBytes += b.data.byteLength
    return { t, owned: false }
  }

  variances(b: PointBlock): Float64Array {
    return this.q.variances(b)
  }

  dispose(): void {
    this.q.dispose()
    this.rowTensor?.dispose()
    this.rowTensor = null
    this.rowKey = null
    for (const c of this.cols.values()) c.t.dispose()
    this.cols.clear()
    this.colBytes = 0
  }
}

/**
 * One tile of the requested kernels between the points of `rowsBlock` and `colsBlock` (docs/math.md §1).
 * Inputs: Σ⁰ = x·x′/d, q = ‖x‖²/d, Θ⁰ = 0. On tfjs the Gram matrix uses an explicitly transposed operand:
 * the wasm backend's transposed-matmul path is ~11× slower (docs/performance.md). `selfDiagonal` marks a
 * square tile on the diagonal of a kernel of x with itself.
 */
export function computeTile(
  layers: KernelLayer,
  rowsBlock: PointBlock,
  colsBlock: PointBlock,
  kernels: readonly KernelName[],
  selfDiagonal: boolean,
  cache?: TileInputCache,
): TileKernels {
  // on a GPU the elementwise recursion stays on the device; on CPU backends typed-array loops beat ops
  if (layers.fused && tf.getBackend() !== 'webgpu') return fusedTile(layers as KernelLayer & { fused: FusedFcPlan }, rowsBlock, colsBlock, kernels, selfDiagonal, cache)
  const state = tileState(layers, rowsBlock, colsBlock, kernels, selfDiagonal, cache)
  try {
    const copy = tf.getBackend() !== 'wasm' // other backends may hand back their own storage
    return readTile(state, kernels, rowsBlock.rows * colsBlock.rows, (t) => {
      const v = t.dataSync() as Float32Array
      return copy ? v.slice() : v
    })
  } finally {
    releaseState(state)
  }
}

/**
 * computeTile for backends whose results reach JavaScript only asynchronously (WebGPU: a synchronous
 * read of a GPU buffer is impossible outside a browser page).
 */
export async function computeTileAsync(
  layers: KernelLayer,
  rowsBlock: PointBlock,
  colsBlock: PointBlock,
  kernels: readonly KernelName[],
  selfDiagonal: boolean,
  cache?: TileInputCache,
): Promise<TileKernels> {
  const state = tileState(layers, rowsBlock, colsBlock, kernels, selfDiagonal, cache)
  try {
    const reads: Partial<Record<KernelName, Float32Array>> = {}
    if (kernels.includes('nngp')) reads.nngp = (await state.nngp.data()) as Float32Array
    if (kernels.includes('ntk') && state.ntk) reads.ntk = (await state.ntk.data()) as Float32Array
    return readTile(state, kernels, rowsBlock.rows * colsBlock.rows, (t) => (t === state.nngp ? reads.nngp! : reads.ntk!))
  } finally {
    releaseState(state)
  }
}

/** A tile through the fused recursion (tile-fused.ts), its Gram matrix from MLAS or tfjs's matMul. */
function fusedTile(layers: KernelLayer & { fused: FusedFcPlan }, rowsBlock: PointBlock, colsBlock: PointBlock, kernels: readonly KernelName[], selfDiagonal: boolean, cache?: TileInputCache): TileKernels {
  const inputs = cache ?? new TileInputCache(0)
  try {
    return fusedTileOf(layers.fused, gramOf(rowsBlock, colsBlock, inputs), rowsBlock, colsBlock, kernels, selfDiagonal, inputs)
  } finally {
    if (!cache) inputs.dispose()
  }
}

/**
 * x·x′ᵀ of a tile. MLAS takes the column block as it is (transB); the tfjs fallback multiplies by the cached
 * transposed block, since tfjs-wasm's transposed-operand matmul is ~11× slower.
 */
function gramOf(rowsBlock: PointBlock, colsBlock: PointBlock, inputs: TileInputCache): Float32Array {
  if (gemmInfo().provider === 'mlas') return mlasGram(rowsBlock, colsBlock)
  const xr = inputs.rows(rowsBlock)
  const xcT = inputs.colsT(colsBlock, rowsBlock)
  const m = tf.matMul(xr, xcT.t)
  const gram = m.dataSync() as Float32Array
  m.dispose()
  if (xcT.owned) xcT.t.dispose()
  return gram
}

function readTile(state: KernelState, kernels: readonly KernelName[], size: number, read: (t: tf.Tensor) => Float32Array): TileKernels {
  const out: TileKernels = {}
  if (kernels.includes('nngp')) out.nngp = read(state.nngp)
  if (kernels.includes('ntk')) out.ntk = state.ntk ? read(state.ntk) : new Float32Array(size)
  return out
}

function releaseState(state: KernelState): void {
  // the pin is cached across tiles
  state.pin = null
  disposeState(state)
}

function tileState(
  layers: KernelLayer,
  rowsBlock: PointBlock,
  colsBlock: PointBlock,
  kernels: readonly KernelName[],
  selfDiagonal: boolean,
  cache?: TileInputCache,
): KernelState {
  const wantNtk = kernels.includes('ntk')
  const inputs = cache ?? new TileInputCache(0)
  // the Gram matrix from MLAS where it runs (a CPU backend), else on the backend holding the recursion
  const gram = gemmInfo().provider === 'mlas' ? gramOf(rowsBlock, colsBlock, inputs) : null
  const xr = gram ? null : inputs.rows(rowsBlock)
  const xcT = gram ? null : inputs.colsT(colsBlock, rowsBlock)
  const state: KernelState = tf.tidy(() => {
    const g = gram ? tf.tensor2d(gram, [rowsBlock.rows, colsBlock.rows]) : tf.matMul(xr!, xcT!.t)
    const nngp = tf.mul(g, 1 / rowsBlock.d) as tf.Tensor2D
    return {
      nngp,
      ntk: null,
      q1: tf.tensor2d(new Float32Array(inputs.variances(rowsBlock)), [rowsBlock.rows, 1]),
      q2: tf.tensor2d(new Float32Array(inputs.variances(colsBlock)), [1, colsBlock.rows]),
      width: rowsBlock.d,
      trackNtk: wantNtk,
      pin: null,
    } as unknown as tf.TensorContainer
  }) as unknown as KernelState
  if (xcT?.owned) xcT.t.dispose()
  if (!cache) inputs.dispose()
  if (selfDiagonal && rowsBlock.rows === colsBlock.rows) state.pin = pinOf(rowsBlock.rows)
  try {
    return layers.apply(state)
  } catch (e) {
    releaseState(state)
    throw e
  }
}
