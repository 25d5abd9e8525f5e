import type { UnitJobKind, UnitOutcomes } from '../../../shared/cluster'
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

/** A float32 matrix a unit run sends once, by content hash. */
export interface UnitArray {
  data: Float32Array
  rows: number
  cols: number
}

/**
 * One job per unit of a study or sweep (a distillation study's (loss, seed), a quantization sweep's cell):
 * the arrays and blobs every unit shares travel once; each unit's own fields (its spec) are checked against
 * the cluster contract (shared/cluster.ts) before anything is queued.
 */
export interface RemoteUnitRun<K extends UnitJobKind = UnitJobKind> {
  kind: K
  arrays: Record<string, UnitArray>
  blobs: Record<string, Uint8Array>
  /** each unit's fields besides kind, run, index, inputs and blobs (e.g. { k, rowShape, spec }) */
  units: Record<string, unknown>[]
  signal?: AbortSignal
  /** each unit's checked outcome once, in arrival order */
  onUnit(index: number, outcome: UnitOutcomes[K]): void
  log?(line: string): void
}

export interface RemoteTiles {
  /** where the tiles go, for logs (no password) */
  readonly where: string
  /** resolves once every tile was handed to onTile; rejects with CancelledError-like abort on cancel */
  run(r: RemoteTileRun): Promise<void>
  /** per-(spec, seed) work: resolves once every sample was handed to onSample */
  samples?(r: RemoteSampleRun): Promise<void>
  /** study or sweep units: resolves once every unit's outcome was handed to onUnit */
  units?<K extends UnitJobKind>(r: RemoteUnitRun<K>): Promise<void>
}

/** Remote results handed out by index, whatever order they arrive in; `stop()` cancels what is left. */
export interface IndexedSource<T> {
  get(index: number): Promise<T>
  /** the run's end (its error, if any) */
  done: Promise<void>
  stop(): void
}
export type SampleSource = IndexedSource<Float32Array>

/**
 * Starts a remote run of `count` results and lets a job consume them in its own order, so it combines them
 * with the code and in the order of its local loop. Cancels with the job's signal.
 */
function startIndexed<T>(count: number, start: (onItem: (i: number, v: T) => void, signal: AbortSignal) => Promise<void>, signal: AbortSignal): IndexedSource<T> {
  const ac = new AbortController()
  const onAbort = (): void => ac.abort()
  signal.addEventListener('abort', onAbort)
  const slots = Array.from({ length: count }, () => {
    const slot = {} as { p: Promise<T>; resolve(v: T): void; reject(e: unknown): void }
    slot.p = new Promise<T>((resolve, reject) => Object.assign(slot, { resolve, reject }))
    slot.p.catch(() => {})
    return slot
  })
  const done = start((i, v) => slots[i]?.resolve(v), ac.signal).then(
    () => slots.forEach((s) => s.reject(new Error('the remote run ended without this result'))),
    (e: unknown) => {
      slots.forEach((s) => s.reject(e))
      throw e
    },
  )
  done.catch(() => {}).finally(() => signal.removeEventListener('abort', onAbort))
  return {
    get: (i) => slots[i]?.p ?? Promise.reject(new Error(`no result ${i} in this run`)),
    done,
    stop: () => ac.abort(),
  }
}

/** Starts a sample run on `remote` (see startIndexed). */
export function startRemoteSamples(remote: RemoteTiles, r: Omit<RemoteSampleRun, 'onSample' | 'signal'>, signal: AbortSignal): SampleSource {
  const samples = remote.samples?.bind(remote)
  if (!samples) throw new Error(`the remote compute at ${remote.where} cannot run empirical samples`)
  return startIndexed<Float32Array>(r.samples.length, (onSample, s) => samples({ ...r, signal: s, onSample }), signal)
}

/** Starts a study's or sweep's units on `remote` (see startIndexed). */
export function startRemoteUnits<K extends UnitJobKind>(remote: RemoteTiles, r: Omit<RemoteUnitRun<K>, 'onUnit' | 'signal'>, signal: AbortSignal): IndexedSource<UnitOutcomes[K]> {
  const units = remote.units?.bind(remote)
  if (!units) throw new Error(`the remote compute at ${remote.where} cannot run ${r.kind} jobs`)
  return startIndexed<UnitOutcomes[K]>(r.units.length, (onUnit, s) => units<K>({ ...r, signal: s, onUnit }), signal)
}
