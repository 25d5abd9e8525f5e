import { z } from 'zod'
import { JobSpec } from './jobs/spec'
import { JobEvent, JobState } from './jobs/events'
import { BackendInfo } from './backend'
import { Experiment, ProjectInfo, RecentEntry, RunDetail, RunSummary, MetricSeries } from './project'
import { DatasetPreview, DatasetSummary, DataFormat, ImportOptions, Recipe } from './dataset'
import { Settings } from './settings'
import { ClusterStatus } from './cluster'
import { ModelDetail, ModelSummary } from './models'
import { DataRef } from './jobs/data-ref'
import { UploadBegin, UploadChunk, UploadFinish } from './uploads'

// One request/response contract for every transport: Electron IPC (preload bridge) and the WebSocket
// of `ntkw serve`. The server validates every `params` with these schemas before acting on it.

const Empty = z.object({}).strict().default({})
const RunId = z.object({ runId: z.string().min(1).max(64) }).strict()
const FilePath = z.string().min(1).max(4096)
/** TF.js Layers files, or one ONNX file (docs/onnx.md) */
export const ModelExportFormat = z.enum(['tfjs', 'onnx'])
export type ModelExportFormat = z.infer<typeof ModelExportFormat>

const Id = z.string().min(1).max(64)

export const AppInfo = z.object({
  appName: z.string(),
  appVersion: z.string(),
  mode: z.enum(['electron', 'serve']),
  versions: z.record(z.string(), z.string()),
  platform: z.string(),
  cores: z.number().int(),
  backend: BackendInfo.nullable(),
  /** native file dialogs exist only in the desktop app; in a browser the user types paths */
  nativeDialogs: z.boolean(),
})
export type AppInfo = z.infer<typeof AppInfo>

/** numbers as a typed array: never a JSON number array across a transport */
export const FloatArray = z.custom<Float32Array | Float64Array>((v) => v instanceof Float32Array || v instanceof Float64Array, 'expected a Float32Array or Float64Array')
export const ArrayArtifact = z.object({ name: z.string(), shape: z.array(z.number().int()), data: FloatArray, meta: z.record(z.string(), z.unknown()) })
export type ArrayArtifact = z.infer<typeof ArrayArtifact>

export const MetricIncrement = z.object({
  /** pass as `since` next time */
  cursor: z.number().int().min(0),
  /** false when the answer was capped: ask again at once with the new cursor */
  complete: z.boolean(),
  series: z.array(z.object({ name: z.string(), steps: z.array(z.number()), values: z.array(z.number()) })),
  summary: RunSummary,
})
export type MetricIncrement = z.infer<typeof MetricIncrement>

function method<P extends z.ZodType, R extends z.ZodType>(params: P, result: R) {
  return { params, result }
}

export const methods = {
  'app.info': method(Empty, AppInfo),
  'settings.get': method(Empty, Settings),
  'settings.set': method(Settings.partial().strict(), Settings),
  /** one connection attempt to a Redis (the given URL, a masked password meaning the saved one; else the saved URL) */
  'cluster.test': method(
    z.object({ url: z.string().trim().min(1).max(2048).optional(), insecure: z.boolean().optional() }).strict().default({}),
    z.object({ where: z.string(), serverVersion: z.string(), latencyMs: z.number(), workers: z.number().int() }),
  ),
  /** the workers and queue counts of the Redis in Settings ▸ Compute (null: compute is this machine) */
  'cluster.status': method(Empty, ClusterStatus.nullable()),
  'project.current': method(Empty, ProjectInfo.nullable()),
  /** examples: fill the new project with the bundled example datasets (MNIST, Iris, moons, spirals) */
  'project.new': method(z.object({ path: FilePath.optional(), examples: z.boolean().optional() }).strict().default({}), ProjectInfo),
  'project.open': method(z.object({ path: FilePath }).strict(), ProjectInfo),
  'project.saveAs': method(z.object({ path: FilePath }).strict(), ProjectInfo),
  'project.close': method(Empty, z.null()),
  'project.recent': method(Empty, z.array(RecentEntry)),
  'dialog.openProject': method(Empty, FilePath.nullable()),
  'dialog.saveProject': method(Empty, FilePath.nullable()),
  /** a data file or an image folder to import */
  'dialog.openData': method(Empty, FilePath.nullable()),
  'jobs.submit': method(z.object({ spec: JobSpec }).strict(), z.object({ runId: z.string() })),
  'jobs.cancel': method(RunId, z.object({ state: JobState })),
  'runs.list': method(Empty, z.array(RunSummary)),
  'runs.get': method(RunId, RunDetail),
  'runs.metric': method(
    z.object({ runId: z.string().min(1).max(64), name: z.string().min(1).max(200), maxPoints: z.number().int().min(2).max(100_000).default(2000) }).strict(),
    MetricSeries,
  ),
  /**
   * what a live view needs on each tick: metric points stored after `since` (a cursor from the previous
   * answer; 0 = from the start), for the named series or all, plus the run's summary. No down-sampling.
   */
  'runs.metricsSince': method(
    z.object({ runId: z.string().min(1).max(64), since: z.number().int().min(0).default(0), names: z.array(z.string().min(1).max(200)).max(200).optional() }).strict(),
    MetricIncrement,
  ),
  'runs.delete': method(RunId, z.null()),
  /**
   * a small stored array (heatmaps, spectra, predictions); large kernels stay in the project as tiles. `data`
   * is a typed array: structured clone over Electron IPC, a binary frame over the WebSocket (shared/wire.ts)
   */
  'artifacts.read': method(z.object({ artifactId: z.string().min(1).max(64) }).strict(), ArrayArtifact),
  'artifacts.json': method(z.object({ artifactId: z.string().min(1).max(64) }).strict(), z.unknown()),
  'datasets.list': method(Empty, z.array(DatasetSummary)),
  'datasets.preview': method(
    z.object({ datasetId: Id, offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(500).default(50) }).strict(),
    DatasetPreview,
  ),
  /** imports a file (path from a drop or a typed path) as a job; the dataset appears when it succeeds */
  'datasets.import': method(
    z.object({ path: FilePath, format: z.union([z.literal('auto'), DataFormat]).default('auto'), options: ImportOptions.partial().default({}), recipe: Recipe.optional(), name: z.string().max(200).optional() }).strict(),
    z.object({ runId: z.string() }),
  ),
  'datasets.setRecipe': method(z.object({ datasetId: Id, recipe: Recipe }).strict(), DatasetSummary),
  'datasets.delete': method(z.object({ datasetId: Id }).strict(), z.null()),
  'experiments.list': method(Empty, z.array(Experiment)),
  'experiments.save': method(z.object({ id: Id.optional(), name: z.string().min(1).max(200), spec: JobSpec }).strict(), Experiment),
  'experiments.duplicate': method(z.object({ experimentId: Id }).strict(), Experiment),
  'experiments.delete': method(z.object({ experimentId: Id }).strict(), z.null()),
  /** starts a run of the saved spec */
  'experiments.run': method(z.object({ experimentId: Id }).strict(), z.object({ runId: z.string() })),
  'models.list': method(Empty, z.array(ModelSummary)),
  'models.get': method(z.object({ modelId: Id }).strict(), ModelDetail),
  'models.delete': method(z.object({ modelId: Id }).strict(), z.null()),
  'models.rename': method(z.object({ modelId: Id, name: z.string().min(1).max(200) }).strict(), ModelSummary),
  /** imports a TF.js Layers folder, a model.json or a .onnx file as a job; the model appears when it succeeds */
  'models.import': method(z.object({ path: FilePath, name: z.string().min(1).max(200).optional() }).strict(), z.object({ runId: z.string() })),
  /** writes DIR/model.json + DIR/weights.bin, or DIR/model.onnx with format onnx (desktop: a folder from dialog.openFolder) */
  'models.export': method(z.object({ modelId: Id, dir: FilePath, format: ModelExportFormat.optional() }).strict(), z.object({ path: z.string() })),
  /**
   * the files for a browser download, bytes in a binary frame (never JSON): the TF.js model.json text and its
   * weights, or with format onnx the model.onnx bytes in `weights` (weightsFile 'model.onnx', modelJson empty)
   */
  'models.files': method(z.object({ modelId: Id, format: ModelExportFormat.optional() }).strict(), z.object({ name: z.string(), modelJson: z.string(), weights: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected a Uint8Array'), weightsFile: z.string() })),
  /** evaluates a model on labelled data as a job; the evaluation is stored with the model */
  'models.evaluate': method(z.object({ modelId: Id, x: DataRef, y: DataRef }).strict(), z.object({ runId: z.string() })),
  /** a folder (model export target, or a TF.js model folder to import); desktop app only */
  'dialog.openFolder': method(z.object({ title: z.string().max(200).optional() }).strict().default({}), FilePath.nullable()),
  /** files dropped in a browser: their bytes reach the server in chunks (shared/uploads.ts) */
  'uploads.begin': method(UploadBegin, z.object({ uploadId: z.string(), chunkBytes: z.number().int() })),
  'uploads.chunk': method(UploadChunk, z.object({ received: z.number().int() })),
  /** imports what was uploaded as a job, exactly as datasets.import / models.import of its path would */
  'uploads.finish': method(UploadFinish, z.object({ runId: z.string(), purpose: z.enum(['dataset', 'model']) })),
  'uploads.cancel': method(z.object({ uploadId: z.string().min(1).max(64) }).strict(), z.null()),
} as const

export type Methods = typeof methods
export type MethodName = keyof Methods
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>
export type ResultOf<M extends MethodName> = z.output<Methods[M]['result']>
/** params as a handler receives them: validated, defaults applied */
export type ParsedParamsOf<M extends MethodName> = z.output<Methods[M]['params']>
export const METHOD_NAMES = Object.keys(methods) as MethodName[]

export const MenuAction = z.enum(['new', 'open', 'saveAs', 'close', 'openRecent', 'importData', 'about', 'theme'])
export type MenuAction = z.infer<typeof MenuAction>

// Server → client pushes.
export const events = {
  job: z.object({ runId: z.string(), event: JobEvent, summary: RunSummary }),
  project: z.object({ project: ProjectInfo.nullable() }),
  menu: z.object({ action: MenuAction, path: z.string().optional(), theme: z.string().optional() }),
  backend: z.object({ backend: BackendInfo }),
} as const
export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<E extends EventName> = z.infer<Events[E]>

// Wire format shared by both transports.
export const RpcRequest = z.object({ id: z.number().int(), method: z.string().max(64), params: z.unknown() })
export type RpcRequest = z.infer<typeof RpcRequest>
export type RpcResponse = { id: number; result: unknown } | { id: number; error: RpcError }
export type RpcError = { message: string; code: string; hint?: string }
export type RpcPush = { event: EventName; payload: unknown }

/** the object the preload exposes as `window.ntkw` and the WebSocket bridge imitates */
export interface WorkbenchApi {
  invoke<M extends MethodName>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>>
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
  /** absolute path of a dropped File (desktop app only) */
  pathForFile?(file: File): string
  readonly transport: 'ipc' | 'websocket'
}
