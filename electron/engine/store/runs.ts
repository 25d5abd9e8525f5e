import { randomUUID } from 'node:crypto'
import type { JobEvent, JobSpec, JobState, LogLine, RunDetail, RunSummary, ArtifactInfo } from '../../../shared/index'
import type { Db } from './project-db'

// Runs, their logs and metric series. Every write is its own short transaction so the file always holds
// the last committed state of every run.

interface RunRow {
  id: string
  kind: string
  name: string
  spec_json: string
  state: JobState
  seed: number
  backend: string | null
  versions_json: string
  dataset_hash: string | null
  created_at: number
  started_at: number | null
  finished_at: number | null
  progress: number
  message: string
  eta: number | null
  error: string | null
  result_json: string | null
  experiment_id: string | null
}

export function toSummary(r: RunRow): RunSummary {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    state: r.state,
    seed: r.seed,
    backend: r.backend,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    progress: r.progress,
    message: r.message,
    eta: r.eta,
    error: r.error,
    datasetHash: r.dataset_hash,
    experimentId: r.experiment_id,
  }
}

export function defaultRunName(spec: JobSpec): string {
  return spec.name ?? spec.kind.replace(/-/g, ' ')
}

export class RunStore {
  constructor(private readonly db: Db) {}

  create(spec: JobSpec, versions: Record<string, string>, id: string = randomUUID(), experimentId?: string): RunSummary {
    const now = Date.now()
    this.db
      .prepare(
        `INSERT INTO runs (id, kind, name, spec_json, state, seed, versions_json, created_at, experiment_id) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?)`,
      )
      .run(id, spec.kind, defaultRunName(spec), JSON.stringify(spec), spec.seed, JSON.stringify(versions), now, experimentId ?? null)
    return this.get(id)!
  }

  get(id: string): RunSummary | null {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined
    return row ? toSummary(row) : null
  }

  row(id: string): RunRow | null {
    return (this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined) ?? null
  }

  /** Everything the Runs view shows about one run, assembled in one read transaction. */
  detail(id: string): RunDetail | null {
    return this.db.transaction((): RunDetail | null => {
      const row = this.row(id)
      if (!row) return null
      return {
        summary: toSummary(row),
        spec: JSON.parse(row.spec_json) as unknown,
        result: row.result_json ? (JSON.parse(row.result_json) as unknown) : null,
        versions: JSON.parse(row.versions_json) as Record<string, string>,
        logs: this.logs(id),
        metricNames: this.metricNames(id),
        artifacts: this.artifacts(id),
      }
    })()
  }

  /**
   * Metric points stored after `since` (a rowid cursor; 0 = all), grouped by series in step order, at most
   * `limit` points per call: live views ask for what is new instead of re-reading every series.
   */
  metricsSince(id: string, since: number, names: readonly string[] | undefined, limit = 50_000): { cursor: number; complete: boolean; series: { name: string; steps: number[]; values: number[] }[] } {
    const rows = this.db
      .prepare(metricsSinceSql(names?.length ?? 0))
      .all(id, since, ...(names && names.length ? names : []), limit + 1) as { seq: number; name: string; step: number; value: number }[]
    const complete = rows.length <= limit
    if (!complete) rows.length = limit
    const by = new Map<string, { name: string; steps: number[]; values: number[] }>()
    for (const r of rows) {
      let s = by.get(r.name)
      if (!s) by.set(r.name, (s = { name: r.name, steps: [], values: [] }))
      s.steps.push(r.step)
      s.values.push(r.value)
    }
    return { cursor: rows.length ? rows[rows.length - 1]!.seq : since, complete, series: [...by.values()] }
  }

  list(): RunSummary[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC, rowid DESC').all() as RunRow[]).map(toSummary)
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM runs WHERE id = ?').run(id)
  }

  setBackend(id: string, backend: string): void {
    this.db.prepare('UPDATE runs SET backend = ? WHERE id = ?').run(backend, id)
  }

  setDatasetHash(id: string, hash: string): void {
    this.db.prepare('UPDATE runs SET dataset_hash = ? WHERE id = ?').run(hash, id)
  }

  /** Applies one job event to the stored run. */
  apply(id: string, e: JobEvent): void {
    switch (e.type) {
      case 'queued':
        this.db.prepare("UPDATE runs SET state = 'queued' WHERE id = ?").run(id)
        break
      case 'started':
        this.db.prepare("UPDATE runs SET state = 'running', started_at = ?, backend = ? WHERE id = ?").run(e.t, e.backend, id)
        break
      case 'progress':
        this.db.prepare('UPDATE runs SET progress = ?, message = ?, eta = ? WHERE id = ?').run(e.fraction, e.message, e.eta, id)
        break
      case 'metric':
        this.db.prepare('INSERT INTO metrics (run_id, name, step, value, t) VALUES (?, ?, ?, ?, ?)').run(id, e.name, e.step, e.value, e.t)
        break
      case 'log':
        this.db
          .prepare('INSERT INTO run_logs (run_id, seq, t, level, message) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM run_logs WHERE run_id = ?), ?, ?, ?)')
          .run(id, id, e.t, e.level, e.message)
        break
      case 'artifact':
        break // the artifact row is written by whoever stored it
      case 'done':
        this.db
          .prepare("UPDATE runs SET state = 'succeeded', finished_at = ?, progress = 1, eta = 0, result_json = ?, message = '' WHERE id = ?")
          .run(e.t, JSON.stringify(e.result ?? null), id)
        break
      case 'failed':
        this.db
          .prepare("UPDATE runs SET state = 'failed', finished_at = ?, error = ?, eta = NULL WHERE id = ?")
          .run(e.t, e.hint ? `${e.error}\n${e.hint}` : e.error, id)
        break
      case 'cancelled':
        this.db.prepare("UPDATE runs SET state = 'cancelled', finished_at = ?, eta = NULL WHERE id = ?").run(e.t, id)
        break
    }
  }

  /** Metric events arrive in bursts; store them in one transaction per batch. */
  applyMany(id: string, events: JobEvent[]): void {
    this.db.transaction(() => {
      for (const e of events) this.apply(id, e)
    })()
  }

  /** Runs left 'running' or 'queued' by a crash are failed on open, with a message saying why. */
  failInterrupted(): number {
    return this.db
      .prepare("UPDATE runs SET state = 'failed', error = 'interrupted: the app or engine stopped while this job was running', finished_at = ? WHERE state IN ('queued', 'running')")
      .run(Date.now()).changes
  }

  logs(id: string, limit = 500): LogLine[] {
    const rows = this.db
      .prepare('SELECT t, level, message FROM run_logs WHERE run_id = ? ORDER BY seq DESC LIMIT ?')
      .all(id, limit) as LogLine[]
    return rows.reverse()
  }

  metricNames(id: string): string[] {
    return (this.db.prepare('SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name').all(id) as { name: string }[]).map((r) => r.name)
  }

  metric(id: string, name: string): { steps: number[]; values: number[] } {
    const rows = this.db.prepare('SELECT step, value FROM metrics WHERE run_id = ? AND name = ? ORDER BY step, rowid').all(id, name) as {
      step: number
      value: number
    }[]
    return { steps: rows.map((r) => r.step), values: rows.map((r) => r.value) }
  }

  artifacts(id: string): ArtifactInfo[] {
    const rows = this.db
      .prepare('SELECT id, name, type, shape_json, bytes FROM artifacts WHERE run_id = ? AND complete = 1 ORDER BY created_at')
      .all(id) as { id: string; name: string; type: string; shape_json: string | null; bytes: number }[]
    return rows.map((r) => ({ id: r.id, name: r.name, type: r.type, bytes: r.bytes, ...(r.shape_json ? { shape: JSON.parse(r.shape_json) as number[] } : {}) }))
  }
}

/** The cursor read of RunStore.metricsSince (parameters: run id, cursor, `names` series names, limit). */
export function metricsSinceSql(names: number): string {
  const filter = names ? ` AND name IN (${Array.from({ length: names }, () => '?').join(',')})` : ''
  return `SELECT rowid AS seq, name, step, value FROM metrics WHERE run_id = ? AND rowid > ?${filter} ORDER BY rowid LIMIT ?`
}
