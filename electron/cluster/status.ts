import { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { TILE_QUEUE, WORKER_BEAT_PREFIX, WORKER_BEAT_TTL_S, WorkerBeat, type ClusterStatus, type ClusterWorker } from '../../shared/cluster'
import { Redis as RedisClient } from 'ioredis'
import { redactUrl } from './connection'

export type { ClusterStatus }

/** every worker heartbeat in Redis (a few keys: SCAN, never KEYS), parsed; a malformed one is skipped */
async function readBeats(redis: Redis): Promise<{ beat: WorkerBeat; ttlMs: number }[]> {
  const names: string[] = []
  let cursor = '0'
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${WORKER_BEAT_PREFIX}*`, 'COUNT', 200)
    cursor = next
    names.push(...found)
  } while (cursor !== '0' && names.length < 10_000)
  if (!names.length) return []
  const pipe = redis.pipeline()
  for (const k of names) pipe.get(k).pttl(k)
  const res = (await pipe.exec()) ?? []
  const out: { beat: WorkerBeat; ttlMs: number }[] = []
  for (let i = 0; i < names.length; i++) {
    const raw = res[2 * i]?.[1]
    const ttl = Number(res[2 * i + 1]?.[1] ?? -2)
    if (typeof raw !== 'string' || ttl < 0) continue
    try {
      const b = WorkerBeat.safeParse(JSON.parse(raw))
      if (b.success) out.push({ beat: b.data, ttlMs: ttl })
    } catch {
      /* not JSON: not one of ours */
    }
  }
  return out
}

/**
 * Who serves the queue and what it holds: one call for `ntkw workers` and the app's workers panel. Workers
 * are BullMQ's connections to the queue, completed by each worker's heartbeat (host, concurrency, backend,
 * jobs in hand); a heartbeat's age is read from its time to live, so the clocks of the machines never matter.
 */
export async function clusterStatus(url: URL): Promise<ClusterStatus> {
  // a status read gives up after a few attempts (a coordinator's or a worker's connection waits for ever)
  const redis = new RedisClient(url.toString(), { connectionName: 'ntkw-status', connectTimeout: 4000, maxRetriesPerRequest: 1, retryStrategy: (n) => (n > 3 ? null : 300) })
  redis.on('error', () => {})
  const queue = new Queue(TILE_QUEUE, { connection: redis })
  queue.on('error', () => {})
  try {
    const [raw, counts, failed, beats] = await Promise.all([queue.getWorkers(), queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'), queue.getFailed(0, 4), readBeats(redis)])
    const byName = new Map(beats.map((b) => [b.beat.name, b]))
    const workers: ClusterWorker[] = []
    const seen = new Set<string>()
    for (const w of raw) {
      // BullMQ names a worker's connection bull:<queue in base64>:w:<worker name>
      const name = String(w.rawname ?? w.name ?? '').replace(/^bull:[^:]*:w:/, '')
      if (seen.has(name)) continue
      seen.add(name)
      const b = byName.get(name)
      const beatAge = b ? Math.max(0, WORKER_BEAT_TTL_S - b.ttlMs / 1000) : null
      workers.push({
        name,
        host: b?.beat.host ?? String(w.addr ?? '').replace(/:\d+$/, ''),
        addr: String(w.addr ?? ''),
        concurrency: b?.beat.concurrency ?? null,
        backend: b?.beat.backend ?? null,
        jobs: b?.beat.jobs ?? [],
        lastSeenS: Math.round(10 * (beatAge ?? Number(w.idle ?? 0))) / 10,
        upS: Number(w.age ?? 0),
      })
    }
    return {
      queue: TILE_QUEUE,
      where: redactUrl(url),
      workers: workers.sort((a, b) => a.name.localeCompare(b.name)),
      counts: { waiting: counts.waiting ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0, failed: counts.failed ?? 0, completed: counts.completed ?? 0 },
      recentFailures: failed.filter(Boolean).map((j) => ({ id: String(j.id), reason: j.failedReason ?? '' })),
    }
  } finally {
    await queue.close().catch(() => {})
    redis.disconnect()
  }
}
