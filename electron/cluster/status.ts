import { Queue } from 'bullmq'
import { TILE_QUEUE } from '../../shared/cluster'
import { connect } from './connection'

export interface ClusterStatus {
  queue: string
  workers: { name: string; addr: string; age: number; idle: number }[]
  counts: { waiting: number; active: number; delayed: number; failed: number; completed: number }
  /** the most recent failed jobs' reasons (what a worker could not run) */
  recentFailures: { id: string; reason: string }[]
}

export async function clusterStatus(url: URL): Promise<ClusterStatus> {
  const queue = new Queue(TILE_QUEUE, { connection: connect(url, 'ntkw-status') })
  queue.on('error', () => {})
  try {
    const [raw, counts, failed] = await Promise.all([queue.getWorkers(), queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'), queue.getFailed(0, 4)])
    return {
      queue: TILE_QUEUE,
      // BullMQ names a worker's connection bull:<queue in base64>:w:<worker name>
      workers: raw.map((w) => ({ name: String(w.rawname ?? w.name ?? '').replace(/^bull:[^:]*:w:/, ''), addr: String(w.addr ?? ''), age: Number(w.age ?? 0), idle: Number(w.idle ?? 0) })),
      counts: { waiting: counts.waiting ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0, failed: counts.failed ?? 0, completed: counts.completed ?? 0 },
      recentFailures: failed.map((j) => ({ id: String(j.id), reason: j.failedReason })),
    }
  } finally {
    await queue.close()
  }
}
