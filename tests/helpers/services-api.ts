import path from 'node:path'
import { afterAll } from 'vitest'
import { forkLauncher } from '../../electron/services/engine-client'
import { Services } from '../../electron/services/services'
import type { RunSummary } from '../../shared/index'
import { tempDir, waitFor } from './tmp'

/**
 * The services the app and `ntkw serve` run (real engine process, real project file) for an API test:
 * `call` answers a method's result or throws its error; `settle` waits for a run to end. Disposed after the file.
 */
export function servicesForTest(prefix?: string) {
  const tmp = tempDir(prefix)
  const services = new Services({ mode: 'serve', configDir: path.join(tmp.dir, 'cfg'), launcher: forkLauncher })
  afterAll(async () => {
    await services.dispose()
    tmp.cleanup()
  })
  async function call<T>(method: string, params: unknown = {}): Promise<T> {
    const r = await services.call(method, params)
    if ('error' in r) throw Object.assign(new Error(`${method}: ${r.error.message}`), r.error)
    return r.result as T
  }
  async function settle(runId: string, timeoutMs = 240_000): Promise<RunSummary> {
    return waitFor(() => {
      const r = services.project.current?.runs.get(runId)
      return r && ['succeeded', 'failed', 'cancelled'].includes(r.state) ? r : null
    }, timeoutMs)
  }
  return { tmp, services, call, settle }
}
