import { afterAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import { createProject } from '../../electron/engine/store/project-db'
import { metricsSinceSql, RunStore } from '../../electron/engine/store/runs'
import { JobSpec, type JobEvent } from '../../shared/index'
import { tempDir } from '../helpers/tmp'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

describe('run store: detail and metric increments', () => {
  it('returns every point exactly once across cursors, per run, capped per call', () => {
    const p = createProject(path.join(tmp.dir, 'inc.ntkw'))
    const runs = new RunStore(p.db)
    const a = runs.create(JobSpec.parse({ kind: 'backend-benchmark' }), {})
    const b = runs.create(JobSpec.parse({ kind: 'backend-benchmark' }), {})
    const metric = (name: string, step: number, value: number): JobEvent => ({ type: 'metric', t: step, name, step, value })
    // interleave two runs and two series, as concurrent writers would
    const expected: Record<string, number[]> = { loss: [], acc: [] }
    let cursor = 0
    const seen: Record<string, number[]> = { loss: [], acc: [] }
    for (let batch = 0; batch < 5; batch++) {
      const evs: JobEvent[] = []
      for (let i = 0; i < 7; i++) {
        const step = batch * 7 + i
        evs.push(metric('loss', step, 1 / (step + 1)))
        expected.loss!.push(step)
        if (i % 2 === 0) {
          evs.push(metric('acc', step, step / 100))
          expected.acc!.push(step)
        }
      }
      runs.applyMany(a.id, evs)
      runs.applyMany(b.id, [metric('loss', batch, -1)])
      // read with a small cap so some reads are incomplete
      for (;;) {
        const inc = runs.metricsSince(a.id, cursor, undefined, 4)
        expect(inc.cursor).toBeGreaterThanOrEqual(cursor)
        cursor = inc.cursor
        for (const s of inc.series) seen[s.name]!.push(...s.steps)
        if (inc.complete) break
      }
    }
    expect(seen).toEqual(expected)
    // nothing new: the same cursor comes back with no points
    expect(runs.metricsSince(a.id, cursor, undefined)).toEqual({ cursor, complete: true, series: [] })
    // a name filter returns only that series
    const onlyAcc = runs.metricsSince(a.id, 0, ['acc'])
    expect(onlyAcc.series.map((s) => s.name)).toEqual(['acc'])
    expect(onlyAcc.series[0]!.steps).toEqual(expected.acc)
    // the other run's points never leak in
    expect(runs.metricsSince(b.id, 0, undefined).series[0]!.values).toEqual([-1, -1, -1, -1, -1])

    const d = runs.detail(a.id)!
    expect(d.summary.id).toBe(a.id)
    expect(d.metricNames).toEqual(['acc', 'loss'])
    expect(runs.detail('nope')).toBeNull()
    p.close()
  })

  it('reads increments through an index in cursor order: no sort of the whole run', () => {
    const p = createProject(path.join(tmp.dir, 'plan.ntkw'))
    for (const names of [0, 2]) {
      const plan = (p.db.prepare(`EXPLAIN QUERY PLAN ${metricsSinceSql(names)}`).all('r', 0, ...Array(names).fill('x'), 10) as { detail: string }[]).map((r) => r.detail).join(' | ')
      expect(plan).toMatch(/USING INDEX metrics_run_seq/)
      expect(plan).not.toMatch(/TEMP B-TREE/)
    }
    p.close()
  })
})
