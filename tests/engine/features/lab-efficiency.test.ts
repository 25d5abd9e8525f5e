import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FcArch } from '../../../shared/index'
import { readArtifactJson } from '../../../electron/engine/store/artifacts'
import { RunStore } from '../../../electron/engine/store/runs'
import type { ProjectHandle } from '../../../electron/engine/store/project-db'
import type { EfficiencyResult } from '../../../electron/engine/jobs/kinds/lab-efficiency'
import { tempDir } from '../../helpers/tmp'
import { metricSeries, moonsProject, runLab } from '../lab/lab-helpers'

const tmp = tempDir()
let project: ProjectHandle
let datasetId: string
const arch: FcArch = { depth: 2, width: 'inf', activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.1, parameterization: 'ntk' }

beforeAll(async () => {
  ;({ project, datasetId } = await moonsProject(tmp.dir))
})
afterAll(() => {
  project.close()
  tmp.cleanup()
})

describe('lab-efficiency', () => {
  it('error falls with m for both methods, Nyström with m = n is exact, accuracies and the timing table are stored', async () => {
    const { outcome, events, runId } = await runLab(project, {
      kind: 'lab-efficiency',
      data: { datasetId, train: 120, test: 60 },
      arch,
      features: [16, 64, 256, 1024],
      timingSizes: [30, 120],
      timingFeatures: 64,
    })
    expect(outcome.state).toBe('succeeded')
    const art = new RunStore(project.db).artifacts(runId).find((a) => a.name === 'efficiency')!
    const r = readArtifactJson(project.db, art.id) as EfficiencyResult
    const rf = r.curves.find((c) => c.method === 'rf')!
    const ny = r.curves.find((c) => c.method === 'nystrom')!
    expect(rf.m).toEqual([16, 64, 256, 1024])
    expect(ny.m).toEqual([16, 64]) // landmarks above n = 120 are skipped
    expect(rf.error[3]!).toBeLessThan(rf.error[0]! / 3)
    expect(ny.error[1]!).toBeLessThan(ny.error[0]!)
    expect(metricSeries(events, 'error_rf').map((p) => p.step)).toEqual([16, 64, 256, 1024])
    for (const a of [...rf.accuracy, ...ny.accuracy, r.exact.accuracy]) expect(a).toBeGreaterThan(0.5)
    expect(r.timing.n).toEqual([30, 120])
    expect(r.timing.exactBytes).toEqual([8 * 30 * 30, 8 * 120 * 120])
    expect(r.timing.approxSeconds.every((s) => s > 0)).toBe(true)
  })

  it('Nyström with every training point as a landmark has zero kernel error', async () => {
    const { runId } = await runLab(project, { kind: 'lab-efficiency', data: { datasetId, train: 40, test: 10 }, arch, methods: ['nystrom'], features: [40], timingSizes: [] })
    const art = new RunStore(project.db).artifacts(runId).find((a) => a.name === 'efficiency')!
    const r = readArtifactJson(project.db, art.id) as EfficiencyResult
    expect(r.curves[0]!.error[0]!).toBeLessThan(1e-3)
  })
})
