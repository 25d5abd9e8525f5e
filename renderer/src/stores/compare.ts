import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { DatasetSummary } from '../../../shared/dataset'
import type { Experiment, MetricSeries } from '../../../shared/project'
import { resultOf } from '../../../shared/jobs/results'
import { getApi } from '../api/index'
import { describeArch } from '../forms/lab-form'
import { formatNumber } from '../format'
import { attempt } from './toasts'
import { NetArch } from '../../../shared/arch'
import { trainedNetName } from './models'

export interface RunInfo {
  spec: unknown
  result: unknown
  metricNames: string[]
}

/** Concurrent runs.get requests while filling the table. */
const PARALLEL = 4

/**
 * The Runs page's comparison: which runs are ticked (any number), which one is the pinned baseline, the
 * metric overlaid; plus what the table shows per run (spec and result, fetched once per finished run).
 */
export const useCompare = defineStore('compare', () => {
  const selected = ref<string[]>([])
  const baseline = ref<string | null>(null)
  const metric = ref<string | null>(null)
  const info = shallowRef(new Map<string, RunInfo>())
  const experiments = shallowRef(new Map<string, Experiment>())
  const datasets = shallowRef(new Map<string, DatasetSummary>())
  const pending = new Set<string>()

  /** overlay members: the baseline first, then the ticked runs in the order they were ticked */
  const members = computed(() => {
    const ids = baseline.value ? [baseline.value, ...selected.value.filter((id) => id !== baseline.value)] : selected.value
    return [...new Set(ids)]
  })

  /** metric names any member has, sorted */
  const metricChoices = computed(() => {
    const s = new Set<string>()
    for (const id of members.value) for (const n of info.value.get(id)?.metricNames ?? []) s.add(n)
    return [...s].sort()
  })

  function toggle(id: string): void {
    selected.value = selected.value.includes(id) ? selected.value.filter((x) => x !== id) : [...selected.value, id]
  }

  function setAll(ids: string[]): void {
    selected.value = [...ids]
  }

  function pin(id: string | null): void {
    baseline.value = baseline.value === id ? null : id
  }

  function forget(id: string): void {
    selected.value = selected.value.filter((x) => x !== id)
    if (baseline.value === id) baseline.value = null
    const next = new Map(info.value)
    next.delete(id)
    info.value = next
  }

  function reset(): void {
    selected.value = []
    baseline.value = null
    metric.value = null
    info.value = new Map()
    experiments.value = new Map()
    datasets.value = new Map()
  }

  async function loadContext(): Promise<void> {
    const api = getApi()
    const [ex, ds] = await Promise.all([attempt(() => api.invoke('experiments.list')), attempt(() => api.invoke('datasets.list'))])
    if (ex) experiments.value = new Map(ex.map((e) => [e.id, e]))
    if (ds) datasets.value = new Map(ds.map((d) => [d.id, d]))
  }

  /** Fetches spec/result/metric names of the given runs not known yet (or forced, e.g. after they finish). */
  async function ensure(ids: string[], force = false): Promise<void> {
    const todo = ids.filter((id) => (force || !info.value.has(id)) && !pending.has(id))
    todo.forEach((id) => pending.add(id))
    const api = getApi()
    let i = 0
    const worker = async (): Promise<void> => {
      while (i < todo.length) {
        const id = todo[i++]!
        const d = await attempt(() => api.invoke('runs.get', { runId: id }))
        pending.delete(id)
        if (!d) continue
        const next = new Map(info.value)
        next.set(id, { spec: d.spec, result: d.result, metricNames: d.metricNames })
        info.value = next
      }
    }
    await Promise.all(Array.from({ length: Math.min(PARALLEL, todo.length) }, worker))
  }

  function datasetOf(id: string): string {
    const spec = info.value.get(id)?.spec as { data?: { datasetId?: string }; path?: string; x?: { datasetId?: string }; xTrain?: { datasetId?: string } } | undefined
    const dsId = spec?.data?.datasetId ?? spec?.x?.datasetId ?? spec?.xTrain?.datasetId
    if (dsId) return datasets.value.get(dsId)?.name ?? dsId.slice(0, 8)
    if (spec?.path) return spec.path.split(/[\\/]/).pop() ?? spec.path
    return '—'
  }

  function archOf(id: string): string {
    const spec = info.value.get(id)?.spec as { arch?: unknown; widths?: unknown; network?: unknown } | undefined
    if (spec?.arch) return describeArch(spec.arch, spec.widths)
    // a network trained from the Models page (ARCH.json layers)
    const net = NetArch.safeParse(spec?.network)
    return net.success ? trainedNetName(net.data) : '—'
  }

  function experimentOf(experimentId: string | null): string {
    if (!experimentId) return '—'
    return experiments.value.get(experimentId)?.name ?? 'deleted experiment'
  }

  /** The one or two numbers a reader compares runs by, per kind. */
  function keyMetrics(id: string, kind: string): string {
    const stored = info.value.get(id)
    if (!stored?.result) return '—'
    const run = { summary: { kind }, result: stored.result }
    const pct = (v: number | null | undefined): string => (typeof v === 'number' ? `${(100 * v).toFixed(1)} %` : '—')
    const num = (v: unknown): string => (typeof v === 'number' ? formatNumber(v, 3) : '—')
    switch (kind) {
      case 'lab-kernel': {
        const r = resultOf(run, 'lab-kernel')
        return typeof r?.ntk?.testAccuracy === 'number' ? `acc NTK ${pct(r.ntk.testAccuracy)} · NNGP ${pct(r.nngp?.testAccuracy)}` : `MSE NTK ${num(r?.ntk?.testMse)} · NNGP ${num(r?.nngp?.testMse)}`
      }
      case 'width-sweep': {
        const fit = resultOf(run, 'width-sweep')?.fit
        return `slope ${num(fit?.slope)} (r² ${num(fit?.r2)})`
      }
      case 'train-vs-theory': {
        const w = resultOf(run, 'train-vs-theory')?.widths?.at(-1)
        return w ? `w=${w.width}: train ${num(w.finalTrainLoss)} · test ${num(w.finalTestLoss)}` : '—'
      }
      case 'lab-spectrum': {
        const r = resultOf(run, 'lab-spectrum')
        return `t* ${num(r?.tStar)} · test ${num(r?.minTestLoss)}`
      }
      case 'lab-efficiency':
        return `exact acc ${pct(resultOf(run, 'lab-efficiency')?.exactAccuracy)}`
      case 'kip': {
        const r = resultOf(run, 'kip')
        return `acc ${pct(r?.finalAccuracy)} (from ${pct(r?.initialAccuracy)})`
      }
      case 'distill': {
        const r = resultOf(run, 'distill')
        return `student ${pct(r?.final?.studentAccuracy)} · teacher ${pct(r?.teacherAccuracy)}`
      }
      case 'self-distill':
        return `test MSE ${num(resultOf(run, 'self-distill')?.finalTestMse?.optimal)}`
      case 'train': {
        const f = resultOf(run, 'train')?.final
        if (!f) return '—'
        return 'accuracy' in f ? `acc ${pct(f.accuracy)} · test ${num(f.testLoss)}` : `acc ${pct(f.testAccuracy ?? f.valAccuracy)} · loss ${num(f.testLoss ?? f.valLoss)}`
      }
      case 'model-evaluate': {
        const r = resultOf(run, 'model-evaluate')
        return `acc ${pct(r?.accuracy)} · loss ${num(r?.loss)}`
      }
      case 'predict': {
        const m = resultOf(run, 'predict')?.metrics?.at(-1)
        return m ? (m.testAccuracy !== undefined ? `acc ${pct(m.testAccuracy)}` : `test MSE ${num(m.testMse ?? m.trainMse)}`) : '—'
      }
      case 'quantize':
        return `float acc ${pct(resultOf(run, 'quantize')?.float?.accuracy)}`
      default:
        return '—'
    }
  }

  /** Full-resolution series of one metric for several runs (for export), up to the API's 100 000 points. */
  async function fullSeries(ids: string[], name: string): Promise<{ runId: string; series: MetricSeries }[]> {
    const api = getApi()
    const out = await Promise.all(
      ids.map(async (runId) => {
        if (!(info.value.get(runId)?.metricNames ?? []).includes(name)) return null
        const s = await attempt(() => api.invoke('runs.metric', { runId, name, maxPoints: 100_000 }), `Could not read ${name}`)
        return s ? { runId, series: s } : null
      }),
    )
    return out.filter((x): x is { runId: string; series: MetricSeries } => x !== null)
  }

  return { selected, baseline, metric, info, experiments, datasets, members, metricChoices, toggle, setAll, pin, forget, reset, loadContext, ensure, datasetOf, archOf, experimentOf, keyMetrics, fullSeries }
})
