import { hostname } from 'node:os'
import { UnrecoverableError, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import { TILE_QUEUE, parseTileJob, type TileJob } from '../../shared/cluster'
import { planKernel } from '../../shared/arch'
import type { BackendChoice } from '../../shared/backend'
import { errorInfo } from '../../shared/errors'
import { connect, redactUrl } from './connection'
import { getInput, keys, publishTile } from './store'
import { encodeTile } from './tile-wire'
import { TileThreads, type RunInputs } from './tile-threads'

// Lock timing (issue 20: a dead worker's job is retried within ~10 s). BullMQ renews the lock every
// lockDuration / 2; a worker that stops renewing loses the job once the lock expires (4 s) and the next
// stalled-job check (every 3 s, run by any live worker) moves it back to wait: ≤ 7 s plus pick-up.
export const LOCK_MS = 4000
export const STALLED_INTERVAL_MS = 3000
/** a tile whose worker died this many times is failed rather than retried for ever */
const MAX_STALLED = 5

export interface WorkerOptions {
  url: URL
  concurrency: number
  backend: BackendChoice
  name: string
  log(line: string): void
}

export interface RunningWorker {
  /** finishes the jobs in hand (or hands them back when forced) and disconnects */
  close(force?: boolean): Promise<void>
  closed: Promise<void>
}

/**
 * The tile threads' architecture: the FC network as sent, or the ARCH.json planned here by the same shared
 * planKernel the coordinator ran (a plan is never taken from the queue; a net it refuses fails the job).
 */
function archOf(job: TileJob): RunInputs['arch'] {
  if (job.spec.arch) return job.spec.arch
  const n = job.spec.net!
  return { plan: planKernel(n.net, { wStd: n.wStd, bStd: n.bStd }, n.input) }
}

/** Caches a run's inputs, fetched once from Redis by content hash. */
class InputCache {
  private readonly runs = new Map<string, Promise<RunInputs>>()
  constructor(private readonly redis: Redis) {}
  get(job: TileJob): Promise<RunInputs> {
    const key = `${job.runId}:${job.x.sha256}:${job.x2?.sha256 ?? ''}`
    let p = this.runs.get(key)
    if (!p) {
      p = (async () => {
        const x = await getInput(this.redis, job.x)
        const x2 = job.x2 ? await getInput(this.redis, job.x2) : null
        return { runId: key, x, x2, d: job.x.cols, arch: archOf(job), kernels: job.spec.kernels }
      })()
      p.catch(() => this.runs.delete(key))
      // keep the two most recent runs: a worker serves one run at a time in practice
      this.runs.set(key, p)
      while (this.runs.size > 2) this.runs.delete(this.runs.keys().next().value!)
    }
    return p
  }
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const redis = connect(opts.url, `ntkw-worker-data:${opts.name}`)
  const threads = new TileThreads(opts.concurrency, opts.backend, (e) => opts.log(`tile thread crashed: ${e.message}`))
  const inputs = new InputCache(redis)

  const processJob = async (job: Job): Promise<{ outcome: string; ms: number }> => {
    const t0 = performance.now()
    let spec: TileJob
    try {
      spec = parseTileJob(job.name, job.data)
    } catch (e) {
      // a payload we cannot run never will be: fail it now, no retries
      throw new UnrecoverableError((e as Error).message)
    }
    if (await redis.exists(keys.cancelled(spec.runId))) {
      opts.log(`job ${job.id} dropped: its run was cancelled`)
      return { outcome: 'cancelled', ms: 0 }
    }
    let run: RunInputs
    try {
      run = await inputs.get(spec)
    } catch (e) {
      throw new UnrecoverableError((e as Error).message)
    }
    const out = await threads.compute(run, spec.tile)
    // only the upper tile travels; the coordinator mirrors it with the same finishTile code
    const payload = encodeTile({ ...spec.tile, ...(out.ntk ? { ntk: out.ntk } : {}), ...(out.nngp ? { nngp: out.nngp } : {}) })
    const outcome = await publishTile(redis, spec.runId, spec.tile, payload)
    const ms = performance.now() - t0
    // logged here, not on 'completed': a worker that woke up after losing its lock fails moveToCompleted
    opts.log(`job ${job.id} tile (${spec.tile.row0}, ${spec.tile.col0}) ${outcome} in ${ms.toFixed(0)} ms${outcome === 'duplicate' ? ' (already published by another worker: discarded)' : ''}`)
    return { outcome, ms }
  }

  const worker = new Worker(TILE_QUEUE, processJob, {
    connection: connect(opts.url, `ntkw-worker:${opts.name}`),
    concurrency: opts.concurrency,
    name: opts.name,
    lockDuration: LOCK_MS,
    stalledInterval: STALLED_INTERVAL_MS,
    maxStalledCount: MAX_STALLED,
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 1000 },
  })
  worker.on('failed', (job, e) => {
    const info = errorInfo(e)
    opts.log(`job ${job?.id ?? '?'} failed: ${info.message}`)
  })
  worker.on('error', (e) => opts.log(`queue error: ${e.message}`))
  await worker.waitUntilReady()
  opts.log(`worker ${opts.name} serving ${TILE_QUEUE} on ${redactUrl(opts.url)} (concurrency ${opts.concurrency}, backend ${opts.backend}, lock ${LOCK_MS / 1000} s)`)

  let resolveClosed!: () => void
  const closed = new Promise<void>((r) => (resolveClosed = r))
  let closing: Promise<void> | null = null
  return {
    closed,
    close(force = false) {
      closing ??= (async () => {
        try {
          await worker.close(force)
        } finally {
          await threads.close()
          redis.disconnect()
          resolveClosed()
        }
      })()
      return closing
    },
  }
}

export function defaultWorkerName(): string {
  return `${hostname()}-${process.pid}`
}
