import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { ClusterStatus } from '../../../shared/cluster'
import type { Compute } from '../../../shared/settings'
import { getApi, toApiError } from '../api/index'
import { useApp } from './app'
import { attempt } from './toasts'

/** how often the workers list is read while a view shows it */
export const STATUS_POLL_MS = 2000

export type TestOutcome = { ok: true; text: string } | { ok: false; text: string; hint: string | null }

/**
 * Settings ▸ Compute (issue 20) and the workers of its Redis. The status is read by one poll however many
 * views show it (each view calls watch() while mounted and the returned function when it goes), through
 * `cluster.status`, the function `ntkw workers` prints.
 */
export const useCluster = defineStore('cluster', () => {
  const app = useApp()
  const status = shallowRef<ClusterStatus | null>(null)
  const statusError = ref<string | null>(null)
  const testing = ref(false)
  const lastTest = ref<TestOutcome | null>(null)
  const compute = computed<Compute>(() => app.settings?.compute ?? { mode: 'local' })
  const onRedis = computed(() => compute.value.mode === 'redis')

  let watchers = 0
  let timer: ReturnType<typeof setTimeout> | null = null
  let reading = false

  async function refresh(): Promise<void> {
    if (reading) return
    if (!onRedis.value) {
      status.value = null
      statusError.value = null
      return
    }
    reading = true
    try {
      status.value = await getApi().invoke('cluster.status')
      statusError.value = null
    } catch (e) {
      const err = toApiError(e)
      statusError.value = err.hint ? `${err.message}. ${err.hint}` : err.message
    } finally {
      reading = false
    }
  }

  function schedule(): void {
    timer = setTimeout(() => {
      timer = null
      void refresh().finally(() => {
        if (watchers > 0) schedule()
      })
    }, STATUS_POLL_MS)
  }

  /** Keeps the status fresh while the caller shows it; call the returned function when it stops. */
  function watch(): () => void {
    watchers++
    if (watchers === 1) {
      void refresh()
      schedule()
    }
    let done = false
    return () => {
      if (done) return
      done = true
      watchers--
      if (watchers === 0 && timer) {
        clearTimeout(timer)
        timer = null
      }
    }
  }

  /** Saves the choice; the next runs follow it (a queued or running one keeps where it was sent). */
  async function save(c: Compute): Promise<boolean> {
    const saved = await attempt(() => getApi().invoke('settings.set', { compute: c }), 'Could not save the compute setting')
    if (!saved) return false
    app.settings = saved
    lastTest.value = null
    await refresh()
    return true
  }

  /** One connection attempt to the URL typed (a masked password means the saved one). */
  async function test(url: string, insecure: boolean): Promise<TestOutcome> {
    testing.value = true
    try {
      const r = await getApi().invoke('cluster.test', { url, insecure })
      const workers = r.workers === 1 ? '1 worker' : `${r.workers} workers`
      lastTest.value = { ok: true, text: `Connected to ${r.where} (Redis ${r.serverVersion}, ${r.latencyMs.toFixed(0)} ms): ${workers} serving the queue.` }
    } catch (e) {
      const err = toApiError(e)
      lastTest.value = { ok: false, text: err.message, hint: err.hint ?? null }
    } finally {
      testing.value = false
    }
    return lastTest.value
  }

  return { status, statusError, testing, lastTest, compute, onRedis, refresh, watch, save, test }
})
