import { AUTO_RIDGE_GRID } from '../../../electron/engine/features/ridge-choice'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FcArch } from '../../../shared/index'
import { readArtifactJson } from '../../../electron/engine/store/artifacts'
import { RunStore } from '../../../electron/engine/store/runs'
import type { ProjectHandle } from '../../../electron/engine/store/project-db'
import type { EfficiencyReport } from '../../../shared/jobs/results'
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
    const r = readArtifactJson(project.db, art.id) as EfficiencyReport
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
    // the default auto ridge is recorded per m, one of the grid's values
    expect(rf.ridge).toHaveLength(4)
    for (const v of rf.ridge!) expect(AUTO_RIDGE_GRID).toContain(v)
  })

  it('Nyström with every training point as a landmark has zero kernel error', async () => {
    const { runId } = await runLab(project, { kind: 'lab-efficiency', data: { datasetId, train: 40, test: 10 }, arch, methods: ['nystrom'], features: [40], timingSizes: [], featureRidge: 'same', diagReg: 1e-3 })
    const art = new RunStore(project.db).artifacts(runId).find((a) => a.name === 'efficiency')!
    const r = readArtifactJson(project.db, art.id) as EfficiencyReport
    expect(r.curves[0]!.error[0]!).toBeLessThan(1e-3)
    expect(r.curves[0]!.ridge).toEqual([1e-3]) // 'same': the exact kernel's ridge
  })

  it('low-rank layers: the empirical NTK nears its limit as the rank grows, with the parameter count and accuracy per rank', async () => {
    const { outcome, events, runId } = await runLab(project, {
      kind: 'lab-efficiency',
      data: { datasetId, train: 80, test: 40 },
      arch,
      methods: ['rf'],
      features: [64],
      timingSizes: [],
      lowRank: { width: 512, ranks: [256, 1, 16] },
    })
    expect(outcome.state).toBe('succeeded')
    const art = new RunStore(project.db).artifacts(runId).find((a) => a.name === 'efficiency')!
    const lr = (readArtifactJson(project.db, art.id) as EfficiencyReport).lowRank!
    expect(lr.points.map((p) => p.rank)).toEqual([1, 16, 256])
    // moons: d = 2, 2 outputs; per hidden layer r·(n_in + 512) weights + 512 biases, then a full readout
    expect(lr.points.map((p) => p.params)).toEqual([1, 16, 256].map((r) => r * (2 + 512) + 512 + r * (512 + 512) + 512 + 512 * 2 + 2))
    expect(lr.full.params).toBe(2 * 512 + 512 + 512 * 512 + 512 + 512 * 2 + 2)
    const [r1, , r256] = lr.points
    expect(r256!.distance).toBeLessThan(r1!.distance / 3)
    expect(r256!.distance).toBeLessThan(0.2)
    // the two limits differ (each factor adds the weight term), and the full network is near its own
    expect(lr.limitGap).toBeGreaterThan(0.1)
    expect(lr.full.distance).toBeLessThan(0.25)
    for (const p of [...lr.points, lr.full]) expect(p.accuracy).toBeGreaterThan(0.6)
    expect(metricSeries(events, 'lowrank_distance').map((p) => p.step)).toEqual([1, 16, 256])
  })

  it('low-rank layers are compared with the NTK whichever kernel the experiment uses; standard parameterization is refused', async () => {
    const spec = { kind: 'lab-efficiency' as const, data: { datasetId, train: 40, test: 20 }, arch, methods: ['nystrom' as const], features: [8], timingSizes: [], lowRank: { width: 64, ranks: [4] } }
    const read = async (kernel: 'ntk' | 'nngp'): Promise<NonNullable<EfficiencyReport['lowRank']>> => {
      const { runId } = await runLab(project, { ...spec, kernel })
      const art = new RunStore(project.db).artifacts(runId).find((a) => a.name === 'efficiency')!
      return (readArtifactJson(project.db, art.id) as EfficiencyReport).lowRank!
    }
    const [withNtk, withNngp] = [await read('ntk'), await read('nngp')]
    expect(withNngp.full.distance).toBeCloseTo(withNtk.full.distance, 5)
    expect(withNngp.limitGap).toBeCloseTo(withNtk.limitGap, 5)
    await expect(runLab(project, { ...spec, arch: { ...arch, parameterization: 'standard', width: 64 } })).rejects.toThrow(/NTK parameterization/)
  })
})
