import * as tf from '@tensorflow/tfjs-core'
import { availableParallelism } from 'node:os'
import type { FcArch } from '../../../shared/arch'
import type { BackendName } from '../../../shared/backend'
import { UserError } from '../../../shared/errors'
import { CancelledError } from '../core/cancel'
import { type Matrix } from '../core/matrix'
import { type TiledArtifactWriter } from '../core/artifact-sink'
import { backendInfo, initBackend } from '../runtime/backend'
import { assertWebgpuAlive } from '../runtime/webgpu'
import { fcLayers } from './layers'
import { runOnWorkers } from './pool'
import type { InitMessage } from './protocol'
import { computeTile, computeTileAsync, TileInputCache, type KernelName, type PointBlock, type TileTask } from './tile'
import { finishTile, type FinishedTile } from './tile-finish'
import { kernelWorkerUrl } from './worker-path'
import { SpatialTiler, type SpatialArch } from './spatial'
import { estimateKernelCost } from '../../../shared/arch/kernel-cost'
import { assertFiniteArray } from '../core/finite'
import type { RemoteArch, RemoteTiles } from '../core/remote-tiles'

export type { KernelName } from './tile'
export type { SpatialArch } from './spatial'

/** An FC network (the tfjs tiles) or an ARCH.json kernel plan (the layer modules' pair rules). */
export type AnalyticArch = FcArch | SpatialArch
export const isSpatialArch = (a: AnalyticArch): a is SpatialArch => 'plan' in a

/** One block of a kernel matrix: rows [row0, row0 + rows) × columns [col0, col0 + cols), row-major. */
export interface KernelTile {
  row0: number
  col0: number
  rows: number
  cols: number
  ntk?: Float32Array
  nngp?: Float32Array
  /** min / max / sum of the tile's entries per kernel, computed where the tile was */
  summary: FinishedTile['summary']
}

export interface AnalyticOptions {
  kernels: KernelName[]
  /** tile edge (default: defaultTileSize) */
  tileSize?: number
  /** worker threads: 0 = one per core, 1 = this thread (default 0) */
  workers?: number
  /** every tile of the full matrix, each exactly once (symmetric kernels: mirrored tiles included) */
  onTile?: (tile: KernelTile) => void
  signal?: AbortSignal
  progress?: (fraction: number) => void
  /** compute the tiles elsewhere (`ntkw worker` processes); they are finished here as local tiles are */
  remote?: RemoteTiles
}

export interface AnalyticKernels {
  ntk?: Float32Array
  nngp?: Float32Array
  rows: number
  cols: number
  /** worker threads used (1 = computed in this thread) */
  workers: number
}

// 512 beat 1024 at n = 4000 (diagonal tiles of a self-kernel compute both halves: less waste); for large n
// that waste is small and 1024 halves the tile count (and the positional writes when streaming).
export function defaultTileSize(rows: number, cols: number): number {
  return Math.max(rows, cols) >= 8192 ? 1024 : 512
}
const TILES_PER_WORKER = 6
const MIN_BALANCED_TILE = 256
// Below this many kernel entries starting workers (≈0.3 s for tfjs + wasm each) costs more than it saves.
const IN_PROCESS_BELOW = 512 * 512
// Spatial kernels: tiles start at 64 points a side and halve (not below 8) until each thread has several;
// a pair costs P·F (or P²·F) operations per layer, so small tiles still amortise their overhead.
const SPATIAL_TILE = 64
const MIN_SPATIAL_TILE = 8
const SPATIAL_IN_PROCESS_BELOW_S = 0.1

function toFloat32(m: Matrix, shared: boolean): Float32Array {
  const n = m.rows * m.cols
  if (!shared && m.data instanceof Float32Array && m.data.length === n) return m.data
  // already on shared memory (large .npy inputs are read so): the workers take it as it is
  if (shared && m.data instanceof Float32Array && m.data.buffer instanceof SharedArrayBuffer && m.data.byteOffset === 0 && m.data.buffer.byteLength === n * 4) return m.data
  const out = shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n)
  out.set(m.data.length === n ? m.data : m.data.subarray(0, n))
  return out
}

export function checkInput(m: Matrix, name: string): void {
  if (m.rows < 1 || m.cols < 1) throw new UserError('empty_input', `${name} is empty (${m.rows}×${m.cols})`, 'Pass at least one point with at least one feature.')
  if (m.data.length < m.rows * m.cols) throw new Error(`${name}: data has ${m.data.length} values, shape needs ${m.rows * m.cols}`)
  for (let i = 0; i < m.rows * m.cols; i++) {
    const v = m.data[i]!
    if (!Number.isFinite(v)) assertFiniteArray(m.data, name, 'Remove or impute those values before computing kernels.', m.cols, m.rows * m.cols)
    if (Math.abs(v) > 1e18) {
      throw new UserError('input_too_large', `${name} has a value ${v} at row ${Math.floor(i / m.cols)}: kernels are computed in float32 and would overflow`, 'Standardise the features (e.g. divide by their standard deviation).')
    }
  }
}

/** Checks the architecture can give the requested kernels (before any work starts). */
export function checkArch(arch: AnalyticArch, kernels: readonly KernelName[]): void {
  if (isSpatialArch(arch)) return
  if (arch.parameterization === 'standard' && kernels.includes('ntk') && arch.depth > 0 && arch.width === 'inf') {
    throw new UserError(
      'standard_needs_width',
      'the standard-parameterization NTK grows with the hidden width, so it needs a finite width',
      'Give the hidden width (--width W, or arch.width in the job spec), or use --parameterization ntk, or --kind nngp.',
    )
  }
}

/** Checks points and architecture before any work starts; returns the distinct kernels asked for. */
export function validateKernelInputs(x: Matrix, x2: Matrix | null, arch: AnalyticArch, requested: readonly KernelName[]): KernelName[] {
  checkInput(x, 'x')
  if (isSpatialArch(arch)) {
    const d = arch.plan.input.reduce((a, b) => a * b, 1)
    if (x.cols !== d) {
      throw new UserError('bad_shape', `the architecture's input [${arch.plan.input.join(', ')}] holds ${d} values per point, but x has ${x.cols}`, 'Make ARCH.json "input" match the data (h·w·c = features per row).')
    }
  }
  if (x2) {
    checkInput(x2, 'x2')
    if (x2.cols !== x.cols) {
      throw new UserError('dim_mismatch', `x has ${x.cols} features but x2 has ${x2.cols}`, 'Both point sets must have the same number of columns (features).')
    }
  }
  const kernels = [...new Set(requested)]
  if (kernels.length === 0) throw new UserError('no_kernel', 'no kernel requested', "Ask for 'ntk', 'nngp' or both.")
  checkArch(arch, kernels)
  return kernels
}

/** what a tile's overflow error names for an ARCH.json kernel */
function describedSpatial(arch: SpatialArch): { depth: number; wStd: number } {
  return { depth: arch.plan.steps.length, wStd: arch.plan.steps.find((s) => 'wStd' in s)?.wStd ?? 1 }
}

/** The architecture as workers receive it: they plan an ARCH.json again for the same input shape. */
function remoteArchOf(arch: AnalyticArch): RemoteArch {
  if (!isSpatialArch(arch)) return { fc: arch }
  if (!arch.source) throw new Error('this kernel plan has no ARCH.json source: it cannot be sent to workers')
  return { net: arch.source.net, wStd: arch.source.wStd, bStd: arch.source.bStd, input: arch.plan.input }
}

function planTiles(rows: number, cols: number, tile: number, symmetric: boolean): TileTask[] {
  const tasks: TileTask[] = []
  for (let r = 0; r < rows; r += tile) {
    for (let c = symmetric ? r : 0; c < cols; c += tile) {
      tasks.push({ row0: r, rows: Math.min(tile, rows - r), col0: c, cols: Math.min(tile, cols - c) })
    }
  }
  return tasks
}

/**
 * How a tiled kernel run went. Phases (ms): computeMs sums the tiles' compute time over all threads,
 * storeMs the time this thread spent handing tiles to the sink (writes, heatmaps), firstTileMs the wait for
 * the first tile (worker start-up), wallMs the whole run.
 */
export interface TileRunInfo {
  rows: number
  cols: number
  workers: number
  tileSize: number
  phases: { computeMs: number; storeMs: number; firstTileMs: number; wallMs: number }
  /** the tfjs backends the tiles were computed on (the job's own) */
  backends: string[]
}

/**
 * Runs every tile of the kernels between x and x2 (x2 null: x with itself, computed on the upper
 * triangle of tiles and mirrored), in this thread or on worker threads, and hands each tile of the full
 * matrix to `sink` exactly once.
 */
export async function forEachKernelTile(
  x: Matrix,
  x2: Matrix | null,
  arch: AnalyticArch,
  opts: AnalyticOptions,
  sink: (tile: KernelTile) => void,
): Promise<TileRunInfo> {
  const kernels = validateKernelInputs(x, x2, arch, opts.kernels)
  const rows = x.rows
  const cols = x2 ? x2.rows : x.rows
  const d = x.cols
  const symmetric = x2 === null
  const requested = opts.workers ?? 0
  const cores = Math.max(1, availableParallelism())
  const wantWorkers = requested === 0 ? cores : requested
  const spatial = isSpatialArch(arch)
  const described = isSpatialArch(arch) ? describedSpatial(arch) : arch
  let tileSize = Math.max(1, Math.floor(opts.tileSize ?? (spatial ? SPATIAL_TILE : defaultTileSize(rows, cols))))
  // With several workers, halve the tile until each worker gets several tiles, so none idles at the end.
  const minTile = spatial ? MIN_SPATIAL_TILE : MIN_BALANCED_TILE
  while ((wantWorkers > 1 || spatial) && tileSize > minTile && planTiles(rows, cols, tileSize, symmetric).length < TILES_PER_WORKER * wantWorkers) {
    tileSize = Math.max(minTile, tileSize >> 1)
  }
  const tasks = planTiles(rows, cols, tileSize, symmetric)
  const total = tasks.reduce((s, t) => s + t.rows * t.cols, 0)
  let done = 0
  const signal = opts.signal
  if (signal?.aborted) throw new CancelledError()

  // The tile arrives checked and, off the diagonal of a symmetric kernel, with its mirror (finishTile runs
  // where the tile was computed, so worker threads do that work, not this one).
  // per-phase timings: where the time goes (compute on the workers vs storing on this thread)
  const phases = { computeMs: 0, storeMs: 0, firstTileMs: 0 }
  const began = performance.now()
  const consume = (t: TileTask, out: FinishedTile): void => {
    const s0 = performance.now()
    if (!phases.firstTileMs) phases.firstTileMs = s0 - began
    phases.computeMs += out.computeMs ?? 0
    sink({ ...t, ...(out.ntk ? { ntk: out.ntk } : {}), ...(out.nngp ? { nngp: out.nngp } : {}), summary: out.summary })
    if (out.mirrorNtk || out.mirrorNngp) {
      const summary = Object.fromEntries(Object.entries(out.summary).map(([k, s]) => [k, { ...s, diag: null }]))
      sink({ row0: t.col0, col0: t.row0, rows: t.cols, cols: t.rows, ...(out.mirrorNtk ? { ntk: out.mirrorNtk } : {}), ...(out.mirrorNngp ? { nngp: out.mirrorNngp } : {}), summary })
    }
    phases.storeMs += performance.now() - s0
    done += t.rows * t.cols
    opts.progress?.(done / total)
  }

  if (opts.remote) {
    const xs = toFloat32(x, false)
    await opts.remote.run({
      x: xs,
      xRows: rows,
      x2: x2 ? toFloat32(x2, false) : null,
      x2Rows: cols,
      d,
      arch: remoteArchOf(arch),
      kernels,
      tileSize,
      tiles: tasks,
      ...(signal ? { signal } : {}),
      onTile: (t, out) => {
        const c0 = performance.now()
        const fin = finishTile(t, out, described, symmetric)
        fin.computeMs = performance.now() - c0
        consume(t, fin)
      },
    })
    if (signal?.aborted) throw new CancelledError()
    return { rows, cols, workers: 1, tileSize, phases: { ...phases, wallMs: performance.now() - began }, backends: [`workers via ${opts.remote.where}`] }
  }

  // This thread computes tiles in both cases: alone, or beside workers − 1 worker threads.
  const chosen = backendInfo() ?? (await initBackend())
  // WebGPU: one device per process, tiles on this thread only. A device per worker thread would compete
  // for the same GPU queue (a hardware GPU already runs a tile's kernels in parallel; a software adapter
  // spreads them over the cores itself) and pay the adapter and shader set-up once per thread
  // (docs/performance.md).
  // the backend computing now: webgpu, or the CPU companion a job not ported to webgpu runs on
  const active = tf.getBackend()
  const onGpu = active === 'webgpu'
  const workers = onGpu ? 1 : Math.min(wantWorkers, tasks.length)
  const worthWorkers = spatial ? estimateKernelCost(arch.plan, rows, symmetric ? null : cols).seconds >= SPATIAL_IN_PROCESS_BELOW_S : rows * cols >= IN_PROCESS_BELOW
  const url = workers > 1 && worthWorkers ? kernelWorkerUrl() : null
  const layers = spatial ? null : fcLayers(arch)
  const xs = toFloat32(x, url !== null)
  const x2s = x2 ? toFloat32(x2, url !== null) : xs
  const cache = new TileInputCache()
  const tiler = spatial ? new SpatialTiler(arch.plan, xs, x2s, d, kernels) : null
  const localTile = (t: TileTask): FinishedTile => {
    if (tiler) {
      const c0 = performance.now()
      const out = finishTile(t, tiler.tile(t, symmetric && t.row0 === t.col0, signal), described, symmetric)
      out.computeMs = performance.now() - c0
      return out
    }
    const rowsBlock: PointBlock = { data: xs.subarray(t.row0 * d, (t.row0 + t.rows) * d), rows: t.rows, d, key: `r${t.row0}:${t.rows}` }
    const colsBlock: PointBlock = { data: x2s.subarray(t.col0 * d, (t.col0 + t.cols) * d), rows: t.cols, d, key: `c${t.col0}:${t.cols}` }
    const c0 = performance.now()
    const out = finishTile(t, computeTile(layers!, rowsBlock, colsBlock, kernels, symmetric && t.row0 === t.col0, cache), described, symmetric)
    out.computeMs = performance.now() - c0
    return out
  }
  const localTileAsync = async (t: TileTask): Promise<FinishedTile> => {
    const rowsBlock: PointBlock = { data: xs.subarray(t.row0 * d, (t.row0 + t.rows) * d), rows: t.rows, d, key: `r${t.row0}:${t.rows}` }
    const colsBlock: PointBlock = { data: x2s.subarray(t.col0 * d, (t.col0 + t.cols) * d), rows: t.cols, d, key: `c${t.col0}:${t.cols}` }
    const c0 = performance.now()
    const out = finishTile(t, await computeTileAsync(layers!, rowsBlock, colsBlock, kernels, symmetric && t.row0 === t.col0, cache), described, symmetric)
    out.computeMs = performance.now() - c0
    return out
  }
  const backends = new Set<string>([chosen.active])
  try {
    if (!url) {
      for (const t of tasks) {
        if (signal?.aborted) throw new CancelledError()
        if (onGpu) assertWebgpuAlive()
        // spatial tiles are plain typed-array loops: the same on every backend
        consume(t, onGpu && !tiler ? await localTileAsync(t) : localTile(t))
        // let cancel (and progress events) through between tiles
        await new Promise((r) => setImmediate(r))
      }
      if (signal?.aborted) throw new CancelledError()
    } else {
      const init: InitMessage = {
        type: 'init',
        x: xs.buffer as SharedArrayBuffer,
        xRows: rows,
        x2: x2 ? (x2s.buffer as SharedArrayBuffer) : null,
        x2Rows: cols,
        d,
        arch,
        kernels,
        // beside webgpu, workers use the companion this thread computes on
        backend: chosen.choice === 'webgpu' ? (active as BackendName) : chosen.choice,
      }
      await runOnWorkers(url, workers - 1, init, tasks, consume, signal, (b) => backends.add(b), localTile)
    }
  } finally {
    cache.dispose()
  }
  return { rows, cols, workers: url ? workers : 1, tileSize, phases: { ...phases, wallMs: performance.now() - began }, backends: [...backends] }
}

/** NNGP and/or NTK of an FcArch between x and x2 (or x with itself), fully in memory. */
export async function computeAnalyticKernels(x: Matrix, x2: Matrix | null, arch: AnalyticArch, opts: AnalyticOptions): Promise<AnalyticKernels> {
  const rows = x.rows
  const cols = x2 ? x2.rows : x.rows
  const kernels = [...new Set(opts.kernels)]
  const out: AnalyticKernels = { rows, cols, workers: 1 }
  for (const k of kernels) out[k] = new Float32Array(rows * cols)
  const info = await forEachKernelTile(x, x2, arch, opts, (t) => {
    for (const k of kernels) {
      const src = t[k]!
      const dst = out[k]!
      for (let r = 0; r < t.rows; r++) dst.set(src.subarray(r * t.cols, (r + 1) * t.cols), (t.row0 + r) * cols + t.col0)
    }
    opts.onTile?.(t)
  })
  out.workers = info.workers
  return out
}

/**
 * Streams the kernels tile by tile into writers (e.g. ctx.artifacts.openTiled): memory holds only the
 * inputs and the tiles in flight, so n = 20 000 fits. The caller closes or aborts the writers.
 */
export async function streamAnalyticKernels(
  x: Matrix,
  x2: Matrix | null,
  arch: AnalyticArch,
  writers: Partial<Record<KernelName, TiledArtifactWriter>>,
  opts: Omit<AnalyticOptions, 'kernels'>,
): Promise<TileRunInfo> {
  const kernels = (Object.keys(writers) as KernelName[]).filter((k) => writers[k])
  return forEachKernelTile(x, x2, arch, { ...opts, kernels }, (t) => {
    for (const k of kernels) writers[k]!.writeTile(t.row0, t.col0, t.rows, t.cols, t[k]!)
    opts.onTile?.(t)
  })
}
