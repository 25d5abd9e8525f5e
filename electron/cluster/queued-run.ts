import { randomBytes } from 'node:crypto'
import { Queue, QueueEvents } from 'bullmq'
import type { Redis } from 'ioredis'
import { RunMeta, TILE_QUEUE, type QueueJob } from '../../shared/cluster'
import { UserError } from '../../shared/errors'
import { connect, redactUrl } from './connection'
import { DONE_TTL_S, keys } from './store'

/** One queue job of a run: its result id (published-set member), BullMQ job id, and its validated data. */
export interface QueueItem {
  id: string
  jobId: string
  data: QueueJob
}

export interface RunSummary {
  runId: string
  tiles: number
  /** results found already published when the run started (--resume) */
  reused: number
  duplicates: number
  /** results workers offered for this run (published + discarded); tiles − reused + duplicates when nothing was lost */
  computed: number
  seconds: number
  /** the workers that published this run's results, by name */
  workers: string[]
  /** jobs whose worker stopped renewing its lock: seconds from the stall's detection to publication */
  stalled: { tile: string; publishedAfterStallS: number | null }[]
}

export interface QueuedRunOptions {
  url: URL
  resume?: string
  /** the caller can continue this run with --resume (the run id line says how) */
  resumable?: boolean
  signal?: AbortSignal
  log(line: string): void
  progress?(fraction: number, message: string, eta: number | null): void
  /**
   * stores the run's inputs in Redis and plans it: what it computes (a --resume must match it), its jobs,
   * and how the run line names them ('300 tiles of 64', '12 samples')
   */
  plan(redis: Redis, runId: string): Promise<{ def: Record<string, unknown>; items: QueueItem[]; what: string }>
  /** each item's published result once, in publication order; throws on a corrupt result */
  onResult(item: QueueItem, payload: Buffer): void
}

const POLL_MS = 100
/** with no new result for this long, check the run's jobs: failed ones end the run, lost ones are queued again */
const AUDIT_MS = 5000

export class CancelledRun extends Error {
  constructor() {
    super('cancelled')
  }
}

function newRunId(): string {
  return `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`
}

const jobOpts = (item: QueueItem) => ({ jobId: item.jobId, attempts: 3, backoff: { type: 'fixed' as const, delay: 500 }, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } })

/**
 * The coordinator's loop (issue 20), shared by kernel tiles and per-(spec, seed) samples: queue one job per
 * item not yet published, take published results as they arrive (each once: the worker's atomic publish
 * keeps the first and counts later ones as duplicates), audit failed or lost jobs, and on cancel remove the
 * run's jobs.
 */
export async function runQueued(o: QueuedRunOptions): Promise<RunSummary> {
  const started = performance.now()
  const redis = connect(o.url, 'ntkw-coordinator')
  const queue = new Queue(TILE_QUEUE, { connection: connect(o.url, 'ntkw-coordinator-queue') })
  queue.on('error', () => {})
  const events = new QueueEvents(TILE_QUEUE, { connection: connect(o.url, 'ntkw-coordinator-events') })
  events.on('error', () => {})
  const runId = o.resume ?? newRunId()
  let items: QueueItem[] = []
  let begun = false
  try {
    await redis.ping()
    const planned = await o.plan(redis, runId)
    items = planned.items
    if (o.resume) {
      const raw = await redis.get(keys.meta(o.resume))
      if (!raw) throw new UserError('unknown_run', `--resume ${o.resume}: no such run in ${redactUrl(o.url)} (finished over a day ago, never started, or another Redis)`, 'Start the run again without --resume.')
      const meta = RunMeta.safeParse(JSON.parse(raw))
      const same = meta.success && JSON.stringify(meta.data.def) === JSON.stringify(planned.def)
      if (!same) throw new UserError('resume_mismatch', `--resume ${o.resume}: that run computed another kernel (inputs, architecture, kernel or tile size differ)`, 'Give the same --x/--x2, architecture flags, --kind and --tile-size as the run you resume.')
    } else {
      const meta: RunMeta = { v: 2, runId, def: planned.def, tiles: items.length, created: new Date().toISOString() }
      await redis.set(keys.meta(runId), JSON.stringify(meta), 'EX', 7 * 24 * 3600)
    }
    begun = true
    o.log(`run ${runId}: ${planned.what} on ${redactUrl(o.url)}${o.resumable ? ` (resume with --resume ${runId})` : ''}`)

    const published = new Set(await redis.smembers(keys.published(runId)))
    const reused = items.filter((it) => published.has(it.id)).length
    const missing = items.filter((it) => !published.has(it.id))
    for (let i = 0; i < missing.length; i += 500) {
      if (o.signal?.aborted) throw new CancelledRun()
      await queue.addBulk(missing.slice(i, i + 500).map((it) => ({ name: it.data.kind, data: it.data, opts: jobOpts(it) })))
    }

    // stalled jobs: when the stall was seen, when their result was published
    const byJob = new Map(items.map((it) => [it.jobId, it.id]))
    const stalls = new Map<string, { seenAt: number; publishedAt: number | null }>()
    events.on('stalled', ({ jobId }) => {
      const id = byJob.get(jobId)
      if (id === undefined) return
      stalls.set(id, { seenAt: Date.now(), publishedAt: null })
      o.log(`tile ${id}: its worker stopped renewing the lock; back in the queue`)
    })

    const byId = new Map(items.map((it) => [it.id, it]))
    const written = new Set<string>()
    let cursor = 0
    let lastNew = Date.now()
    const t0 = Date.now()
    while (written.size < items.length) {
      if (o.signal?.aborted) throw new CancelledRun()
      const ids = await redis.lrange(keys.ready(runId), cursor, cursor + 199)
      for (const id of ids) {
        cursor++
        if (written.has(id)) continue
        const item = byId.get(id)
        if (!item) throw new Error(`run ${runId}: published result '${id}' is not one of this run's jobs`)
        const buf = await redis.getBuffer(keys.result(runId, id))
        if (!buf) throw new Error(`run ${runId}: ${id} is listed as published but its result is gone from Redis (expired?)`)
        o.onResult(item, buf)
        written.add(id)
        const s = stalls.get(id)
        if (s) s.publishedAt = Date.now()
        lastNew = Date.now()
      }
      const fresh = written.size - Math.min(written.size, reused)
      const rate = fresh / Math.max(1e-3, (Date.now() - t0) / 1000)
      o.progress?.(written.size / items.length, `${written.size}/${items.length}`, rate > 0 ? (items.length - written.size) / rate : null)
      if (ids.length > 0) continue
      if (Date.now() - lastNew > AUDIT_MS) {
        await audit(queue, redis, runId, items.filter((it) => !written.has(it.id)), o.log)
        lastNew = Date.now()
      }
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
    await finishRun(redis, runId, items)
    const [dup, comp, workers] = await Promise.all([redis.get(keys.duplicates(runId)), redis.get(keys.computed(runId)), redis.smembers(keys.workers(runId))])
    return {
      runId,
      tiles: items.length,
      reused,
      duplicates: Number(dup ?? 0),
      computed: Number(comp ?? 0),
      workers: workers.sort(),
      seconds: (performance.now() - started) / 1000,
      stalled: [...stalls.entries()].map(([tile, s]) => ({ tile, publishedAfterStallS: s.publishedAt !== null ? (s.publishedAt - s.seenAt) / 1000 : null })),
    }
  } catch (e) {
    if (begun && (e instanceof CancelledRun || o.signal?.aborted)) await cancelRun(queue, redis, runId, items)
    throw e
  } finally {
    await events.close().catch(() => {})
    await queue.close().catch(() => {})
    redis.disconnect()
  }
}

/** A run's jobs that failed for good end it with their error; jobs lost (e.g. Redis lost its data) are queued again. */
async function audit(queue: Queue, redis: Redis, runId: string, missing: QueueItem[], log: (l: string) => void): Promise<void> {
  const published = new Set(await redis.smembers(keys.published(runId)))
  for (const it of missing) {
    if (published.has(it.id)) continue
    const job = await queue.getJob(it.jobId)
    if (!job) {
      log(`${it.id}: its job is gone from the queue; queueing it again`)
      await queue.add(it.data.kind, it.data, jobOpts(it))
      continue
    }
    if (await job.isFailed()) {
      throw new UserError('tile_failed', `${it.data.kind} ${it.id} failed on a worker: ${job.failedReason}`, `Fix the cause and run again${it.data.kind === 'kernel-tile' ? ` (or resume with --resume ${runId})` : ''}.`)
    }
  }
}

/** Drops the run's results (the caller holds them now) and keeps its small bookkeeping a day. */
async function finishRun(redis: Redis, runId: string, items: QueueItem[]): Promise<void> {
  for (let i = 0; i < items.length; i += 500) await redis.del(...items.slice(i, i + 500).map((it) => keys.result(runId, it.id)))
  for (const k of [keys.meta(runId), keys.published(runId), keys.ready(runId), keys.duplicates(runId), keys.computed(runId), keys.workers(runId)]) await redis.expire(k, DONE_TTL_S)
}

/** Cancel: workers drop the run's jobs (cancelled flag), waiting ones are removed, results deleted. */
export async function cancelRun(queue: Queue, redis: Redis, runId: string, items: QueueItem[]): Promise<number> {
  await redis.set(keys.cancelled(runId), '1', 'EX', DONE_TTL_S)
  let removed = 0
  for (const it of items) {
    const job = await queue.getJob(it.jobId)
    if (!job) continue
    try {
      await job.remove()
      removed++
    } catch {
      // active (locked by a worker): it sees the cancelled flag when it publishes
    }
  }
  await finishRun(redis, runId, items)
  return removed
}
