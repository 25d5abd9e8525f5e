import type { Worker as Thread } from 'node:worker_threads'
import type { BackendChoice } from '../../shared/backend'
import { bundledWorkerUrl } from '../engine/ntk/worker-path'
import { endThread, startThread } from '../engine/core/threads'
import type { SampleReply, SampleRequest } from '../engine/ntk/protocol'
import type { UnitReply, UnitRequest } from '../engine/jobs/unit-protocol'

type ErrorReply = { type: 'error'; id: number; message: string; code: string; hint?: string }

/**
 * Threads of one bundled worker entry for `ntkw worker` (sample-worker.ts: empirical samples, unit-worker.ts:
 * study and sweep units; the local run's code), one per unit of concurrency, started on the first job. A
 * thread that crashes fails its job and is replaced. Compute runs off the main thread so BullMQ's lock
 * renewal never waits for it.
 */
export class BundleThreads<Req extends { type: string; id: number; backend: BackendChoice }, Reply extends { id: number }> {
  private readonly idle: Thread[] = []
  private started = 0
  private nextId = 1
  private readonly waiters: ((t: Thread) => void)[] = []
  private readonly pending = new Map<Thread, { id: number; resolve(r: Reply): void; reject(e: Error): void }>()
  private readonly all = new Set<Thread>()

  constructor(
    private readonly bundle: 'sample-worker' | 'unit-worker',
    private readonly count: number,
    private readonly backend: BackendChoice,
  ) {}

  private spawn(): Thread {
    const url = bundledWorkerUrl(this.bundle)
    if (!url) throw new Error(`the ${this.bundle} bundle (out/node/${this.bundle}.js) is missing: run \`node scripts/build-node.mjs\``)
    const t = startThread(url)
    this.all.add(t)
    t.on('message', (m: Reply | ErrorReply) => {
      const p = this.pending.get(t)
      if (!p || p.id !== m.id) return
      this.pending.delete(t)
      if ('type' in m && m.type === 'error') {
        const e = m as ErrorReply
        p.reject(Object.assign(new Error(e.message), { code: e.code, hint: e.hint }))
      } else p.resolve(m as Reply)
    })
    t.on('error', (e) => {
      this.all.delete(t)
      this.started--
      this.pending.get(t)?.reject(new Error(`the ${this.bundle} thread crashed: ${e.message}`))
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

  /** computes one request; `signal` aborting asks the thread to stop it (it replies with an error) */
  async compute(inputs: Omit<Req, 'id' | 'backend'>, signal?: AbortSignal): Promise<Reply> {
    const t = await this.take()
    const id = this.nextId++
    const abort = (): void => t.postMessage({ type: 'abort', id })
    try {
      const done = new Promise<Reply>((resolve, reject) => this.pending.set(t, { id, resolve, reject }))
      t.postMessage({ ...inputs, id, backend: this.backend })
      signal?.addEventListener('abort', abort)
      return await done
    } finally {
      signal?.removeEventListener('abort', abort)
      this.give(t)
    }
  }

  /** ends the threads: a compute in hand is aborted and each exits once it returns (engine/core/threads.ts) */
  async close(): Promise<void> {
    await Promise.all([...this.all].map(endThread))
  }
}

export type SampleThreads = BundleThreads<SampleRequest, Extract<SampleReply, { type: 'sample' }>>
export type UnitThreads = BundleThreads<UnitRequest, Extract<UnitReply, { type: 'unit' }>>
