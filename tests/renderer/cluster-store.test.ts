// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { setApi } from '../../renderer/src/api/index'
import { ApiError } from '../../renderer/src/api/errors'
import { useApp } from '../../renderer/src/stores/app'
import { STATUS_POLL_MS, useCluster } from '../../renderer/src/stores/cluster'
import type { ClusterStatus } from '../../shared/cluster'
import type { Settings } from '../../shared/settings'
import { fakeApi } from './fake-api'

// The workers list is read by one poll however many views show it, only while one does, and only when
// Settings ▸ Compute names a Redis; Test connection reports what the server said, with its hint.

const redis: Settings = { theme: 'system', backend: 'auto', autosaveSeconds: 30, compute: { mode: 'redis', url: 'redis://:********@127.0.0.1:6380/0', insecure: false } }
const status: ClusterStatus = { queue: 'ntkw-tiles', where: 'redis://127.0.0.1:6380/0', workers: [], counts: { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 }, recentFailures: [] }

beforeEach(() => {
  setActivePinia(createPinia())
  vi.useFakeTimers()
})
afterEach(() => vi.useRealTimers())

describe('cluster store', () => {
  it('two views showing the workers make one poll; none after both stop; none while compute is this machine', async () => {
    const f = fakeApi({ 'cluster.status': () => status })
    setApi(f.api)
    const app = useApp()
    app.settings = { ...redis, compute: { mode: 'local' } }
    const cluster = useCluster()
    const stopLocal = cluster.watch()
    await vi.advanceTimersByTimeAsync(3 * STATUS_POLL_MS)
    expect(f.callsOf('cluster.status')).toHaveLength(0)
    stopLocal()

    app.settings = redis
    const a = cluster.watch()
    const b = cluster.watch()
    await vi.advanceTimersByTimeAsync(0)
    expect(f.callsOf('cluster.status')).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(3 * STATUS_POLL_MS)
    expect(f.callsOf('cluster.status')).toHaveLength(4)
    expect(cluster.status).toEqual(status)
    a()
    a() // a second stop of the same view changes nothing
    await vi.advanceTimersByTimeAsync(2 * STATUS_POLL_MS)
    expect(f.callsOf('cluster.status')).toHaveLength(6)
    b()
    await vi.advanceTimersByTimeAsync(5 * STATUS_POLL_MS)
    expect(f.callsOf('cluster.status')).toHaveLength(6)
  })

  it('Test connection reports the server\'s refusal with its hint; a success names the workers', async () => {
    let fail = true
    const f = fakeApi({
      'cluster.test': () => {
        if (fail) throw new ApiError({ message: 'redis://127.0.0.1:6380/0: wrong password (the server refused it)', code: 'redis_auth', hint: 'Give the password set by requirepass.' })
        return { where: 'redis://127.0.0.1:6380/0', serverVersion: '7.0.15', latencyMs: 1.2, workers: 2 }
      },
    })
    setApi(f.api)
    useApp().settings = redis
    const cluster = useCluster()
    expect(await cluster.test('redis://:nope@127.0.0.1:6380/0', false)).toEqual({ ok: false, text: 'redis://127.0.0.1:6380/0: wrong password (the server refused it)', hint: 'Give the password set by requirepass.' })
    fail = false
    const ok = await cluster.test('redis://:********@127.0.0.1:6380/0', false)
    expect(ok).toEqual({ ok: true, text: 'Connected to redis://127.0.0.1:6380/0 (Redis 7.0.15, 1 ms): 2 workers serving the queue.' })
    expect(f.callsOf('cluster.test').map((c) => c.params)).toEqual([{ url: 'redis://:nope@127.0.0.1:6380/0', insecure: false }, { url: 'redis://:********@127.0.0.1:6380/0', insecure: false }])
  })
})
