import { parentPort } from 'node:worker_threads'
import type { BackendChoice } from '../../../shared/backend'
import { errorInfo } from '../../../shared/errors'
import { initBackend } from './backend'

/**
 * The request loop of an `ntkw worker` compute thread (sample-worker.ts, unit-worker.ts): requests are served
 * one at a time, on the thread's own tfjs backend initialised at the first one; a failure is replied as
 * { type: 'error', id, message, code, hint } and the thread keeps serving.
 */
export function serveRequests<Req extends { id: number; backend: BackendChoice }>(
  entry: string,
  compute: (m: Req, backend: string) => Promise<{ reply: object; transfer?: ArrayBuffer[] }>,
): void {
  const port = parentPort
  if (!port) throw new Error(`${entry} must run in a worker thread`)
  let backend: Promise<string> | null = null
  const handle = async (m: Req): Promise<void> => {
    try {
      backend ??= initBackend(m.backend).then((i) => i.active)
      const { reply, transfer } = await compute(m, await backend)
      port.postMessage(reply, transfer ?? [])
    } catch (e) {
      port.postMessage({ type: 'error', id: m.id, ...errorInfo(e) })
    }
  }
  let queue: Promise<void> = Promise.resolve()
  port.on('message', (m: Req) => {
    queue = queue.then(() => handle(m))
  })
}
