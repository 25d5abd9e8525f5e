import os from 'node:os'
import path from 'node:path'
import { EventEmitter } from 'node:events'
import { JobSpec, UPLOAD_CHUNK_BYTES, methods, type AppInfo, type EventName, type EventPayload, type MethodName, type ParsedParamsOf, type ResultOf, type RpcError } from '../../shared/index'
import { UserError, errorInfo } from '../../shared/errors'
import { APP_NAME, APP_VERSION } from '../engine/runtime/version'
import { lttb } from '../../shared/lttb'
import { EngineClient, type EngineLauncher } from './engine-client'
import { JobQueue } from './job-queue'
import { ProjectService } from './project-service'
import { SettingsStore } from './settings-store'
import { ComputeService } from './compute'
import { ExperimentStore } from '../engine/store/experiments'
import { createExampleProject } from '../engine/data/examples'
import { listDatasets, getDatasetPreview, setRecipe, deleteDataset } from '../engine/data/dataset-store'
import { artifactMeta, readArtifactArray, readArtifactJson } from '../engine/store/artifacts'
import { ModelStore } from '../engine/store/models'
import { writeModelFolder, WEIGHTS_FILE, type ModelFiles } from '../engine/models/format'
import { exportOnnx } from '../engine/onnx/export'
import { ONNX_FILE, writeOnnxFolder } from '../engine/onnx/write'
import { UploadStore } from './uploads'

/** an uploaded model's name: its folder's when one was dropped, else its file's without the extension */
function modelNameOf(file: string, uploadDir: string): string {
  const rel = path.relative(uploadDir, file).split(path.sep)
  return rel.length > 1 ? rel[0]! : path.basename(file).replace(/\.[^.]+$/, '')
}

/** arrays larger than this never cross IPC (a 512×512 heatmap is 262 144) */
const MAX_ARRAY_OVER_IPC = 1 << 20
/** models downloaded through the browser (base64 over the WebSocket) */
const MAX_MODEL_DOWNLOAD = 256 << 20

export interface ServicesOptions {
  mode: 'electron' | 'serve'
  configDir: string
  launcher: EngineLauncher
  /** native dialogs (Electron only) */
  dialogs?: { openProject(): Promise<string | null>; saveProject(): Promise<string | null>; openData(): Promise<string | null>; openFolder?(title?: string): Promise<string | null> }
  extraVersions?: Record<string, string>
}

/**
 * One handler per method of the contract, typed from it: the params are what the method's zod schema outputs
 * (validated, defaults applied) and the return type is what its result schema describes. Adding a method to
 * `methods` in shared/ipc.ts makes this type demand its handler; a wrong param or result type fails to compile.
 */
export type Handlers = { [M in MethodName]: (params: ParsedParamsOf<M>) => ResultOf<M> | Promise<ResultOf<M>> }

/**
 * Main's services without Electron: the same object answers the preload bridge (IPC) and the WebSocket of
 * `ntkw serve`. Every call's params are validated against the shared contract before anything runs.
 */
export class Services {
  readonly settings: SettingsStore
  readonly project: ProjectService
  readonly engine: EngineClient
  readonly jobs: JobQueue
  readonly compute: ComputeService
  private readonly pushes = new EventEmitter()
  private readonly handlers: Handlers
  private readonly uploads = new UploadStore()
  /** import run → the upload folder it reads, removed when the run ends */
  private readonly uploadRuns = new Map<string, string>()

  constructor(private readonly opts: ServicesOptions) {
    this.settings = new SettingsStore(opts.configDir)
    this.project = new ProjectService(this.settings, path.join(opts.configDir, 'untitled'))
    this.engine = new EngineClient(opts.launcher, this.settings.settings.backend)
    this.compute = new ComputeService(this.settings)
    this.jobs = new JobQueue(
      this.engine,
      () => {
        const c = this.project.current
        return c ? { runs: c.runs, path: c.handle.path } : null
      },
      () => ({ app: APP_VERSION, ...(opts.extraVersions ?? {}) }),
      (spec) => this.compute.route(spec),
    )
    this.jobs.on('job', (p) => {
      const t = p.event.type
      const dir = this.uploadRuns.get(p.runId)
      if (dir && (t === 'done' || t === 'failed' || t === 'cancelled')) {
        this.uploadRuns.delete(p.runId)
        this.uploads.remove(dir)
      }
      this.push('job', p)
    })
    this.project.onChange = (p) => this.push('project', { project: p })
    this.handlers = this.buildHandlers()
  }

  push<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.pushes.emit('push', event, payload)
  }

  onPush(l: (event: EventName, payload: unknown) => void): () => void {
    this.pushes.on('push', l)
    return () => this.pushes.off('push', l)
  }

  /** Validates and dispatches one call. Errors come back as {message, code, hint}. */
  async call(method: string, params: unknown): Promise<{ result: unknown } | { error: RpcError }> {
    if (!Object.hasOwn(methods, method)) return { error: { message: `unknown method '${method}'`, code: 'bad_method' } }
    const m = method as MethodName
    const parsed = methods[m].params.safeParse(params ?? {})
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(params)'}: ${i.message}`).join('; ')
      return { error: { message: `invalid parameters for ${m}: ${detail}`, code: 'bad_params' } }
    }
    try {
      return { result: (await this.dispatch(m, parsed.data)) ?? null }
    } catch (e) {
      const info = errorInfo(e)
      return { error: info.hint ? { message: info.message, code: info.code, hint: info.hint } : { message: info.message, code: info.code } }
    }
  }

  /** Calls one handler with params already validated by its schema. */
  dispatch<M extends MethodName>(method: M, params: ParsedParamsOf<M>): ResultOf<M> | Promise<ResultOf<M>> {
    const handler: Handlers[M] = this.handlers[method]
    return handler(params)
  }

  private models(): ModelStore {
    return new ModelStore(this.requireProject().handle.db)
  }

  private experiments(): ExperimentStore {
    return new ExperimentStore(this.requireProject().handle.db)
  }

  private requireProject() {
    const c = this.project.current
    if (!c) throw new UserError('no_project', 'no project is open', 'Create or open a project first (File ▸ New or File ▸ Open).')
    return c
  }

  appInfo(): AppInfo {
    return {
      appName: APP_NAME,
      appVersion: APP_VERSION,
      mode: this.opts.mode,
      versions: { ...this.engine.versions, node: process.versions.node, ...(this.opts.extraVersions ?? {}) },
      platform: `${process.platform}-${process.arch}`,
      cores: os.availableParallelism(),
      backend: this.engine.backend,
      nativeDialogs: Boolean(this.opts.dialogs),
    }
  }

  private buildHandlers(): Handlers {
    return {
      'app.info': async () => {
        // Start the engine so the backend is known; a failure leaves backend null and says why in the log.
        await this.engine.start().catch(() => null)
        return this.appInfo()
      },
      'settings.get': () => this.compute.publicSettings(),
      'settings.set': (p) => {
        const s = this.settings.update(p.compute ? { ...p, compute: this.compute.unmask(p.compute) } : p)
        if (p.backend !== undefined && p.backend !== this.engine.backendChoiceValue) {
          this.engine.setBackend(s.backend)
          // The new backend takes effect in a fresh engine, unless a job is using the current one.
          if (!this.jobs.activeRunId()) this.engine.kill()
        }
        return this.compute.publicSettings(s)
      },
      'cluster.test': (p) => this.compute.test(p),
      'cluster.status': async () => {
        const s = await this.compute.status()
        if (!s) return s
        // name the jobs in the workers' hands after the runs of the open project they compute
        const runs = this.project.current?.runs
        for (const w of s.workers) {
          w.jobs = w.jobs.map((j) => {
            const id = this.jobs.runOfRedisRun(j.runId)
            const run = id ? runs?.get(id) : undefined
            return run ? { ...j, appRun: { id: run.id, name: run.name } } : j
          })
        }
        return s
      },
      'project.current': () => this.project.info(),
      'project.new': async (p) => {
        await this.jobs.cancelAll()
        const info = this.project.create(p.path)
        if (p.examples) await createExampleProject(this.requireProject().handle.db)
        return info
      },
      'project.open': async (p) => {
        await this.jobs.cancelAll()
        return this.project.open(p.path)
      },
      'project.saveAs': (p) => this.project.saveAs(p.path),
      'project.close': async () => {
        await this.jobs.cancelAll()
        this.project.close()
        return null
      },
      'project.recent': () => this.settings.recent(),
      'dialog.openProject': () => {
        if (!this.opts.dialogs) throw new UserError('no_dialogs', 'file dialogs are only available in the desktop app', 'Type the path of the project file instead.')
        return this.opts.dialogs.openProject()
      },
      'dialog.saveProject': () => {
        if (!this.opts.dialogs) throw new UserError('no_dialogs', 'file dialogs are only available in the desktop app', 'Type the path of the project file instead.')
        return this.opts.dialogs.saveProject()
      },
      'dialog.openData': () => {
        if (!this.opts.dialogs) throw new UserError('no_dialogs', 'file dialogs are only available in the desktop app', 'Type the path of the data file instead.')
        return this.opts.dialogs.openData()
      },
      'jobs.submit': (p) => {
        const { handle } = this.requireProject()
        // a KIP run saves its distilled set as a dataset of the open project
        const spec = p.spec.kind === 'kip' && !p.spec.project ? { ...p.spec, project: handle.path } : p.spec
        return { runId: this.jobs.submit(spec) }
      },
      'jobs.cancel': (p) => ({ state: this.jobs.cancel(p.runId) }),
      'runs.list': () => this.requireProject().runs.list(),
      'runs.get': (p) => {
        const d = this.requireProject().runs.detail(p.runId)
        if (!d) throw new UserError('not_found', `no run ${p.runId} in this project`)
        return d
      },
      'runs.metric': (p) => {
        const { runs } = this.requireProject()
        const s = runs.metric(p.runId, p.name)
        const [steps, values] = lttb(s.steps, s.values, p.maxPoints)
        return { name: p.name, steps, values, total: s.steps.length }
      },
      'runs.metricsSince': (p) => {
        const { runs } = this.requireProject()
        const summary = runs.get(p.runId)
        if (!summary) throw new UserError('not_found', `no run ${p.runId} in this project`)
        return { ...runs.metricsSince(p.runId, p.since, p.names), summary }
      },
      'artifacts.read': (p) => {
        const { handle } = this.requireProject()
        const m = artifactMeta(handle.db, p.artifactId)
        const count = (m.shape ?? []).reduce((a, b) => a * b, 1)
        if (m.type === 'json') throw new UserError('bad_artifact', `${m.name} is JSON, not an array`, 'Use artifacts.json.')
        if (count > MAX_ARRAY_OVER_IPC) {
          throw new UserError('too_large', `${m.name} has ${count.toLocaleString('en-US')} values: too large to send to the UI`, 'Large kernels are viewed through their block-averaged heatmap and spectrum artifacts.')
        }
        const a = readArtifactArray(handle.db, p.artifactId)
        return { name: m.name, shape: a.shape, data: a.data, meta: m.meta }
      },
      'artifacts.json': (p) => {
        const { handle } = this.requireProject()
        return readArtifactJson(handle.db, p.artifactId)
      },
      'datasets.list': () => listDatasets(this.requireProject().handle.db),
      'datasets.preview': (p) => getDatasetPreview(this.requireProject().handle.db, p.datasetId, p),
      'datasets.import': (p) => ({ runId: this.importDataset(p) }),
      'datasets.setRecipe': (p) => setRecipe(this.requireProject().handle.db, p.datasetId, p.recipe),
      'datasets.delete': (p) => {
        deleteDataset(this.requireProject().handle.db, p.datasetId)
        return null
      },
      'experiments.list': () => this.experiments().list(),
      'experiments.save': (p) => this.experiments().save(p),
      'experiments.duplicate': (p) => this.experiments().duplicate(p.experimentId),
      'experiments.delete': (p) => {
        this.experiments().delete(p.experimentId)
        return null
      },
      'experiments.run': (p) => {
        const store = this.experiments()
        const e = store.get(p.experimentId)
        const runId = this.jobs.submit({ ...e.spec, name: e.spec.name ?? e.name } as JobSpec, p.experimentId)
        return { runId }
      },
      'models.list': () => this.models().list(),
      'models.get': (p) => this.models().get(p.modelId),
      'models.delete': (p) => {
        this.models().delete(p.modelId)
        return null
      },
      'models.rename': (p) => {
        this.models().rename(p.modelId, p.name)
        return this.models().summary(p.modelId)
      },
      'models.import': (p) => ({ runId: this.importModel(p.path, p.name) }),
      'models.export': (p) => {
        const files = this.models().files(p.modelId) as unknown as ModelFiles
        if (p.format === 'onnx') return { path: writeOnnxFolder(p.dir, files, { name: this.models().summary(p.modelId).name }).file }
        return { path: writeModelFolder(p.dir, files) }
      },
      'models.files': (p) => {
        const store = this.models()
        const f = store.files(p.modelId)
        if (p.format === 'onnx') {
          const name = store.summary(p.modelId).name
          const bytes = exportOnnx(f as unknown as ModelFiles, { name }).bytes
          if (bytes.byteLength > MAX_MODEL_DOWNLOAD) throw new UserError('too_large', `the ONNX file is ${bytes.byteLength.toLocaleString('en-US')} bytes: too large to download through the browser`, 'Export it with `ntkw model export ID --project P --format onnx --out DIR`.')
          return { name, modelJson: '', weights: bytes, weightsFile: ONNX_FILE }
        }
        if (f.weights.byteLength > MAX_MODEL_DOWNLOAD) {
          throw new UserError('too_large', `the weights are ${f.weights.byteLength.toLocaleString('en-US')} bytes: too large to download through the browser`, 'Export the model with `ntkw model export ID --project P --out DIR`.')
        }
        const weights = f.modelJson.weightsManifest as { paths: string[]; weights: unknown[] }[]
        const modelJson = { ...f.modelJson, weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: weights.flatMap((g) => g.weights) }] }
        return { name: store.summary(p.modelId).name, modelJson: JSON.stringify(modelJson), weights: new Uint8Array(f.weights), weightsFile: WEIGHTS_FILE }
      },
      'models.evaluate': (p) => {
        this.models().summary(p.modelId)
        const spec = JobSpec.parse({ kind: 'model-evaluate', name: `evaluate ${this.models().summary(p.modelId).name}`, modelId: p.modelId, x: p.x, y: p.y })
        return { runId: this.jobs.submit(spec) }
      },
      'dialog.openFolder': (p) => {
        if (!this.opts.dialogs?.openFolder) throw new UserError('no_dialogs', 'folder dialogs are only available in the desktop app', 'Type the folder path instead.')
        return this.opts.dialogs.openFolder(p.title)
      },
      'uploads.begin': (p) => {
        this.requireProject()
        return { ...this.uploads.begin(p), chunkBytes: UPLOAD_CHUNK_BYTES }
      },
      'uploads.chunk': (p) => this.uploads.chunk(p.uploadId, p.file, p.offset, p.data),
      'uploads.finish': (p) => {
        this.requireProject()
        const u = this.uploads.finish(p.uploadId)
        try {
          // the very job a path import of these files starts; only the folder they sit in differs
          const runId = u.purpose === 'model' ? this.importModel(u.path, p.name ?? modelNameOf(u.path, u.dir)) : this.importDataset({ path: u.path, format: 'auto', options: {}, ...(p.name ? { name: p.name } : {}) })
          this.uploadRuns.set(runId, u.dir)
          return { runId, purpose: u.purpose }
        } catch (e) {
          this.uploads.remove(u.dir)
          throw e
        }
      },
      'uploads.cancel': (p) => {
        this.uploads.cancel(p.uploadId)
        return null
      },
      'runs.delete': (p) => {
        const { runs } = this.requireProject()
        if (this.jobs.activeRunId() === p.runId || this.jobs.queuedRunIds().includes(p.runId)) {
          throw new UserError('busy', 'this run is still queued or running', 'Cancel it first.')
        }
        runs.delete(p.runId)
        return null
      },
    }
  }

  private importDataset(p: ParsedParamsOf<'datasets.import'>): string {
    const { handle } = this.requireProject()
    const spec = JobSpec.parse({
      kind: 'dataset-import',
      name: `import ${path.basename(p.path)}`,
      path: p.path,
      format: p.format,
      options: { ...p.options, ...(p.name ? { name: p.name } : {}) },
      ...(p.recipe ? { recipe: p.recipe } : {}),
      project: handle.path,
    })
    return this.jobs.submit(spec)
  }

  private importModel(file: string, name?: string): string {
    this.requireProject()
    const spec = JobSpec.parse({ kind: 'model-import', name: `import ${name ?? path.basename(file)}`, path: file, ...(name ? { modelName: name } : {}) })
    return this.jobs.submit(spec)
  }

  async dispose(): Promise<void> {
    this.uploads.dispose()
    await this.jobs.cancelAll().catch(() => undefined)
    this.engine.kill()
    this.project.close()
  }
}
