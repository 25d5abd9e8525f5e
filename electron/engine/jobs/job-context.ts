import type { JobEvent } from '../../../shared/index'
import { CancelledError } from '../core/cancel'
import { type ArtifactSink } from '../core/artifact-sink'
import { type DataResolver, type EmitFn, type JobContext, type ModelSink } from '../core/job'
import type { RemoteTiles } from '../core/remote-tiles'

const PROGRESS_INTERVAL_MS = 50 // ≤ 20 progress events per second per job

/** The JobContext every runner receives, whatever process or transport carries its events. */
export function createJobContext(opts: {
  runId: string
  seed: number
  signal: AbortSignal
  emit: EmitFn
  artifacts: ArtifactSink
  data: DataResolver
  backend: string
  onDatasetHash?: (hash: string) => void
  models?: ModelSink
  remote?: RemoteTiles
}): JobContext & { flush(): void } {
  const started = Date.now()
  let lastSent = 0
  let pending: JobEvent | null = null
  let lastFraction = 0
  let timer: NodeJS.Timeout | null = null

  const send = (e: JobEvent): void => {
    opts.emit(e)
  }
  const flush = (): void => {
    if (timer) clearTimeout(timer)
    timer = null
    if (pending) {
      send(pending)
      pending = null
      lastSent = Date.now()
    }
  }
  const now = (): number => Date.now()

  const ctx: JobContext & { flush(): void } = {
    runId: opts.runId,
    seed: opts.seed,
    signal: opts.signal,
    backend: opts.backend,
    artifacts: opts.artifacts,
    ...(opts.models ? { models: opts.models } : {}),
    ...(opts.remote ? { remote: opts.remote } : {}),
    data: opts.data,
    throwIfCancelled() {
      if (opts.signal.aborted) throw new CancelledError()
    },
    progress(fraction, message = '') {
      const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0))
      lastFraction = Math.max(lastFraction, f)
      const elapsed = (now() - started) / 1000
      // ETA from the average rate so far; too early to say before 2 % or 0.5 s.
      const eta = lastFraction >= 0.02 && elapsed > 0.5 ? (elapsed * (1 - lastFraction)) / lastFraction : null
      pending = { type: 'progress', t: now(), fraction: lastFraction, message, eta }
      const since = now() - lastSent
      if (since >= PROGRESS_INTERVAL_MS) flush()
      else if (!timer) timer = setTimeout(flush, PROGRESS_INTERVAL_MS - since)
    },
    metric(name, step, value) {
      send({ type: 'metric', t: now(), name, step, value })
    },
    log(level, message) {
      send({ type: 'log', t: now(), level, message })
    },
    yield() {
      return new Promise((resolve) => setImmediate(resolve))
    },
    recordDatasetHash(hash) {
      opts.onDatasetHash?.(hash)
    },
    flush,
  }
  return ctx
}
