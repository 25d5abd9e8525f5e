// Kernel tiles computed somewhere else (issue 20: `ntkw worker` processes through Redis). The engine only
// knows this interface; electron/cluster implements it, and the CLI or the engine host hands it to a job
// through its context. The engine finishes every tile it gets back with the same code as a local tile, so
// the kernel is the same bytes whichever machine computed the tiles.

/** One tile: rows [row0, row0 + rows) × columns [col0, col0 + cols). */
export interface RemoteTileCoords {
  row0: number
  rows: number
  col0: number
  cols: number
}

/** The architecture as it travels: an FC network, or an ARCH.json with the input shape it was planned for. */
export type RemoteArch =
  | { fc: unknown }
  | { net: unknown; wStd: number; bStd: number | null; input: number[] }

export interface RemoteTileRun {
  /** float32 row-major points */
  x: Float32Array
  xRows: number
  /** null: the kernel of x with itself (upper triangle of tiles only) */
  x2: Float32Array | null
  x2Rows: number
  d: number
  arch: RemoteArch
  kernels: ('ntk' | 'nngp')[]
  tileSize: number
  tiles: RemoteTileCoords[]
  signal?: AbortSignal
  /** each tile of `tiles` once, as computed (the caller checks and mirrors it) */
  onTile(t: RemoteTileCoords, out: { ntk?: Float32Array; nngp?: Float32Array }): void
  log?(line: string): void
}

export interface RemoteTiles {
  /** where the tiles go, for logs (no password) */
  readonly where: string
  /** resolves once every tile was handed to onTile; rejects with CancelledError-like abort on cancel */
  run(r: RemoteTileRun): Promise<void>
}
