import { rmSync } from 'node:fs'
import type { FcArch } from '../../shared/arch'
import { ClusterKernelSpec, TILE_JOB_KIND, tileJobId, tileKey, type InputRef, type TileCoords } from '../../shared/cluster'
import { defaultTileSize, validateKernelInputs, type KernelName } from '../engine/ntk/analytic'
import { finishTile } from '../engine/ntk/tile-finish'
import { NpyTileWriter } from '../engine/io/npy-tile-writer'
import type { Matrix } from '../engine/core/matrix'
import { putInput } from './store'
import { decodeTile, type WireTile } from './tile-wire'
import { runQueued, type RunSummary } from './queued-run'

export { CancelledRun, cancelRun } from './queued-run'

export interface DistributedKernelOptions {
  url: URL
  x: Matrix
  x2: Matrix | null
  arch: FcArch
  kernel: KernelName
  tileSize?: number
  out: string
  resume?: string
  signal: AbortSignal
  log(line: string): void
  progress(fraction: number, message: string, eta: number | null): void
}

export type DistributedKernelResult = RunSummary

/** The upper triangle of tiles of a symmetric kernel (all tiles otherwise), row by row: the local path's plan. */
export function planTiles(rows: number, cols: number, tile: number, symmetric: boolean): TileCoords[] {
  const tasks: TileCoords[] = []
  for (let r = 0; r < rows; r += tile) {
    for (let c = symmetric ? r : 0; c < cols; c += tile) tasks.push({ row0: r, rows: Math.min(tile, rows - r), col0: c, cols: Math.min(tile, cols - c) })
  }
  return tasks
}

function toFloat32(m: Matrix): Float32Array {
  const n = m.rows * m.cols
  if (m.data instanceof Float32Array && m.data.length === n) return m.data
  const out = new Float32Array(n)
  out.set(m.data.length === n ? m.data : m.data.subarray(0, n))
  return out
}

/**
 * Computes a kernel on `ntkw worker` processes: one BullMQ job per upper-triangle tile, the NPY written from
 * published tiles only (each mirrored by the engine's finishTile, as the local path does), so the file is
 * byte for byte the local `ntkw kernel` output computed with the same tile size.
 */
export async function runDistributedKernel(o: DistributedKernelOptions): Promise<DistributedKernelResult> {
  validateKernelInputs(o.x, o.x2, o.arch, [o.kernel])
  const rows = o.x.rows
  const cols = o.x2 ? o.x2.rows : o.x.rows
  const symmetric = o.x2 === null
  const tileSize = o.tileSize ?? defaultTileSize(rows, cols)
  let writer: NpyTileWriter | null = null
  try {
    writer = new NpyTileWriter(o.out, rows, cols)
    const w = writer
    const r = await distributeTiles({
      url: o.url,
      x: toFloat32(o.x),
      xRows: rows,
      x2: o.x2 ? toFloat32(o.x2) : null,
      x2Rows: cols,
      d: o.x.cols,
      spec: { arch: o.arch, kernels: [o.kernel], tileSize },
      tiles: planTiles(rows, cols, tileSize, symmetric),
      ...(o.resume ? { resume: o.resume } : {}),
      resumable: true,
      signal: o.signal,
      log: o.log,
      progress: o.progress,
      onTile: (t, tile) => {
        // the local path's finishing step: finite check and, off the diagonal, the mirror tile
        const fin = finishTile(t, { [o.kernel]: tile[o.kernel]! }, o.arch, symmetric)
        w.writeTile(t.row0, t.col0, t.rows, t.cols, fin[o.kernel]!)
        const mirror = o.kernel === 'ntk' ? fin.mirrorNtk : fin.mirrorNngp
        if (mirror) w.writeTile(t.col0, t.row0, t.cols, t.rows, mirror)
      },
    })
    writer.close()
    writer = null
    return r
  } finally {
    if (writer) {
      writer.abort()
      rmSync(o.out, { force: true })
    }
  }
}

export interface DistributeOptions {
  url: URL
  /** float32 row-major points; stored in Redis once by content hash */
  x: Float32Array
  xRows: number
  x2: Float32Array | null
  x2Rows: number
  d: number
  spec: ClusterKernelSpec
  /** the tiles to compute (a symmetric kernel's upper triangle), on the spec's tile grid */
  tiles: TileCoords[]
  resume?: string
  /** the caller can continue this run with --resume (the run id line says how) */
  resumable?: boolean
  signal?: AbortSignal
  log(line: string): void
  progress?(fraction: number, message: string, eta: number | null): void
  /** each tile once, checksummed and decoded, in publication order */
  onTile(t: TileCoords, tile: WireTile): void
}

/**
 * Kernel tiles on workers, shared by `ntkw kernel --redis` and every job whose kernel tiles go to workers
 * (RedisTiles): one queue job per tile (runQueued's rules), each result checksummed and decoded.
 */
export async function distributeTiles(o: DistributeOptions): Promise<DistributedKernelResult> {
  const spec = ClusterKernelSpec.parse(o.spec)
  const byId = new Map(o.tiles.map((t) => [tileKey(t), t]))
  return runQueued({
    url: o.url,
    ...(o.resume ? { resume: o.resume } : {}),
    ...(o.resumable ? { resumable: true } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    log: o.log,
    ...(o.progress ? { progress: (f: number, m: string, eta: number | null) => o.progress!(f, `tile ${m}`, eta) } : {}),
    plan: async (redis, runId) => {
      const x = await putInput(redis, o.x, o.xRows, o.d)
      const x2: InputRef | null = o.x2 ? await putInput(redis, o.x2, o.x2Rows, o.d) : null
      return {
        def: { x, x2, spec },
        what: `${o.tiles.length} tiles of ${spec.tileSize}`,
        items: o.tiles.map((t) => ({ id: tileKey(t), jobId: tileJobId(runId, t), data: { kind: TILE_JOB_KIND, v: 1, runId, x, x2, spec, tile: t } })),
      }
    },
    onResult: (item, buf) => {
      const t = byId.get(item.id)!
      o.onTile(t, decodeTile(buf, t, spec.kernels))
    },
  })
}
