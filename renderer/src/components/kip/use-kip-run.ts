import { onBeforeUnmount, shallowRef, watch, type Ref } from 'vue'
import type { MetricSeries, RunDetail } from '../../../../shared/project'
import { getApi } from '../../api/index'
import { useRuns } from '../../stores/runs'
import { attempt } from '../../stores/toasts'

export interface KipArray {
  id: string
  shape: number[]
  data: Float32Array | Float64Array
  meta: Record<string, unknown>
}

const REFRESH_MS = 700
const METRICS = ['loss', 'test_accuracy', 'transfer_distilled_accuracy', 'transfer_random_accuracy'] as const

/**
 * A KIP run's live data: loss and accuracy series, and the newest support snapshot (display images and
 * labels). Refetched at most every 0.7 s while metric events stream; each snapshot artifact is read once.
 */
export function useKipRun(runId: Ref<string | null>) {
  const runs = useRuns()
  const detail = shallowRef<RunDetail | null>(null)
  const metrics = shallowRef<Record<string, MetricSeries>>({})
  const images = shallowRef<KipArray | null>(null)
  const labels = shallowRef<KipArray | null>(null)
  let busy = false
  let again = false
  let timer: ReturnType<typeof setTimeout> | null = null

  async function latest(d: RunDetail, name: string, current: KipArray | null): Promise<KipArray | null> {
    const a = d.artifacts.filter((x) => x.name === name).at(-1)
    if (!a || a.id === current?.id) return current
    const got = await attempt(() => getApi().invoke('artifacts.read', { artifactId: a.id }))
    return got ? { id: a.id, shape: got.shape, data: got.data, meta: got.meta } : current
  }

  async function refresh(): Promise<void> {
    const id = runId.value
    if (!id) return
    if (busy) {
      again = true
      return
    }
    busy = true
    try {
      const api = getApi()
      const d = await attempt(() => api.invoke('runs.get', { runId: id }), 'Could not load the KIP run')
      if (!d || id !== runId.value) return
      const names = METRICS.filter((n) => d.metricNames.includes(n))
      const got = await Promise.all(names.map((name) => attempt(() => api.invoke('runs.metric', { runId: id, name, maxPoints: 1500 }))))
      if (id !== runId.value) return
      const next: Record<string, MetricSeries> = {}
      got.forEach((s, i) => s && (next[names[i]!] = s))
      const img = await latest(d, 'support-preview', images.value)
      const lab = await latest(d, 'support-labels', labels.value)
      if (id !== runId.value) return
      detail.value = d
      metrics.value = next
      images.value = img
      labels.value = lab
    } finally {
      busy = false
      if (again) {
        again = false
        schedule()
      }
    }
  }

  function schedule(): void {
    if (timer) return
    timer = setTimeout(() => {
      timer = null
      void refresh()
    }, REFRESH_MS)
  }

  watch(
    runId,
    () => {
      detail.value = null
      metrics.value = {}
      images.value = null
      labels.value = null
      void refresh()
    },
    { immediate: true },
  )
  watch(() => (runId.value ? runs.metricTicks[runId.value] : undefined), schedule)
  watch(() => (runId.value ? runs.finishTicks[runId.value] : undefined), () => void refresh())
  onBeforeUnmount(() => {
    if (timer) clearTimeout(timer)
  })
  return { detail, metrics, images, labels, refresh }
}
