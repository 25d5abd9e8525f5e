import type { JobSpec, JobSpecInput } from '../../../shared/jobs/spec'
import type { JobEvent } from '../../../shared/jobs/events'
import { errorInfo } from '../../../shared/errors'
import { backendWithoutTfjs } from '../runtime/backend-plan'
import { runsOnWebgpu } from './webgpu-ready'
import { computesWithoutTfjs } from './without-tfjs'
import { parseJobSpec } from './parse-spec'
import { CancelledError } from '../core/cancel'
import { type ArtifactSink } from '../core/artifact-sink'
import { type DataResolver, type ModelSink } from '../core/job'
import type { RemoteTiles } from '../core/remote-tiles'
import { createJobContext } from './job-context'
import { runnerFor } from './registry'

export interface ExecuteOptions {
  runId: string
  signal: AbortSignal
  emit: (e: JobEvent) => void
  artifacts: ArtifactSink
  data: DataResolver
  onDatasetHash?: (hash: string) => void
  models?: ModelSink
  /** kernel tiles computed by `ntkw worker` processes (issue 20) */
  remote?: RemoteTiles
}

export type ExecuteOutcome =
  | { state: 'succeeded'; result: unknown }
  | { state: 'failed'; error: string; hint?: string }
  | { state: 'cancelled' }

/** Runs one job to its end in this process, emitting started … done|failed|cancelled. Never throws. */
export async function executeJob(input: JobSpecInput | JobSpec, opts: ExecuteOptions): Promise<ExecuteOutcome> {
  const t = (): number => Date.now()
  let ctx: ReturnType<typeof createJobContext> | null = null
  let leave: (() => Promise<void>) | null = null
  let ranOnWebgpu = false
  try {
    // only the schemas of the spec's kind are built (parse-spec.ts); not the shared/ barrel's settings, projects, IPC
    const parsed = await parseJobSpec(input)
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(spec)'}: ${i.message}`).join('; ')
      throw Object.assign(new Error(`invalid job spec: ${issues}`), { hint: "See 'ntkw schema KIND' for the fields of each kind." })
    }
    const spec = parsed.data
    // a job on plain arrays and MLAS reports the backend tfjs would take without loading tfjs (≈ 65–80 ms with
    // its wasm backend), when that backend is certain (runtime/backend-plan.ts); every other job initialises it
    const planned = computesWithoutTfjs(spec) ? await backendWithoutTfjs() : null
    let active: string
    if (planned) active = planned.active
    else {
      const { enterCpuCompanion, initBackend } = await import('../runtime/backend')
      const backend = await initBackend()
      active = backend.active
      if (backend.choice === 'webgpu' && !runsOnWebgpu(spec)) {
        const c = await enterCpuCompanion()
        active = c.backend
        leave = c.leave
      }
    }
    ranOnWebgpu = active === 'webgpu'
    opts.emit({ type: 'started', t: t(), backend: active })
    if (leave) opts.emit({ type: 'log', t: t(), level: 'info', message: `this job kind reads results synchronously, which WebGPU cannot do in Node: it runs on ${active} beside webgpu` })
    const runner = await runnerFor(spec.kind)
    ctx = createJobContext({
      runId: opts.runId,
      seed: spec.seed,
      signal: opts.signal,
      emit: opts.emit,
      artifacts: opts.artifacts,
      data: opts.data,
      backend: active,
      onDatasetHash: opts.onDatasetHash,
      models: opts.models,
      remote: opts.remote,
    })
    ctx.throwIfCancelled()
    const result = await runner(spec, ctx)
    ctx.flush()
    if (opts.signal.aborted) throw new CancelledError()
    opts.emit({ type: 'done', t: t(), result: result ?? null })
    return { state: 'succeeded', result: result ?? null }
  } catch (e) {
    ctx?.flush()
    if (e instanceof CancelledError || (opts.signal.aborted && (e as Error)?.name === 'AbortError')) {
      opts.emit({ type: 'cancelled', t: t() })
      return { state: 'cancelled' }
    }
    // a read from a lost WebGPU device rejects with an empty error: say what happened
    const info = errorInfo((ranOnWebgpu && (await import('../runtime/webgpu')).deviceLostError()) || e)
    const hint = info.hint ?? (e as { hint?: string })?.hint
    opts.emit(hint ? { type: 'failed', t: t(), error: info.message, hint } : { type: 'failed', t: t(), error: info.message })
    return hint ? { state: 'failed', error: info.message, hint } : { state: 'failed', error: info.message }
  } finally {
    await leave?.()
  }
}
