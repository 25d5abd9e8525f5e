import { hostname } from 'node:os'
import { UnrecoverableError, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import { TILE_QUEUE, WORKER_BEAT_MS, WORKER_BEAT_TTL_S, parseQueueJob, sampleKey, tileKey, unitKey, workerBeatKey, type QueueJob, type SampleJob, type TileJob, type UnitJob, type WorkerBeat, type WorkerJob } from '../../shared/cluster'
import { planKernel } from '../../shared/arch'
import type { BackendChoice } from '../../shared/backend'
import { errorInfo } from '../../shared/errors'
import { connect, redactUrl } from './connection'
import { RUN_TTL_S, getBlob, getInput, keys, publishResult } from './store'
import { encodeTile } from './tile-wire'
import { encodeArray } from './array-wire'
import { encodeJson } from './json-wire'
import { TileThreads, type RunInputs } from './tile-threads'
import { BundleThreads, type SampleThreads, type UnitThreads } from './bundle-threads'

// Lock timing (issue 20: a dead worker's job is retried within ~10 s). BullMQ renews the lock every
// lockDuration / 2; a worker that stops renewing loses the job once the lock expires (4 s) and the next
// stalled-job check (every 3 s, run by any live worker) moves it back to wait: ≤ 7 s plus pick-up.
export const LOCK_MS = 4000
export const STALLED_INTERVAL_MS = 3000
/** how often a worker checks whether the run of a study student in hand was cancelled */
const CANCEL_POLL_MS = 1000

/** a unit stopped because its run was cancelled: the job ends without a result */
class RunCancelled extends Error {}

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

/** A unit's arrays and blobs, fetched from Redis by content hash and checked against it. */
async function unitInputs(redis: Redis, job: UnitJob): Promise<{ arrays: Record<string, Float32Array>; blobs: Record<string, Uint8Array> }> {
  const arrays: Record<string, Float32Array> = {}
  for (const [name, ref] of Object.entries(job.inputs)) if (ref) arrays[name] = await getInput(redis, ref)
  const blobs: Record<string, Uint8Array> = {}
  for (const [name, ref] of Object.entries(job.blobs)) blobs[name] = await getBlob(redis, ref)
  return { arrays, blobs }
}

/** what a job computes, for logs and the heartbeat ('tile 0,256', 'distill-student 3 (kd seed 1)') */
function describe(spec: QueueJob): string {
  if (spec.kind === 'kernel-tile') return `tile ${spec.tile.row0},${spec.tile.col0}`
  if (spec.kind === 'empirical-sample') return `sample ${spec.index}`
  const s = spec.spec
  return `${spec.kind} ${spec.index} (${'loss' in s ? `${s.loss} seed ${s.seed}` : `${s.method} ${s.bits} bits ${s.granularity} ${s.calibration}`})`
}

/** Caches a run's points, fetched once from Redis by content hash and checked against it. */
class InputCache {
  private readonly runs = new Map<string, Promise<{ key: string; x: Float32Array; x2: Float32Array | null }>>()
  constructor(private readonly redis: Redis) {}
  points(job: TileJob | SampleJob): Promise<{ key: string; x: Float32Array; x2: Float32Array | null }> {
    const key = `${job.runId}:${job.x.sha256}:${job.x2?.sha256 ?? ''}`
    let p = this.runs.get(key)
    if (!p) {
      p = (async () => ({ key, x: await getInput(this.redis, job.x), x2: job.x2 ? await getInput(this.redis, job.x2) : null }))()
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

  const samples: SampleThreads = new BundleThreads('sample-worker', opts.concurrency, opts.backend)
  const unitThreads: UnitThreads = new BundleThreads('unit-worker', opts.concurrency, opts.backend)
  // the heartbeat `ntkw workers` and the app's workers panel read: who this is and what it holds now
  const inHand = new Map<string, WorkerJob>()
  const startedAt = Date.now()
  const beat = (): void => {
    const b: WorkerBeat = { v: 1, name: opts.name, host: hostname(), pid: process.pid, concurrency: opts.concurrency, backend: opts.backend, startedAt, jobs: [...inHand.values()] }
    redis.set(workerBeatKey(opts.name), JSON.stringify(b), 'EX', WORKER_BEAT_TTL_S).catch(() => {})
  }
  const beating = setInterval(beat, WORKER_BEAT_MS)
  beating.unref()

  /** computes a job's result: a tile (upper tile only; the coordinator mirrors it) or a sample's kernel */
  const compute = async (spec: QueueJob): Promise<{ id: string; what: string; payload: Buffer; computeMs: number }> => {
    if (spec.kind === 'distill-student' || spec.kind === 'quantize-cell') {
      let data: Awaited<ReturnType<typeof unitInputs>>
      try {
        data = await unitInputs(redis, spec)
      } catch (e) {
        throw new UnrecoverableError((e as Error).message)
      }
      // a study's student can run for minutes: stop it when its run is cancelled instead of finishing it
      const ac = new AbortController()
      const watch = setInterval(() => {
        redis.exists(keys.cancelled(spec.runId)).then((n) => n && ac.abort(), () => {})
      }, CANCEL_POLL_MS)
      let out: Awaited<ReturnType<UnitThreads['compute']>>
      try {
        out = await unitThreads.compute({ type: 'unit', job: spec, ...data }, ac.signal)
      } catch (e) {
        if (ac.signal.aborted) throw new RunCancelled()
        throw e
      } finally {
        clearInterval(watch)
      }
      return { id: unitKey(spec.index), what: describe(spec), payload: encodeJson(out.outcome), computeMs: out.computeMs }
    }
    let pts: { key: string; x: Float32Array; x2: Float32Array | null }
    let arch: RunInputs['arch'] | null
    try {
      pts = await inputs.points(spec)
      arch = spec.kind === 'kernel-tile' ? archOf(spec) : null
    } catch (e) {
      // inputs missing or failing their checksum, a net the planner refuses: no retry would do better
      throw new UnrecoverableError((e as Error).message)
    }
    if (spec.kind === 'kernel-tile') {
      const run: RunInputs = { runId: pts.key, x: pts.x, x2: pts.x2, d: spec.x.cols, arch: arch!, kernels: spec.spec.kernels }
      const out = await threads.compute(run, spec.tile)
      const payload = encodeTile({ ...spec.tile, ...(out.ntk ? { ntk: out.ntk } : {}), ...(out.nngp ? { nngp: out.nngp } : {}) })
      return { id: tileKey(spec.tile), what: `tile (${spec.tile.row0}, ${spec.tile.col0})`, payload, computeMs: out.computeMs ?? 0 }
    }
    const out = await samples.compute({ type: 'sample', x: pts.x, xRows: spec.x.rows, x2: pts.x2, x2Rows: (spec.x2 ?? spec.x).rows, d: spec.x.cols, shape: spec.shape, arch: spec.arch, seed: spec.seed, outDim: spec.outDim, outputs: spec.outputs })
    return { id: sampleKey(spec.index), what: `sample ${spec.index} (seed ${spec.seed})`, payload: encodeArray(out.kernel, out.shape), computeMs: out.computeMs }
  }

  const processJob = async (job: Job): Promise<{ outcome: string; ms: number }> => {
    const t0 = performance.now()
    let spec: QueueJob
    try {
      spec = parseQueueJob(job.name, job.data)
    } catch (e) {
      // a payload we cannot run never will be: fail it now, no retries
      throw new UnrecoverableError((e as Error).message)
    }
    if (await redis.exists(keys.cancelled(spec.runId))) {
      opts.log(`job ${job.id} dropped: its run was cancelled`)
      return { outcome: 'cancelled', ms: 0 }
    }
    const id = String(job.id)
    // in hand until its result is published, not only while it computes: for small tiles publication is
    // most of a job's time, and a worker shown idle while the queue counts its job active reads as a fault
    inHand.set(id, { id, runId: spec.runId, what: describe(spec).slice(0, 40), since: Date.now() })
    beat()
    try {
      let r: Awaited<ReturnType<typeof compute>>
      try {
        r = await compute(spec)
      } catch (e) {
        if (!(e instanceof RunCancelled)) throw e
        opts.log(`job ${job.id} ${describe(spec)} stopped: its run was cancelled`)
        return { outcome: 'cancelled', ms: performance.now() - t0 }
      }
      const outcome = await publishResult(redis, spec.runId, r.id, r.payload)
      // who published the run's results: the run's record names its workers
      if (outcome === 'published') await redis.multi().sadd(keys.workers(spec.runId), opts.name).expire(keys.workers(spec.runId), RUN_TTL_S).exec()
      const ms = performance.now() - t0
      // logged here, not on 'completed': a worker that woke up after losing its lock fails moveToCompleted
      // the compute time is the thread's own: the rest is fetch, encoding, checksum and publication
      opts.log(`job ${job.id} ${r.what} ${outcome} in ${ms.toFixed(0)} ms (compute ${r.computeMs.toFixed(0)} ms)${outcome === 'duplicate' ? ' (already published by another worker: discarded)' : ''}`)
      return { outcome, ms }
    } finally {
      // going idle is told by the next periodic beat, not at once: between two jobs of a run the worker is
      // idle for a moment only, and an immediate beat would show a busy worker as idle to whoever reads then
      inHand.delete(id)
    }
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
  beat()
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
          clearInterval(beating)
          await redis.del(workerBeatKey(opts.name)).catch(() => {})
          await Promise.all([threads.close(), samples.close(), unitThreads.close()])
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
