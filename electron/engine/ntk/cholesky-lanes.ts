import * as tf from '@tensorflow/tfjs-core'
import type { Worker } from 'node:worker_threads'
import { UserError } from '../../../shared/errors'
import type { BackendName } from '../../../shared/backend'
import type { CholLane, CholWorkerPool } from '../linalg/cholesky'
import type { CholShared, CholUnit } from '../linalg/chol-units'
import { giveBack, listen, take } from './pool'
import { endThread } from '../core/threads'
import type { CholInitMessage, CholReply, CholUnitRequest } from './protocol'
import { kernelWorkerUrl } from './worker-path'
import { gemmInfo } from '../blas/gemm'

// The Cholesky's panel and update units on the kernel workers (the same warm threads the kernel tiles
// use, so a solve right after a kernel finds them started). The matrix lives in SharedArrayBuffers that
// every thread maps: a unit message is a few numbers and its answer is one.

/**
 * The lanes a solve uses: none where this thread's GEMM is MLAS, whose products already spread over every
 * core. Measured at n = 4 000 on 2 cores (load ≈ 5, interleaved): factor 0.67–1.1 s on the calling thread
 * alone against 1.6–2.1 s with a worker lane, where the float64 diagonal blocks compete with the lane for
 * the cores. With tfjs's GEMM (one thread per backend) the lanes are the only parallelism.
 */
export function solveWorkers(): CholWorkerPool | undefined {
  return gemmInfo().provider === 'mlas' ? undefined : cholWorkers()
}

/**
 * Worker lanes for linalg/cholesky.ts, or undefined where workers cannot compute the same bytes as this
 * thread (WebGPU holds one device per process; no worker bundle built): the factorisation then runs on
 * this thread alone.
 */
export function cholWorkers(): CholWorkerPool | undefined {
  const url = kernelWorkerUrl()
  const backend = tf.getBackend() as BackendName
  if (!url || (backend !== 'wasm' && backend !== 'cpu')) return undefined
  return {
    open(count: number, shared: CholShared) {
      const workers = take(url, count)
      const detach: (() => void)[] = []
      const lanes = workers.map((w) => lane(w, shared, backend, detach))
      return {
        lanes,
        async close(healthy: boolean) {
          for (const d of detach) d()
          if (healthy) giveBack(workers)
          // a lane failed: its workers end after the unit in hand (core/threads.ts), before the buffers go
          else await Promise.all(workers.map(endThread))
        },
      }
    },
  }
}

function lane(w: Worker, shared: CholShared, backend: BackendName, detach: (() => void)[]): CholLane {
  let nextId = 0
  const pending = new Map<number, { resolve: () => void; reject: (e: unknown) => void }>()
  let readyResolve!: () => void
  let readyReject!: (e: unknown) => void
  const ready = new Promise<void>((res, rej) => {
    readyResolve = res
    readyReject = rej
  })
  ready.catch(() => {}) // observed by the scheduler; a lane that fails after the run ended is just dropped
  const failAll = (e: unknown): void => {
    readyReject(e)
    for (const p of pending.values()) p.reject(e)
    pending.clear()
  }
  const onMessage = (r: CholReply): void => {
    if (r.type === 'ready') return readyResolve()
    if (r.type === 'error') {
      const err = r.code === 'internal' ? new Error(`Cholesky worker: ${r.message}`) : new UserError(r.code, r.message, r.hint)
      const p = r.id !== null ? pending.get(r.id) : undefined
      if (!p) return failAll(err)
      pending.delete(r.id!)
      return p.reject(err)
    }
    const p = pending.get(r.id)
    pending.delete(r.id)
    p?.resolve()
  }
  detach.push(listen(w, onMessage, failAll, 'Cholesky worker'))
  const init: CholInitMessage = { type: 'chol-init', backend, ...shared }
  w.postMessage(init)
  return {
    ready,
    run(unit: CholUnit) {
      const id = nextId++
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject })
        const req: CholUnitRequest = { type: 'chol-unit', id, unit }
        w.postMessage(req)
      })
    },
  }
}
