import type { Worker as Thread } from 'node:worker_threads'
import type { BackendChoice } from '../../shared/backend'
import type { FcArch } from '../../shared/arch'
import type { SpatialArch } from '../engine/ntk/spatial'
import { kernelWorkerUrl } from '../engine/ntk/worker-path'
import { endThread, startThread } from '../engine/core/threads'
import type { InitMessage, TileRequest, WorkerReply } from '../engine/ntk/protocol'
import type { KernelName, TileTask } from '../engine/ntk/tile'
import type { FinishedTile } from '../engine/ntk/tile-finish'

/** The inputs of one run as a tile thread holds them. */
export interface RunInputs {
  runId: string
  x: Float32Array
  x2: Float32Array | null
  d: number
  /** an FC network, or an ARCH.json planned on this worker */
  arch: FcArch | SpatialArch
  kernels: KernelName[]
}

interface Slot {
  thread: Thread
  busy: boolean
  run: string | null
  backend: string | null
  pending: Map<number, { resolve(t: FinishedTile): void; reject(e: Error): void }>
}

function shared(a: Float32Array): SharedArrayBuffer {
  const s = new SharedArrayBuffer(a.byteLength)
  new Float32Array(s).set(a)
  return s
}

/**
 * Tile threads for `ntkw worker`: the engine's own kernel-worker (the code the local path runs, so a tile
 * computed here is the same bytes), one per unit of concurrency. Compute runs off the main thread so BullMQ's
 * lock renewal never waits for a long tile.
 */
export class TileThreads {
  private readonly slots: Slot[] = []
  private nextId = 1
  private waiters: (() => void)[] = []

  constructor(count: number, private readonly backend: BackendChoice, private readonly onCrash: (e: Error) => void) {
    const url = kernelWorkerUrl()
    if (!url) throw new Error('the tile worker bundle (out/node/kernel-worker.js) is missing: run `node scripts/build-node.mjs`')
    for (let i = 0; i < count; i++) {
      const slot: Slot = { thread: startThread(url), busy: false, run: null, backend: null, pending: new Map() }
      slot.thread.on('message', (m: WorkerReply) => {
        if (m.type === 'ready') {
          slot.backend = m.backend
          return
        }
        const p = m.id !== null ? slot.pending.get(m.id) : undefined
        if (m.type === 'error') {
          const err = Object.assign(new Error(m.message), { code: m.code, hint: m.hint })
          if (p) {
            slot.pending.delete(m.id!)
            p.reject(err)
          } else {
            slot.run = null // a failed init: the next tile sends init again
            for (const q of slot.pending.values()) q.reject(err)
            slot.pending.clear()
          }
          return
        }
        if (p) {
          slot.pending.delete(m.id)
          p.resolve(m)
        }
      })
      slot.thread.on('error', (e) => this.onCrash(e))
      slot.thread.unref()
      this.slots.push(slot)
    }
  }

  /** the backends the threads report (after their first tile) */
  backends(): string[] {
    return [...new Set(this.slots.map((s) => s.backend).filter((b): b is string => b !== null))]
  }

  async compute(inputs: RunInputs, t: TileTask): Promise<FinishedTile> {
    let slot = this.slots.find((s) => !s.busy && s.run === inputs.runId) ?? this.slots.find((s) => !s.busy)
    while (!slot) {
      await new Promise<void>((r) => this.waiters.push(r))
      slot = this.slots.find((s) => !s.busy && s.run === inputs.runId) ?? this.slots.find((s) => !s.busy)
    }
    slot.busy = true
    try {
      if (slot.run !== inputs.runId) {
        const init: InitMessage = {
          type: 'init',
          x: shared(inputs.x),
          xRows: inputs.x.length / inputs.d,
          x2: inputs.x2 ? shared(inputs.x2) : null,
          x2Rows: (inputs.x2 ?? inputs.x).length / inputs.d,
          d: inputs.d,
          arch: inputs.arch,
          kernels: inputs.kernels,
          backend: this.backend as InitMessage['backend'],
        }
        slot.thread.postMessage(init)
        slot.run = inputs.runId
      }
      const id = this.nextId++
      const done = new Promise<FinishedTile>((resolve, reject) => slot!.pending.set(id, { resolve, reject }))
      const req: TileRequest = { type: 'tile', id, ...t }
      slot.thread.postMessage(req)
      return await done
    } finally {
      slot.busy = false
      this.waiters.shift()?.()
    }
  }

  /** ends the threads after the tile each has in hand (never terminated inside a GEMM: engine/core/threads.ts) */
  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => endThread(s.thread)))
  }
}
