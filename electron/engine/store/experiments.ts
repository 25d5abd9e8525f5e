import { randomUUID } from 'node:crypto'
import { JobSpec } from '../../../shared/index'
import type { Experiment } from '../../../shared/project'
import { UserError } from '../../../shared/errors'
import type { Db } from './project-db'

interface Row {
  id: string
  name: string
  spec_json: string
  created_at: number
  updated_at: number
}

function toExperiment(r: Row, runs: number): Experiment {
  return { id: r.id, name: r.name, spec: JobSpec.parse(JSON.parse(r.spec_json)), createdAt: r.created_at, updatedAt: r.updated_at, runs }
}

/** Experiments: saved JobSpecs of the project, re-runnable and duplicable; runs point back to them. */
export class ExperimentStore {
  constructor(private readonly db: Db) {}

  list(): Experiment[] {
    const rows = this.db
      .prepare('SELECT e.*, (SELECT COUNT(*) FROM runs r WHERE r.experiment_id = e.id) AS n FROM experiments e ORDER BY e.updated_at DESC, e.rowid DESC')
      .all() as (Row & { n: number })[]
    return rows.map((r) => toExperiment(r, r.n))
  }

  get(id: string): Experiment {
    const r = this.db.prepare('SELECT * FROM experiments WHERE id = ?').get(id) as Row | undefined
    if (!r) throw new UserError('not_found', `no experiment ${id} in this project`)
    const n = (this.db.prepare('SELECT COUNT(*) AS n FROM runs WHERE experiment_id = ?').get(id) as { n: number }).n
    return toExperiment(r, n)
  }

  /** Creates (no id) or updates an experiment. */
  save(input: { id?: string; name: string; spec: JobSpec }): Experiment {
    const now = Date.now()
    const spec = JSON.stringify(input.spec)
    if (input.id) {
      const changed = this.db.prepare('UPDATE experiments SET name = ?, spec_json = ?, updated_at = ? WHERE id = ?').run(input.name, spec, now, input.id).changes
      if (!changed) throw new UserError('not_found', `no experiment ${input.id} in this project`)
      return this.get(input.id)
    }
    const id = randomUUID()
    this.db.prepare('INSERT INTO experiments (id, name, spec_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, input.name, spec, now, now)
    return this.get(id)
  }

  duplicate(id: string): Experiment {
    const e = this.get(id)
    return this.save({ name: `${e.name} (copy)`, spec: e.spec })
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM experiments WHERE id = ?').run(id)
  }

  linkRun(experimentId: string, runId: string): void {
    this.db.prepare('UPDATE runs SET experiment_id = ? WHERE id = ?').run(experimentId, runId)
  }
}
