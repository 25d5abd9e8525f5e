import { Worker } from 'node:worker_threads'
import { UserError } from '../../../shared/errors'
import { CancelledError } from '../jobs/context'
import type { InitMessage, TileRequest, WorkerReply } from './protocol'
import type { TileKernels } from './tile'

export interface TileTask {
  row0: number
  rows: number
  col0: number
  cols: number
}

function toError(r: Extract<WorkerReply, { type: 'error' }>): Error {
  return r.code === 'internal' ? new Error(`kernel worker: ${r.message}`) : new UserError(r.code, r.message, r.hint)
}

/**
 * Runs tile tasks on `count` worker threads, each taking the next task as soon as it is free, and hands
 * every finished tile to `consume` on the main thread. Abort terminates the workers at once (a tile in
 * flight is dropped), so cancel takes effect within one message turn, not one tile.
 */
export async function runOnWorkers(
  url: URL,
  count: number,
  init: InitMessage,
  tasks: TileTask[],
  consume: (task: TileTask, out: TileKernels) => void,
  signal?: AbortSignal,
): Promise<void> {
  const workers: Worker[] = []
  let settled = false
  let onAbort: (() => void) | null = null
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0
      let done = 0
      const fail = (e: unknown): void => {
        if (settled) return
        settled = true
        reject(e)
      }
      onAbort = (): void => fail(new CancelledError())
      if (signal?.aborted) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      if (tasks.length === 0) {
        settled = true
        return resolve()
      }
      const dispatch = (w: Worker): void => {
        if (next >= tasks.length) return
        const id = next++
        const t = tasks[id]!
        const req: TileRequest = { type: 'tile', id, ...t }
        w.postMessage(req)
      }
      const n = Math.max(1, Math.min(count, tasks.length))
      for (let i = 0; i < n; i++) {
        const w = new Worker(url)
        workers.push(w)
        w.on('message', (r: WorkerReply) => {
          if (settled) return
          if (r.type === 'ready') return dispatch(w)
          if (r.type === 'error') return fail(toError(r))
          try {
            consume(tasks[r.id]!, r)
          } catch (e) {
            return fail(e)
          }
          done++
          if (done === tasks.length) {
            settled = true
            return resolve()
          }
          dispatch(w)
        })
        w.on('error', (e) => fail(e))
        w.on('exit', (code) => {
          if (!settled) fail(new Error(`kernel worker exited unexpectedly (code ${code})`))
        })
        w.postMessage(init)
      }
    })
  } finally {
    settled = true
    if (onAbort) signal?.removeEventListener('abort', onAbort)
    await Promise.all(workers.map((w) => w.terminate()))
  }
}
