import { afterAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import { Services } from '../../electron/services/services'
import { forkLauncher } from '../../electron/services/engine-client'
import type { AppInfo, Settings } from '../../shared/index'
import { tempDir } from '../helpers/tmp'

const tmp = tempDir()
const cfg = path.join(tmp.dir, 'cfg')
let services = new Services({ mode: 'serve', configDir: cfg, launcher: forkLauncher })
afterAll(async () => {
  await services.dispose()
  tmp.cleanup()
})

describe('settings', () => {
  it('a backend override restarts the engine on that backend and persists', async () => {
    const before = (await services.call('app.info', {})) as { result: AppInfo }
    // auto picks the first backend that works on this machine; the override below must change it to cpu
    expect(before.result.backend!.requested).toBe('auto')
    expect(before.result.backend!.tried.at(-1)!.ok).toBe(true)
    const set = (await services.call('settings.set', { backend: 'cpu' })) as { result: Settings }
    expect(set.result.backend).toBe('cpu')
    const after = (await services.call('app.info', {})) as { result: AppInfo }
    expect(after.result.backend!.active).toBe('cpu')
    expect(after.result.backend!.requested).toBe('cpu')
    await services.dispose()
    services = new Services({ mode: 'serve', configDir: cfg, launcher: forkLauncher })
    expect(((await services.call('settings.get', {})) as { result: Settings }).result.backend).toBe('cpu')
    const bad = await services.call('settings.set', { backend: 'gpu-please' })
    expect('error' in bad && bad.error.code).toBe('bad_params')
  })
})
