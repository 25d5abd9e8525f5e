import type { ArtifactInfo } from '../../../shared/index'

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
