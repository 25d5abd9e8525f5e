import { parentPort } from 'node:worker_threads'
import type { BackendChoice } from '../../../shared/backend'
import { errorInfo } from '../../../shared/errors'
import { initBackend } from './backend'

/**
 * The request loop of an `ntkw worker` compute thread (sample-worker.ts, unit-worker.ts): requests are served
 * one at a time, on the thread's own tfjs backend initialised at the first one; a failure is replied as
 * { type: 'error', id, message, code, hint } and the thread keeps serving. { type: 'abort', id } aborts
 * that request's signal (its run was cancelled); a compute that yields to the event loop sees it.
 */
export function serveRequests<Req extends { type: string; id: number; backend: BackendChoice }>(
  entry: string,
  compute: (m: Req, backend: string, signal: AbortSignal) => Promise<{ reply: object; transfer?: ArrayBuffer[] }>,
): void {
  const port = parentPort
  if (!port) throw new Error(`${entry} must run in a worker thread`)
  let backend: Promise<string> | null = null
  const controllers = new Map<number, AbortController>()
  const handle = async (m: Req, ac: AbortController): Promise<void> => {
    try {
      backend ??= initBackend(m.backend).then((i) => i.active)
      const { reply, transfer } = await compute(m, await backend, ac.signal)
      port.postMessage(reply, transfer ?? [])
    } catch (e) {
      port.postMessage({ type: 'error', id: m.id, ...errorInfo(e) })
    } finally {
      controllers.delete(m.id)
    }
  }
  let queue: Promise<void> = Promise.resolve()
  port.on('message', (m: Req | { type: 'abort'; id: number }) => {
    if (m.type === 'abort') {
      controllers.get(m.id)?.abort()
      return
    }
    const ac = new AbortController()
    controllers.set(m.id, ac)
    queue = queue.then(() => handle(m as Req, ac))
  })
}
