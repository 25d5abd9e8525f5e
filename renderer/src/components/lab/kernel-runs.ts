import type { RunSummary } from '../../../../shared/project'
import { resultOf } from '../../../../shared/jobs/results'
import { describeArch } from '../../forms/lab-form'

// The lab's side-by-side view of kernel experiments on one dataset (FC against conv, one preset against
// another): one row per finished run, from the run list and each run's stored spec and result.

export interface KernelRow {
  runId: string
  name: string
  arch: string
  train: number
  test: number
  ntkAccuracy: number | null
  nngpAccuracy: number | null
  ntkMse: number
  nngpMse: number
  seconds: number | null
}

export interface KernelRunInfo {
  spec: unknown
  result: unknown
}

/** Rows for the finished kernel runs on `datasetId`, newest first, at most `limit`. */
export function kernelRows(runs: readonly RunSummary[], stored: ReadonlyMap<string, KernelRunInfo>, datasetId: string, limit = 8): KernelRow[] {
  const rows: KernelRow[] = []
  const newest = [...runs].filter((r) => r.kind === 'lab-kernel' && r.state === 'succeeded').sort((a, b) => b.createdAt - a.createdAt)
  for (const r of newest) {
    const s = stored.get(r.id)
    const spec = s?.spec as { data?: { datasetId?: string }; arch?: unknown } | undefined
    if (spec?.data?.datasetId !== datasetId) continue
    const res = resultOf({ summary: { kind: r.kind }, result: s?.result }, 'lab-kernel')
    if (!res) continue
    rows.push({
      runId: r.id,
      name: r.name,
      arch: describeArch(spec.arch),
      train: res.n,
      test: res.m,
      ntkAccuracy: res.ntk.testAccuracy,
      nngpAccuracy: res.nngp.testAccuracy,
      ntkMse: res.ntk.testMse,
      nngpMse: res.nngp.testMse,
      seconds: r.startedAt !== null && r.finishedAt !== null ? (r.finishedAt - r.startedAt) / 1000 : null,
    })
    if (rows.length >= limit) break
  }
  return rows
}
