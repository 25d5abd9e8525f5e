import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { EventPayload } from '../../../shared/ipc'
import type { JobSpecInput } from '../../../shared/jobs/spec'
import type { RunSummary } from '../../../shared/project'
import { getApi } from '../api/index'
import { attempt, useToasts } from './toasts'

const ACTIVE = new Set(['queued', 'running'])
/** finished jobs the jobs panel keeps showing */
const RECENT_IN_PANEL = 6

/**
 * Runs of the open project and the live job stream. runs.list gives the history; every 'job' push carries
 * the run's fresh summary, so the table, the jobs panel and the status bar update without polling.
 */
export const useRuns = defineStore('runs', () => {
  const byId = shallowRef(new Map<string, RunSummary>())
  const loaded = ref(false)
  /** runs submitted or seen running in this window, newest first: what the jobs panel shows */
  const sessionIds = ref<string[]>([])
  /** per run, bumped on every metric event (charts refetch throttled) */
  const metricTicks = ref<Record<string, number>>({})
  /** per run, bumped when it reaches a terminal state */
  const finishTicks = ref<Record<string, number>>({})
  /** when the user asked to cancel, per run (ms since epoch), to show "cancelling…" */
  const cancelRequested = ref<Record<string, number>>({})

  const list = computed(() => [...byId.value.values()].sort((a, b) => b.createdAt - a.createdAt))
  const active = computed(() => list.value.filter((r) => ACTIVE.has(r.state)))
  const running = computed(() => list.value.find((r) => r.state === 'running') ?? null)
  const panel = computed(() => {
    const shown = new Set<string>()
    const out: RunSummary[] = []
    for (const r of active.value) {
      shown.add(r.id)
      out.push(r)
    }
    let recent = 0
    for (const id of sessionIds.value) {
      const r = byId.value.get(id)
      if (!r || shown.has(id) || recent >= RECENT_IN_PANEL) continue
      recent++
      out.push(r)
    }
    return out
  })

  function upsert(s: RunSummary): void {
    const next = new Map(byId.value)
    next.set(s.id, s)
    byId.value = next
  }

  function remember(id: string): void {
    if (!sessionIds.value.includes(id)) sessionIds.value = [id, ...sessionIds.value]
  }

  async function load(): Promise<void> {
    const got = await attempt(() => getApi().invoke('runs.list'), 'Could not list runs')
    if (got) {
      byId.value = new Map(got.map((r) => [r.id, r]))
      for (const r of got) if (ACTIVE.has(r.state)) remember(r.id)
    }
    loaded.value = true
  }

  /** The open project changed: forget the old one's runs. */
  function reset(): void {
    byId.value = new Map()
    sessionIds.value = []
    metricTicks.value = {}
    finishTicks.value = {}
    cancelRequested.value = {}
    loaded.value = false
  }

  function onJob(p: EventPayload<'job'>): void {
    upsert(p.summary)
    const t = p.event.type
    if (t === 'queued' || t === 'started') remember(p.runId)
    if (t === 'metric') metricTicks.value = { ...metricTicks.value, [p.runId]: (metricTicks.value[p.runId] ?? 0) + 1 }
    if (t === 'done' || t === 'failed' || t === 'cancelled') {
      remember(p.runId)
      finishTicks.value = { ...finishTicks.value, [p.runId]: (finishTicks.value[p.runId] ?? 0) + 1 }
      const { [p.runId]: _, ...rest } = cancelRequested.value
      cancelRequested.value = rest
      if (t === 'failed') useToasts().push('error', `${p.summary.name} failed: ${p.event.error}`, p.event.hint)
    }
  }

  async function submit(spec: JobSpecInput): Promise<string | undefined> {
    const got = await attempt(() => getApi().invoke('jobs.submit', { spec: spec as never }), 'Could not start the job')
    if (!got) return undefined
    remember(got.runId)
    // The 'queued' push usually arrives first; fetch the summary in case this window missed it.
    if (!byId.value.has(got.runId)) {
      const d = await attempt(() => getApi().invoke('runs.get', { runId: got.runId }))
      if (d && !byId.value.has(got.runId)) upsert(d.summary)
    }
    return got.runId
  }

  async function cancel(runId: string): Promise<void> {
    cancelRequested.value = { ...cancelRequested.value, [runId]: Date.now() }
    const got = await attempt(() => getApi().invoke('jobs.cancel', { runId }), 'Could not cancel the job')
    if (!got) {
      const { [runId]: _, ...rest } = cancelRequested.value
      cancelRequested.value = rest
    }
  }

  async function remove(runId: string): Promise<boolean> {
    const ok = await attempt(() => getApi().invoke('runs.delete', { runId }), 'Could not delete the run')
    if (ok === undefined) return false
    const next = new Map(byId.value)
    next.delete(runId)
    byId.value = next
    sessionIds.value = sessionIds.value.filter((id) => id !== runId)
    return true
  }

  function get(id: string): RunSummary | undefined {
    return byId.value.get(id)
  }

  return { byId, list, active, running, panel, loaded, sessionIds, metricTicks, finishTicks, cancelRequested, load, reset, onJob, submit, cancel, remove, get }
})
