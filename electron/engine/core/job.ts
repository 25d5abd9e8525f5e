import type { DataRef, JobEvent, JobKind, JobResultOf, JobSpecOf, ModelEvaluation, ModelLayerRow, ModelMeta, WeightHistogram } from '../../../shared/index'
import type { ArtifactSink } from './artifact-sink'
import type { Matrix } from './matrix'
import type { RemoteTiles } from './remote-tiles'

/** Loads a DataRef (NPY file or project dataset) as a matrix. */
export interface DataResolver {
  /** the data and its content hash, from one read */
  loadWithHash(ref: DataRef): Promise<{ matrix: Matrix; hash: string }>
  load(ref: DataRef): Promise<Matrix>
  /**
   * content hash of the data a ref points to (recorded with the run): from the load of the same ref, or for a
   * project dataset from the hash taken at import; never a second read of the data
   */
  hash(ref: DataRef): Promise<string>
}

/** A model as the workbench stores it: TF.js model.json + weights, with what the Models page shows. */
export interface StoredModel {
  modelJson: Record<string, unknown>
  weights: Uint8Array
  meta: ModelMeta
  layers: ModelLayerRow[]
  histograms: WeightHistogram[]
  evaluation?: ModelEvaluation | null
}

/** Where jobs keep models: the project's models table (app, `--project`) or a folder (`--out`). */
export interface ModelSink {
  /** stores a model; returns its id (and, in a folder, the model.json path) */
  save(model: StoredModel): { id: string; path?: string }
  /** model.json and weights of a stored model */
  load(id: string): { modelJson: Record<string, unknown>; weights: Uint8Array }
  setEvaluation(id: string, evaluation: ModelEvaluation): void
}

/** What every job runner receives, whatever process or transport carries its events. */
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
  /** where trained/imported models go; absent when the caller keeps none */
  readonly models?: ModelSink
  /** kernel tiles, sampled networks, study students or sweep cells go to `ntkw worker` processes through this (Settings ▸ Compute, `--redis URL`) */
  readonly remote?: RemoteTiles
}

/**
 * `ctx.yield()` at most once per `ms` of compute: a yield per batch would cost a macrotask each, and ~50 ms
 * keeps cancel prompt. Call the returned function between steps.
 */
export function yieldEvery(ctx: Pick<JobContext, 'yield'>, ms = 50): () => Promise<void> {
  let last = performance.now()
  return async () => {
    if (performance.now() - last <= ms) return
    await ctx.yield()
    last = performance.now()
  }
}

/** a job kind's runner: its spec in, its result as the contract (shared/jobs/results) defines it out */
export type JobRunner<K extends JobKind> = (spec: JobSpecOf<K>, ctx: JobContext) => Promise<JobResultOf<K>>

export type EmitFn = (event: JobEvent) => void
