import path from 'node:path'
import type { JobEvent, JobSpecInput } from '../../../shared/index'
import { createProject, type ProjectHandle } from '../../../electron/engine/store/project-db'
import { importDataset } from '../../../electron/engine/data/import'
import type { ExecuteOutcome } from '../../../electron/engine/jobs/execute'
import { runJobInProject } from '../../helpers/run-job'

/** A project holding the two-moons example, standardised, split 70/30. */
export async function moonsProject(dir: string): Promise<{ project: ProjectHandle; datasetId: string }> {
  const project = createProject(path.join(dir, 'lab.ntkw'))
  const ds = await importDataset(project.db, 'example:moons', { recipe: { split: { train: 0.7, seed: 1 }, scale: 'standardize' } })
  return { project, datasetId: ds.id }
}

export async function runLab(project: ProjectHandle, spec: JobSpecInput): Promise<{ outcome: ExecuteOutcome; events: JobEvent[]; runId: string }> {
  const { outcome, events, runId } = await runJobInProject(project, spec)
  if (outcome.state === 'failed') throw new Error(`${spec.kind} failed: ${outcome.error}`)
  return { outcome, events, runId }
}

export function metricSeries(events: JobEvent[], name: string): { step: number; value: number }[] {
  return events.flatMap((e) => (e.type === 'metric' && e.name === name ? [{ step: e.step, value: e.value }] : []))
}

/** Solves (A + εI) x = b in float64 by Gaussian elimination with partial pivoting (test reference). */
export function solveF64(a: ArrayLike<number>, n: number, b: Float64Array, k: number, eps: number): Float64Array {
  const m = new Float64Array(n * n)
  for (let i = 0; i < n * n; i++) m[i] = a[i]!
  for (let i = 0; i < n; i++) m[i * n + i]! += eps
  const x = Float64Array.from(b)
  for (let c = 0; c < n; c++) {
    let p = c
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]!) > Math.abs(m[p * n + c]!)) p = r
    if (p !== c) {
      for (let j = 0; j < n; j++) [m[c * n + j], m[p * n + j]] = [m[p * n + j]!, m[c * n + j]!]
      for (let q = 0; q < k; q++) [x[c * k + q], x[p * k + q]] = [x[p * k + q]!, x[c * k + q]!]
    }
    for (let r = c + 1; r < n; r++) {
      const f = m[r * n + c]! / m[c * n + c]!
      if (f === 0) continue
      for (let j = c; j < n; j++) m[r * n + j]! -= f * m[c * n + j]!
      for (let q = 0; q < k; q++) x[r * k + q]! -= f * x[c * k + q]!
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    for (let q = 0; q < k; q++) {
      let s = x[c * k + q]!
      for (let j = c + 1; j < n; j++) s -= m[c * n + j]! * x[j * k + q]!
      x[c * k + q] = s / m[c * n + c]!
    }
  }
  return x
}
