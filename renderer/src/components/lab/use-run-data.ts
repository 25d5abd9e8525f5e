import { onBeforeUnmount, shallowRef, watch, type Ref } from 'vue'
import type { MetricSeries, RunDetail } from '../../../../shared/project'
import { getApi } from '../../api/index'
import { useRuns } from '../../stores/runs'
import { attempt } from '../../stores/toasts'

export interface ArrayArtifact {
  name: string
  shape: number[]
  data: number[]
  meta: Record<string, unknown>
}

/** Refetch at most this often while a job streams metrics. */
export const LIVE_REFRESH_MS = 500

/** Which metrics a lab chart draws while the run streams (the rest arrives in artifacts at the end). */
export function liveMetrics(kind: string, names: readonly string[]): string[] {
  if (kind === 'width-sweep') return names.filter((n) => n === 'rel_error')
  if (kind === 'train-vs-theory') return names.filter((n) => /^(train_loss|test_loss|theory_train_loss|theory_test_loss|kernel_drift)\//.test(n))
  if (kind === 'distill') return names.filter((n) => /^(student_accuracy|teacher_accuracy|agreement|kl_teacher_student)$/.test(n))
  if (kind === 'distill-study') return names.filter((n) => n.startsWith('student_accuracy/'))
  return []
}

function sameSeries(a: MetricSeries, b: MetricSeries): boolean {
  return a.total === b.total && a.steps.length === b.steps.length && a.steps.at(-1) === b.steps.at(-1) && a.values.at(-1) === b.values.at(-1)
}

/**
 * A stored run as the lab charts need it: its detail, the metrics they draw (server-side LTTB to
 * `maxPoints`) and its small artifacts. While the run streams, metric events trigger a throttled refetch
 * (one request in flight; a tick arriving meanwhile schedules one more); artifacts are read once.
 */
export function useRunData(runId: Ref<string | null>, opts: { maxPoints?: number } = {}) {
  const runs = useRuns()
  const detail = shallowRef<RunDetail | null>(null)
  const metrics = shallowRef<Record<string, MetricSeries>>({})
  const arrays = shallowRef<Record<string, ArrayArtifact>>({})
  const json = shallowRef<Record<string, unknown>>({})
  const loading = shallowRef(false)
  let inFlight = false
  let again = false
  let timer: ReturnType<typeof setTimeout> | null = null
  let lastFetch = 0

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
      const api = getApi()
      const d = await attempt(() => api.invoke('runs.get', { runId: id }), 'Could not load the run')
      if (!d || id !== runId.value) return
      detail.value = d
      const names = liveMetrics(d.summary.kind, d.metricNames)
      const got = await Promise.all(names.map((name) => attempt(() => api.invoke('runs.metric', { runId: id, name, maxPoints: opts.maxPoints ?? 2000 }))))
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
      // Artifacts exist once the run is done; each is immutable, so read it once.
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
      void refresh()
    },
  )
  onBeforeUnmount(() => timer && clearTimeout(timer))

  return { detail, metrics, arrays, json, loading, refresh }
}
