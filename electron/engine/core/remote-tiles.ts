// Kernel tiles and empirical samples computed somewhere else (issue 20: `ntkw worker` processes through Redis). The engine only
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

/** The points of an empirical sample and what every sample of a run shares. */
export interface SamplePoints {
  /** float32 row-major points */
  x: Float32Array
  xRows: number
  x2: Float32Array | null
  x2Rows: number
  d: number
  /** the rows' shape (an ARCH.json is planned for it) */
  shape: number[]
  outDim: number
  outputs: 'trace' | 'per-output'
}

/** Empirical NTK samples computed elsewhere: one finite network per entry of `samples`, one job each. */
export interface RemoteSampleRun extends SamplePoints {
  /** each entry: a finite network (FC of finite width, or an ARCH.json) and the seed it is drawn from */
  samples: { arch: unknown; seed: number }[]
  signal?: AbortSignal
  /** each sample once, as computed, in arrival order */
  onSample(index: number, kernel: Float32Array): void
  log?(line: string): void
}

export interface RemoteTiles {
  /** where the tiles go, for logs (no password) */
  readonly where: string
  /** resolves once every tile was handed to onTile; rejects with CancelledError-like abort on cancel */
  run(r: RemoteTileRun): Promise<void>
  /** per-(spec, seed) work: resolves once every sample was handed to onSample */
  samples?(r: RemoteSampleRun): Promise<void>
}

/** Remote samples handed out by index, whatever order they arrive in; `stop()` cancels what is left. */
export interface SampleSource {
  get(index: number): Promise<Float32Array>
  /** the run's end (its error, if any) */
  done: Promise<void>
  stop(): void
}

/**
 * Starts a sample run on `remote` and lets a job consume the samples in its own order, so it combines them
 * with the code and in the order of its local loop. Cancels with the job's signal.
 */
export function startRemoteSamples(remote: RemoteTiles, r: Omit<RemoteSampleRun, 'onSample' | 'signal'>, signal: AbortSignal): SampleSource {
  if (!remote.samples) throw new Error(`the remote compute at ${remote.where} cannot run empirical samples`)
  const ac = new AbortController()
  const onAbort = (): void => ac.abort()
  signal.addEventListener('abort', onAbort)
  const slots = r.samples.map(() => {
    const slot = {} as { p: Promise<Float32Array>; resolve(k: Float32Array): void; reject(e: unknown): void }
    slot.p = new Promise<Float32Array>((resolve, reject) => Object.assign(slot, { resolve, reject }))
    slot.p.catch(() => {})
    return slot
  })
  const done = remote.samples({ ...r, signal: ac.signal, onSample: (i, k) => slots[i]?.resolve(k) }).then(
    () => slots.forEach((s) => s.reject(new Error('the remote run ended without this sample'))),
    (e: unknown) => {
      slots.forEach((s) => s.reject(e))
      throw e
    },
  )
  done.catch(() => {}).finally(() => signal.removeEventListener('abort', onAbort))
  return {
    get: (i) => slots[i]?.p ?? Promise.reject(new Error(`no sample ${i} in this run`)),
    done,
    stop: () => ac.abort(),
  }
}
