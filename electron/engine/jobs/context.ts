import type { ArtifactInfo, JobEvent, JobKind, JobSpecOf, DataRef } from '../../../shared/index'

export class CancelledError extends Error {
  constructor() {
    super('cancelled')
    this.name = 'CancelledError'
  }
}

/** A float matrix handed to or produced by a job (row-major). */
export interface Matrix {
  data: Float32Array | Float64Array
  rows: number
  cols: number
}

/** Where a job writes its results: the project file (app, `ntkw run --project`) or a folder (`--out`). */
export interface ArtifactSink {
  /** a whole array (kept small: vectors, predictions, metrics tables) */
  saveArray(name: string, data: Float32Array | Float64Array, shape: number[], meta?: Record<string, unknown>): ArtifactInfo
  saveJson(name: string, value: unknown): ArtifactInfo
  /** a large 2-D float32 matrix streamed tile by tile; call `close()` when every tile is written */
  openTiled(name: string, rows: number, cols: number, meta?: Record<string, unknown>): TiledArtifactWriter
}

export interface TiledArtifactWriter {
  writeTile(row0: number, col0: number, rows: number, cols: number, tile: Float32Array): void
  close(): ArtifactInfo
  /** drop a half-written artifact (failure or cancel) */
  abort(): void
}

/** Loads a DataRef (NPY file or project dataset) as a matrix. */
export interface DataResolver {
  load(ref: DataRef): Promise<Matrix>
  /** content hash of the data a ref points to (recorded with the run) */
  hash(ref: DataRef): Promise<string>
}

export interface JobContext {
  readonly runId: string
  readonly seed: number
  readonly signal: AbortSignal
  /** throws CancelledError once cancel was requested; call it between steps */
  throwIfCancelled(): void
  /** overall progress 0..1; ETA is derived here, events are coalesced (≤ 20/s) */
  progress(fraction: number, message?: string): void
  metric(name: string, step: number, value: number): void
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void
  /** lets messages (cancel) in during long synchronous work: await it every ~50–100 ms of compute */
  yield(): Promise<void>
  readonly artifacts: ArtifactSink
  readonly data: DataResolver
  /** the active tfjs backend name */
  readonly backend: string
  /** notes how the run used the data (dataset hash), stored with the run */
  recordDatasetHash(hash: string): void
}

export type JobRunner<K extends JobKind> = (spec: JobSpecOf<K>, ctx: JobContext) => Promise<unknown>

export type EmitFn = (event: JobEvent) => void
