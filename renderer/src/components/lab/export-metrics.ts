import type { MetricSeries } from '../../../../shared/project'
import { getApi } from '../../api/index'
import { attempt } from '../../stores/toasts'
import { downloadBlob } from '../../download'
import { metricsCsv } from './options-overlay'

export interface MetricRows {
  runId: string
  run: string
  metric: string
  steps: readonly number[]
  values: readonly number[]
  baseline?: boolean
}

/** Offers text as a file download (browser and Electron alike). */
export function saveText(text: string, type: string, filename: string): void {
  downloadBlob(new Blob([text], { type }), filename)
}

export function safeFileName(s: string): string {
  return s.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'metrics'
}

/** CSV (one row per point) or JSON ({ runs: [...] }) of the given series. */
export function exportMetrics(rows: MetricRows[], fmt: 'csv' | 'json', base: string): void {
  if (fmt === 'csv') saveText(metricsCsv(rows), 'text/csv', `${safeFileName(base)}.csv`)
  else saveText(JSON.stringify({ series: rows.map((r) => ({ ...r, steps: [...r.steps], values: [...r.values] })) }, null, 1), 'application/json', `${safeFileName(base)}.json`)
}

/** Every metric of one run at full resolution (up to the API's 100 000 points per series). */
export async function runMetricRows(runId: string, run: string, names: string[]): Promise<MetricRows[]> {
  const api = getApi()
  const got = await Promise.all(names.map((name) => attempt(() => api.invoke('runs.metric', { runId, name, maxPoints: 100_000 }), `Could not read ${name}`)))
  return got.filter((s): s is MetricSeries => Boolean(s)).map((s) => ({ runId, run, metric: s.name, steps: s.steps, values: s.values }))
}
