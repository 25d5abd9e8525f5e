import { onBeforeUnmount, shallowRef, watch, type Ref } from 'vue'
import type { MetricSeries, RunDetail } from '../../../../shared/project'
import type { ArrayArtifact } from '../../../../shared/ipc'
import { getApi } from '../../api/index'
import { useRuns } from '../../stores/runs'
import { attempt } from '../../stores/toasts'
import { lttb } from '../../../../shared/lttb'

/** an array artifact as read: `data` is a typed array (binary over the WebSocket, structured clone over IPC) */
export type { ArrayArtifact } from '../../../../shared/ipc'

/** Refetch at most this often while a job streams metrics. */
export const LIVE_REFRESH_MS = 500

/** Which metrics a lab chart draws while the run streams (the rest arrives in artifacts at the end). */
export function liveMetrics(kind: string, names: readonly string[]): string[] {
  if (kind === 'width-sweep') return names.filter((n) => n === 'rel_error')
  if (kind === 'train-vs-theory') return names.filter((n) => /^(train_loss|test_loss|theory_train_loss|theory_test_loss|kernel_drift)\//.test(n))
  return []
}

function sameSeries(a: MetricSeries, b: MetricSeries): boolean {
  return a.total === b.total && a.steps.length === b.steps.length && a.steps.at(-1) === b.steps.at(-1) && a.values.at(-1) === b.values.at(-1)
}

/**
 * A stored run as the lab charts need it: its detail, the metrics they draw and its small artifacts.
 * A finished run is read once (server-side LTTB to `maxPoints` per series). A running run is followed by
 * increments: each tick asks `runs.metricsSince` for the points stored after the last cursor (one call for
 * all series, with the run's summary), appends them and down-samples locally; `runs.get` is read again only
 * when the run finishes. Ticks are throttled (one request in flight; a tick arriving meanwhile schedules one
 * more); artifacts are immutable and read once.
 */
export function useRunData(runId: Ref<string | null>, opts: { maxPoints?: number } = {}) {
  const runs = useRuns()
  const detail = shallowRef<RunDetail | null>(null)
  const metrics = shallowRef<Record<string, MetricSeries>>({})
  const arrays = shallowRef<Record<string, ArrayArtifact>>({})
  const json = shallowRef<Record<string, unknown>>({})
  const loading = shallowRef(false)
  const maxPoints = opts.maxPoints ?? 2000
  let inFlight = false
  let again = false
  let timer: ReturnType<typeof setTimeout> | null = null
  let lastFetch = 0
  /** re-read the whole detail on the next refresh (first load, run finished) */
  let needDetail = true
  /** following a running run by increments: raw points per series and the cursor after them */
  let raw: Record<string, { steps: number[]; values: number[] }> = {}
  let cursor = 0
  let following = false

  function isLive(state: string): boolean {
    return state === 'running' || state === 'queued'
  }

  /** Appends the points stored since the cursor; republishes only the series that moved. */
  async function pullIncrements(id: string): Promise<boolean> {
    const api = getApi()
    const changed = new Set<string>()
    for (;;) {
      const inc = await attempt(() => api.invoke('runs.metricsSince', { runId: id, since: cursor }), 'Could not load the run')
      if (!inc || id !== runId.value) return false
      cursor = inc.cursor
      for (const s of inc.series) {
        const r = (raw[s.name] ??= { steps: [], values: [] })
        for (let k = 0; k < s.steps.length; k++) {
          r.steps.push(s.steps[k]!)
          r.values.push(s.values[k]!)
        }
        changed.add(s.name)
      }
      const d = detail.value
      if (d) {
        const names = d.metricNames.concat(inc.series.map((s) => s.name).filter((n) => !d.metricNames.includes(n))).sort()
        detail.value = { ...d, summary: inc.summary, metricNames: names }
      }
      if (inc.complete) break
    }
    const kind = detail.value?.summary.kind ?? ''
    const names = liveMetrics(kind, Object.keys(raw))
    if (!changed.size && names.length === Object.keys(metrics.value).length) return true
    const next: Record<string, MetricSeries> = {}
    for (const name of names) {
      const r = raw[name]!
      if (!changed.has(name) && metrics.value[name]) next[name] = metrics.value[name]
      else {
        const [steps, values] = lttb(r.steps, r.values, maxPoints)
        next[name] = { name, steps, values, total: r.steps.length }
      }
    }
    metrics.value = next
    return true
  }

  async function loadFinished(id: string, d: RunDetail): Promise<void> {
    const api = getApi()
    const names = liveMetrics(d.summary.kind, d.metricNames)
    const got = await Promise.all(names.map((name) => attempt(() => api.invoke('runs.metric', { runId: id, name, maxPoints }))))
    if (id !== runId.value) return
    // Keep the previous object of a series that did not change, and the map itself when nothing did:
    // charts then redraw only when their data moved.
    const prev = metrics.value
    const next: Record<string, MetricSeries> = {}
    let changed = Object.keys(prev).length !== names.length
    got.forEach((s, i) => {
      const name = names[i]!
      const old = prev[name]
      if (s && old && sameSeries(old, s)) next[name] = old
      else if (s) {
        next[name] = s
        changed = true
      }
    })
    if (changed) metrics.value = next
  }

  async function readArtifacts(id: string, d: RunDetail): Promise<void> {
    const api = getApi()
    const want = d.artifacts.filter((a) => !(a.name in arrays.value) && !(a.name in json.value))
    for (const a of want) {
      if (a.type === 'json') {
        const v = await attempt(() => api.invoke('artifacts.json', { artifactId: a.id }), `Could not read ${a.name}`)
        if (v !== undefined && id === runId.value) json.value = { ...json.value, [a.name]: v }
      } else if ((a.shape ?? []).reduce((x, y) => x * y, 1) <= 1 << 20) {
        const v = await attempt(() => api.invoke('artifacts.read', { artifactId: a.id }), `Could not read ${a.name}`)
        if (v && id === runId.value) arrays.value = { ...arrays.value, [a.name]: v }
      }
    }
  }

  async function refresh(): Promise<void> {
    const id = runId.value
    if (!id) return
    if (inFlight) {
      again = true
      return
    }
    inFlight = true
    loading.value = !detail.value
    lastFetch = Date.now()
    try {
      if (!needDetail && following) {
        await pullIncrements(id)
        return
      }
      const d = await attempt(() => getApi().invoke('runs.get', { runId: id }), 'Could not load the run')
      if (!d || id !== runId.value) return
      needDetail = false
      detail.value = d
      if (isLive(d.summary.state)) {
        following = true
        await pullIncrements(id)
      } else {
        following = false
        raw = {}
        cursor = 0
        await loadFinished(id, d)
      }
      if (id === runId.value) await readArtifacts(id, d)
    } finally {
      inFlight = false
      loading.value = false
      if (again) {
        again = false
        schedule()
      }
    }
  }

  function schedule(): void {
    if (timer) return
    const wait = Math.max(0, LIVE_REFRESH_MS - (Date.now() - lastFetch))
    timer = setTimeout(() => {
      timer = null
      void refresh()
    }, wait)
  }

  watch(
    runId,
    () => {
      detail.value = null
      metrics.value = {}
      arrays.value = {}
      json.value = {}
      again = false
      needDetail = true
      following = false
      raw = {}
      cursor = 0
      void refresh()
    },
    { immediate: true },
  )
  watch(
    () => (runId.value ? runs.metricTicks[runId.value] : undefined),
    (t) => t !== undefined && schedule(),
  )
  watch(
    () => (runId.value ? runs.finishTicks[runId.value] : undefined),
    (t) => {
      if (t === undefined) return
      if (timer) clearTimeout(timer)
      timer = null
      needDetail = true
      if (inFlight) again = true
      else void refresh()
    },
  )
  onBeforeUnmount(() => timer && clearTimeout(timer))

  return { detail, metrics, arrays, json, loading, refresh }
}
