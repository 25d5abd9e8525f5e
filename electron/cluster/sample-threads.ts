import { Worker as Thread } from 'node:worker_threads'
import type { BackendChoice } from '../../shared/backend'
import { bundledWorkerUrl } from '../engine/ntk/worker-path'
import type { SampleReply, SampleRequest } from '../engine/ntk/protocol'

export type SampleInputs = Omit<SampleRequest, 'type' | 'id' | 'backend'>

/**
 * Threads that compute empirical samples for `ntkw worker` (sample-worker.ts: the local run's code), one
 * per unit of concurrency, started on the first sample job. A thread that crashes fails its sample and is
 * replaced.
 */
export class SampleThreads {
  private readonly idle: Thread[] = []
  private started = 0
  private nextId = 1
  private readonly waiters: ((t: Thread) => void)[] = []
  private readonly pending = new Map<Thread, { id: number; resolve(r: Extract<SampleReply, { type: 'sample' }>): void; reject(e: Error): void }>()
  private readonly all = new Set<Thread>()

  constructor(private readonly count: number, private readonly backend: BackendChoice) {}

  private spawn(): Thread {
    const url = bundledWorkerUrl('sample-worker')
    if (!url) throw new Error('the sample worker bundle (out/node/sample-worker.js) is missing: run `node scripts/build-node.mjs`')
    const t = new Thread(url)
    this.all.add(t)
    t.on('message', (m: SampleReply) => {
      const p = this.pending.get(t)
      if (!p || p.id !== m.id) return
      this.pending.delete(t)
      if (m.type === 'error') p.reject(Object.assign(new Error(m.message), { code: m.code, hint: m.hint }))
      else p.resolve(m)
    })
    t.on('error', (e) => {
      this.all.delete(t)
      this.started--
      this.pending.get(t)?.reject(new Error(`the sample thread crashed: ${e.message}`))
      this.pending.delete(t)
      const w = this.waiters.shift()
      if (w) w(this.spawn())
    })
    t.unref()
    this.started++
    return t
  }

  private async take(): Promise<Thread> {
    const t = this.idle.pop()
    if (t) return t
    if (this.started < this.count) return this.spawn()
    return new Promise((r) => this.waiters.push(r))
  }

  private give(t: Thread): void {
    if (!this.all.has(t)) return
    const w = this.waiters.shift()
    if (w) w(t)
    else this.idle.push(t)
  }

  async compute(inputs: SampleInputs): Promise<Extract<SampleReply, { type: 'sample' }>> {
    const t = await this.take()
    try {
      const id = this.nextId++
      const done = new Promise<Extract<SampleReply, { type: 'sample' }>>((resolve, reject) => this.pending.set(t, { id, resolve, reject }))
      const req: SampleRequest = { type: 'sample', id, backend: this.backend, ...inputs }
      t.postMessage(req)
      return await done
    } finally {
      this.give(t)
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((t) => t.terminate()))
  }
}
