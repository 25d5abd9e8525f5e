import type { Worker } from 'node:worker_threads'
import { UserError } from '../../../shared/errors'
import { CancelledError } from '../core/cancel'
import { endThread, startThread, threadsEnded } from '../core/threads'
import type { InitMessage, TileRequest, WorkerReply } from './protocol'
import type { FinishedTile } from './tile-finish'
import type { TileTask } from './tile'

// Workers stay warm between jobs (starting one costs ~0.35 s: tfjs + wasm compile), unreferenced so an
// idle pool never keeps the process alive, and end after IDLE_MS without work.
const IDLE_MS = 30_000
const IN_FLIGHT = 2
const warm: Worker[] = []
let idleTimer: NodeJS.Timeout | null = null

function spawn(url: URL): Worker {
  const w = startThread(url)
  w.on('exit', () => {
    const i = warm.indexOf(w)
    if (i >= 0) warm.splice(i, 1)
  })
  w.on('error', () => {}) // reported to the job through its own listener; a dead idle worker is just dropped
  return w
}

/** `n` warm workers (started if needed), referenced while in use; `giveBack` returns them to the warm set. */
export function take(url: URL, n: number): Worker[] {
  if (idleTimer) clearTimeout(idleTimer)
  idleTimer = null
  const out = warm.splice(0, n)
  while (out.length < n) out.push(spawn(url))
  for (const w of out) w.ref()
  return out
}

export function giveBack(ws: Worker[]): void {
  for (const w of ws) {
    w.postMessage({ type: 'release' })
    w.unref()
    warm.push(w)
  }
  if (idleTimer) clearTimeout(idleTimer)
  idleTimer = setTimeout(() => void shutdownKernelWorkers(), IDLE_MS)
  idleTimer.unref()
}

/** Ends the idle workers now, and waits for those a cancelled or failed run is ending (tests, app shutdown). */
export async function shutdownKernelWorkers(): Promise<void> {
  if (idleTimer) clearTimeout(idleTimer)
  idleTimer = null
  await Promise.all(warm.splice(0).map(endThread))
  await threadsEnded()
}

/** Listens to a worker's replies, errors and unexpected exit (all failures go to `fail`); returns the detach. */
export function listen<R>(w: Worker, onMessage: (r: R) => void, fail: (e: unknown) => void, what: string): () => void {
  const onError = (e: Error): void => fail(e)
  const onExit = (code: number): void => fail(new Error(`${what} exited unexpectedly (code ${code})`))
  w.on('message', onMessage)
  w.on('error', onError)
  w.on('exit', onExit)
  return () => {
    w.off('message', onMessage)
    w.off('error', onError)
    w.off('exit', onExit)
  }
}

function toError(r: Extract<WorkerReply, { type: 'error' }>): Error {
  return r.code === 'internal' ? new Error(`kernel worker: ${r.message}`) : new UserError(r.code, r.message, r.hint)
}

/** Computes one tile on the calling thread (its tfjs backend is ready). */
export type LocalTile = (task: TileTask) => FinishedTile

/**
 * Runs tile tasks on `count` worker threads, each holding up to IN_FLIGHT requests, and, with `local`,
 * on this thread as well, all taking from one queue; every finished tile goes to `consume` on this thread.
 * This thread computes from the start, while the workers load (≈0.25 s), and one worker fewer is started;
 * on 2 cores it measured as fast as two workers (docs/performance.md), and small kernels finish before a
 * worker is ready. It yields between its tiles, so worker results, progress and cancel get through. Abort
 * rejects within one message turn, not one tile: the workers are told to end and do so after the tile in
 * hand (its result is dropped), in the background (core/threads.ts: never terminated inside a GEMM).
 */
export async function runOnWorkers(
  url: URL,
  count: number,
  init: InitMessage,
  tasks: TileTask[],
  consume: (task: TileTask, out: FinishedTile) => void,
  signal?: AbortSignal,
  onReady?: (backend: string) => void,
  local?: LocalTile,
): Promise<void> {
  if (signal?.aborted) throw new CancelledError()
  if (tasks.length === 0) return
  const workers = take(url, Math.max(1, Math.min(count, tasks.length)))
  const detach: (() => void)[] = []
  let ok = false
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false
      let next = 0
      let done = 0
      const fail = (e: unknown): void => {
        if (settled) return
        settled = true
        reject(e)
      }
      const finished = (id: number, out: FinishedTile): void => {
        consume(tasks[id]!, out)
        if (++done === tasks.length) {
          settled = true
          resolve()
        }
      }
      const onAbort = (): void => fail(new CancelledError())
      signal?.addEventListener('abort', onAbort, { once: true })
      detach.push(() => signal?.removeEventListener('abort', onAbort))
      const dispatch = (w: Worker): void => {
        if (next >= tasks.length) return
        const id = next++
        const req: TileRequest = { type: 'tile', id, ...tasks[id]! }
        w.postMessage(req)
      }
      for (const w of workers) {
        const onMessage = (r: WorkerReply): void => {
          if (settled) return
          // two requests in flight per worker: it starts the next tile while this thread stores the last one
          if (r.type === 'ready') {
            onReady?.(r.backend)
            for (let i = 0; i < IN_FLIGHT; i++) dispatch(w)
            return
          }
          if (r.type === 'error') return fail(toError(r))
          try {
            finished(r.id, r)
          } catch (e) {
            return fail(e)
          }
          if (!settled) dispatch(w)
        }
        detach.push(listen(w, onMessage, fail, 'kernel worker'))
        w.postMessage(init)
      }
      if (local) {
        const loop = async (): Promise<void> => {
          while (!settled && next < tasks.length) {
            const id = next++
            finished(id, local(tasks[id]!))
            // let worker results, progress and cancel through between this thread's tiles
            await new Promise((r) => setImmediate(r))
          }
        }
        loop().catch(fail)
      }
    })
    ok = true
  } finally {
    for (const d of detach) d()
    // a failed or cancelled run may have tiles in flight: those workers are ended, not reused
    if (ok) giveBack(workers)
    else for (const w of workers) void endThread(w)
  }
}
