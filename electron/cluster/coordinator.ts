import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { Queue, QueueEvents } from 'bullmq'
import type { Redis } from 'ioredis'
import type { FcArch } from '../../shared/arch'
import { ClusterKernelSpec, RunMeta, TILE_JOB_KIND, TILE_QUEUE, tileJobId, tileKey, type InputRef, type TileCoords, type TileJob } from '../../shared/cluster'
import { UserError } from '../../shared/errors'
import { defaultTileSize, validateKernelInputs, type KernelName } from '../engine/ntk/analytic'
import { finishTile } from '../engine/ntk/tile-finish'
import { NpyTileWriter } from '../engine/io/npy-tile-writer'
import type { Matrix } from '../engine/core/matrix'
import { connect, redactUrl } from './connection'
import { DONE_TTL_S, keys, parseTileKey, putInput } from './store'
import { decodeTile, type WireTile } from './tile-wire'

export interface DistributedKernelOptions {
  url: URL
  x: Matrix
  x2: Matrix | null
  arch: FcArch
  kernel: KernelName
  tileSize?: number
  out: string
  resume?: string
  signal: AbortSignal
  log(line: string): void
  progress(fraction: number, message: string, eta: number | null): void
}

export interface DistributedKernelResult {
  runId: string
  tiles: number
  /** tiles found already published when the run started (--resume) */
  reused: number
  duplicates: number
  /** results workers offered for this run (published + discarded); tiles − reused + duplicates when nothing was lost */
  computed: number
  seconds: number
  /** tiles whose worker stopped renewing its lock: seconds from the stall's detection to publication */
  stalled: { tile: string; publishedAfterStallS: number | null }[]
}

/** The upper triangle of tiles of a symmetric kernel (all tiles otherwise), row by row: the local path's plan. */
export function planTiles(rows: number, cols: number, tile: number, symmetric: boolean): TileCoords[] {
  const tasks: TileCoords[] = []
  for (let r = 0; r < rows; r += tile) {
    for (let c = symmetric ? r : 0; c < cols; c += tile) tasks.push({ row0: r, rows: Math.min(tile, rows - r), col0: c, cols: Math.min(tile, cols - c) })
  }
  return tasks
}

function toFloat32(m: Matrix): Float32Array {
  const n = m.rows * m.cols
  if (m.data instanceof Float32Array && m.data.length === n) return m.data
  const out = new Float32Array(n)
  out.set(m.data.length === n ? m.data : m.data.subarray(0, n))
  return out
}

const POLL_MS = 100
/** with no new tile for this long, check the run's jobs: failed ones end the run, lost ones are queued again */
const AUDIT_MS = 5000

/**
 * Computes a kernel on `ntkw worker` processes: one BullMQ job per upper-triangle tile, the NPY written from
 * published tiles only (each mirrored by the engine's finishTile, as the local path does), so the file is
 * byte for byte the local `ntkw kernel` output computed with the same tile size.
 */
export async function runDistributedKernel(o: DistributedKernelOptions): Promise<DistributedKernelResult> {
  validateKernelInputs(o.x, o.x2, o.arch, [o.kernel])
  const rows = o.x.rows
  const cols = o.x2 ? o.x2.rows : o.x.rows
  const symmetric = o.x2 === null
  const tileSize = o.tileSize ?? defaultTileSize(rows, cols)
  let writer: NpyTileWriter | null = null
  try {
    writer = new NpyTileWriter(o.out, rows, cols)
    const w = writer
    const r = await distributeTiles({
      url: o.url,
      x: toFloat32(o.x),
      xRows: rows,
      x2: o.x2 ? toFloat32(o.x2) : null,
      x2Rows: cols,
      d: o.x.cols,
      spec: { arch: o.arch, kernels: [o.kernel], tileSize },
      tiles: planTiles(rows, cols, tileSize, symmetric),
      ...(o.resume ? { resume: o.resume } : {}),
      resumable: true,
      signal: o.signal,
      log: o.log,
      progress: o.progress,
      onTile: (t, tile) => {
        // the local path's finishing step: finite check and, off the diagonal, the mirror tile
        const fin = finishTile(t, { [o.kernel]: tile[o.kernel]! }, o.arch, symmetric)
        w.writeTile(t.row0, t.col0, t.rows, t.cols, fin[o.kernel]!)
        const mirror = o.kernel === 'ntk' ? fin.mirrorNtk : fin.mirrorNngp
        if (mirror) w.writeTile(t.col0, t.row0, t.cols, t.rows, mirror)
      },
    })
    writer.close()
    writer = null
    return r
  } finally {
    if (writer) {
      writer.abort()
      rmSync(o.out, { force: true })
    }
  }
}

export interface DistributeOptions {
  url: URL
  /** float32 row-major points; stored in Redis once by content hash */
  x: Float32Array
  xRows: number
  x2: Float32Array | null
  x2Rows: number
  d: number
  spec: ClusterKernelSpec
  /** the tiles to compute (a symmetric kernel's upper triangle), on the spec's tile grid */
  tiles: TileCoords[]
  resume?: string
  /** the caller can continue this run with --resume (the run id line says how) */
  resumable?: boolean
  signal?: AbortSignal
  log(line: string): void
  progress?(fraction: number, message: string, eta: number | null): void
  /** each tile once, checksummed and decoded, in publication order */
  onTile(t: TileCoords, tile: WireTile): void
}

/**
 * The coordinator's loop, shared by `ntkw kernel --redis` and every job whose kernel tiles go to workers
 * (RedisTiles): queue one job per tile not yet published, take published tiles as they arrive, audit
 * failed or lost jobs, and on cancel remove the run's jobs.
 */
export async function distributeTiles(o: DistributeOptions): Promise<DistributedKernelResult> {
  const started = performance.now()
  const { spec, tiles: plan } = o
  const redis = connect(o.url, 'ntkw-coordinator')
  const queue = new Queue(TILE_QUEUE, { connection: connect(o.url, 'ntkw-coordinator-queue') })
  queue.on('error', () => {})
  const events = new QueueEvents(TILE_QUEUE, { connection: connect(o.url, 'ntkw-coordinator-events') })
  events.on('error', () => {})
  let runId = o.resume ?? ''
  try {
    await redis.ping()
    const xRef = await putInput(redis, o.x, o.xRows, o.d)
    const x2Ref: InputRef | null = o.x2 ? await putInput(redis, o.x2, o.x2Rows, o.d) : null
    const metaSpec = ClusterKernelSpec.parse(spec)
    if (o.resume) {
      const raw = await redis.get(keys.meta(o.resume))
      if (!raw) throw new UserError('unknown_run', `--resume ${o.resume}: no such run in ${redactUrl(o.url)} (finished over a day ago, never started, or another Redis)`, 'Start the run again without --resume.')
      const meta = RunMeta.parse(JSON.parse(raw))
      const same = JSON.stringify([meta.x, meta.x2, meta.spec]) === JSON.stringify([xRef, x2Ref, metaSpec])
      if (!same) throw new UserError('resume_mismatch', `--resume ${o.resume}: that run computed another kernel (inputs, architecture, kernel or tile size differ)`, 'Give the same --x/--x2, architecture flags, --kind and --tile-size as the run you resume.')
    } else {
      runId = newRunId()
      const meta: RunMeta = { v: 1, runId, x: xRef, x2: x2Ref, spec: metaSpec, tiles: plan.length, created: new Date().toISOString() }
      await redis.set(keys.meta(runId), JSON.stringify(meta), 'EX', 7 * 24 * 3600)
    }
    o.log(`run ${runId}: ${plan.length} tiles of ${spec.tileSize} on ${redactUrl(o.url)}${o.resumable ? ` (resume with --resume ${runId})` : ''}`)

    const published = new Set(await redis.smembers(keys.published(runId)))
    const reused = published.size
    const jobFor = (t: TileCoords): { name: string; data: TileJob; opts: { jobId: string; attempts: number; backoff: { type: 'fixed'; delay: number }; removeOnComplete: true; removeOnFail: { age: number } } } => ({
      name: TILE_JOB_KIND,
      data: { kind: TILE_JOB_KIND, v: 1, runId, x: xRef, x2: x2Ref, spec: metaSpec, tile: t },
      opts: { jobId: tileJobId(runId, t), attempts: 3, backoff: { type: 'fixed', delay: 500 }, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } },
    })
    const missing = plan.filter((t) => !published.has(tileKey(t)))
    for (let i = 0; i < missing.length; i += 500) {
      if (o.signal?.aborted) throw new CancelledRun()
      await queue.addBulk(missing.slice(i, i + 500).map(jobFor))
    }

    // stalled tiles: when the stall was seen, when they were published
    const stalls = new Map<string, { seenAt: number; publishedAt: number | null }>()
    const prefix = `${runId}-`
    events.on('stalled', ({ jobId }) => {
      if (!jobId.startsWith(prefix)) return
      const tile = jobId.slice(prefix.length).replace('-', '_')
      const seenAt = Date.now()
      stalls.set(tile, { seenAt, publishedAt: null })
      o.log(`tile ${tile}: its worker stopped renewing the lock; back in the queue`)
    })

    const byKey = new Map(plan.map((t) => [tileKey(t), t]))
    const written = new Set<string>()
    let cursor = 0
    let lastNew = Date.now()
    const t0 = Date.now()
    while (written.size < plan.length) {
      if (o.signal?.aborted) throw new CancelledRun()
      const ids = await redis.lrange(keys.ready(runId), cursor, cursor + 199)
      for (const id of ids) {
        cursor++
        if (written.has(id)) continue
        const t = byKey.get(id) ?? (() => { throw new Error(`run ${runId}: published tile ${JSON.stringify(parseTileKey(id))} is not on this run's grid`) })()
        const buf = await redis.getBuffer(keys.tile(runId, t))
        if (!buf) throw new Error(`run ${runId}: tile ${id} is listed as published but its result is gone from Redis (expired?)`)
        o.onTile(t, decodeTile(buf, t, spec.kernels))
        written.add(id)
        const s = stalls.get(id)
        if (s) s.publishedAt = Date.now()
        lastNew = Date.now()
      }
      const fresh = written.size - Math.min(written.size, reused)
      const rate = fresh / Math.max(1e-3, (Date.now() - t0) / 1000)
      o.progress?.(written.size / plan.length, `tile ${written.size}/${plan.length}`, rate > 0 ? (plan.length - written.size) / rate : null)
      if (ids.length > 0) continue
      if (Date.now() - lastNew > AUDIT_MS) {
        await audit(queue, redis, runId, plan.filter((t) => !written.has(tileKey(t))), jobFor, o.log)
        lastNew = Date.now()
      }
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
    await finishRun(redis, runId, plan)
    const [dup, comp] = await Promise.all([redis.get(keys.duplicates(runId)), redis.get(keys.computed(runId))])
    return {
      runId,
      tiles: plan.length,
      reused,
      duplicates: Number(dup ?? 0),
      computed: Number(comp ?? 0),
      seconds: (performance.now() - started) / 1000,
      stalled: [...stalls.entries()].map(([tile, s]) => ({
        tile,
        publishedAfterStallS: s.publishedAt !== null ? (s.publishedAt - s.seenAt) / 1000 : null,
      })),
    }
  } catch (e) {
    if (runId && (e instanceof CancelledRun || o.signal?.aborted)) await cancelRun(queue, redis, runId, plan)
    throw e
  } finally {
    await events.close().catch(() => {})
    await queue.close().catch(() => {})
    redis.disconnect()
  }
}

function newRunId(): string {
  return `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`
}

export class CancelledRun extends Error {
  constructor() {
    super('cancelled')
  }
}

/** A run's jobs that failed for good end it with their error; jobs lost (e.g. Redis lost its data) are queued again. */
async function audit(queue: Queue, redis: Redis, runId: string, missing: TileCoords[], jobFor: (t: TileCoords) => { name: string; data: TileJob; opts: object }, log: (l: string) => void): Promise<void> {
  const published = new Set(await redis.smembers(keys.published(runId)))
  for (const t of missing) {
    if (published.has(tileKey(t))) continue
    const job = await queue.getJob(tileJobId(runId, t))
    if (!job) {
      log(`tile ${tileKey(t)}: its job is gone from the queue; queueing it again`)
      const j = jobFor(t)
      await queue.add(j.name, j.data, j.opts)
      continue
    }
    if (await job.isFailed()) {
      throw new UserError('tile_failed', `tile ${tileKey(t)} failed on a worker: ${job.failedReason}`, `Fix the cause and resume with --resume ${runId} (retry the failed job, or it is queued again on resume).`)
    }
  }
}

/** Drops the run's tile results (the NPY holds them now) and keeps its small bookkeeping a day. */
async function finishRun(redis: Redis, runId: string, plan: TileCoords[]): Promise<void> {
  for (let i = 0; i < plan.length; i += 500) await redis.del(...plan.slice(i, i + 500).map((t) => keys.tile(runId, t)))
  for (const k of [keys.meta(runId), keys.published(runId), keys.ready(runId), keys.duplicates(runId), keys.computed(runId)]) await redis.expire(k, DONE_TTL_S)
}

/** Cancel: workers drop the run's jobs (cancelled flag), waiting ones are removed, results deleted. */
export async function cancelRun(queue: Queue, redis: Redis, runId: string, plan: TileCoords[]): Promise<number> {
  await redis.set(keys.cancelled(runId), '1', 'EX', DONE_TTL_S)
  let removed = 0
  for (const t of plan) {
    const job = await queue.getJob(tileJobId(runId, t))
    if (!job) continue
    try {
      await job.remove()
      removed++
    } catch {
      // active (locked by a worker): it sees the cancelled flag when it publishes
    }
  }
  await finishRun(redis, runId, plan)
  return removed
}
