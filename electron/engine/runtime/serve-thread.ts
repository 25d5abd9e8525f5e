import { parentPort } from 'node:worker_threads'
import type { BackendChoice } from '../../../shared/backend'
import { errorInfo } from '../../../shared/errors'
import { initBackend } from './backend'
import { serveInOrder } from '../core/threads'

/**
 * The request loop of an `ntkw worker` compute thread (sample-worker.ts, unit-worker.ts): requests are served
 * one at a time, on the thread's own tfjs backend initialised at the first one; a failure is replied as
 * { type: 'error', id, message, code, hint } and the thread keeps serving. { type: 'abort', id } aborts
 * that request's signal (its run was cancelled); a compute that yields to the event loop sees it.
 * { type: 'end' } (core/threads.ts) aborts them all and ends the thread once the compute in hand returns.
 */
export function serveRequests<Req extends { type: string; id: number; backend: BackendChoice }>(
  entry: string,
  compute: (m: Req, backend: string, signal: AbortSignal) => Promise<{ reply: object; transfer?: ArrayBuffer[] }>,
): void {
  const port = parentPort
  if (!port) throw new Error(`${entry} must run in a worker thread`)
  let backend: Promise<string> | null = null
  const controllers = new Map<number, AbortController>()
  const handle = async (m: Req): Promise<void> => {
    const { signal } = controllers.get(m.id)!
    try {
      backend ??= initBackend(m.backend).then((i) => i.active)
      const { reply, transfer } = await compute(m, await backend, signal)
      port.postMessage(reply, transfer ?? [])
    } catch (e) {
      port.postMessage({ type: 'error', id: m.id, ...errorInfo(e) })
    } finally {
      controllers.delete(m.id)
    }
  }
  serveInOrder<Req | { type: 'abort'; id: number }>(port, (m) => handle(m as Req), {
    now(m) {
      if (m.type === 'abort') controllers.get(m.id)?.abort()
      else controllers.set(m.id, new AbortController())
      return m.type === 'abort'
    },
    // the thread is ending (`ntkw worker` closing): a compute that yields stops now instead of finishing
    onEnd: () => {
      for (const c of controllers.values()) c.abort()
    },
  })
}
