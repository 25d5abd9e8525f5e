import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import type { JobEvent, JobSpecInput } from '../../../shared/index'
import { readArtifactJson } from '../../../electron/engine/store/artifacts'
import { createProject, type ProjectHandle } from '../../../electron/engine/store/project-db'
import { ModelStore } from '../../../electron/engine/store/models'
import { RunStore } from '../../../electron/engine/store/runs'
import { importDataset } from '../../../electron/engine/data/import'
import { runJobInProject } from '../../helpers/run-job'
import { tempDir } from '../../helpers/tmp'

// Distillation jobs on real MNIST digits (the bundled example), at a size a unit test affords: a 64-unit
// teacher trained by the 'train' job, 16-unit students.

const tmp = tempDir()
let project: ProjectHandle
let datasetId: string
let teacherId: string

async function runJob(spec: JobSpecInput): Promise<{ state: string; result: unknown; runId: string; events: JobEvent[]; error?: string }> {
  const { outcome, events, runId } = await runJobInProject(project, spec, { models: true })
  return { state: outcome.state, result: (outcome as { result?: unknown }).result, error: (outcome as { error?: string }).error, runId, events }
}

const data = () => ({ datasetId, train: 1500, test: 500 })
const student = { layers: [{ type: 'dense' as const, units: 16, activation: 'relu' }] }

beforeAll(async () => {
  project = createProject(path.join(tmp.dir, 'd.ntkw'))
  const ds = await importDataset(project.db, 'example:mnist', { recipe: { split: { train: 0.8, seed: 1 }, scale: 'standardize' } })
  datasetId = ds.id
  const t = await runJob({ kind: 'train', xTrain: { type: 'dataset', datasetId, split: 'train', field: 'x', limit: 1500 }, yTrain: { type: 'dataset', datasetId, split: 'train', field: 'y', limit: 1500 }, network: { layers: [{ type: 'dense', units: 64, activation: 'relu' }] }, epochs: 15, seed: 3 })
  expect(t.state).toBe('succeeded')
  teacherId = (t.result as { modelId: string }).modelId
}, 300_000)
afterAll(() => {
  project.close()
  tmp.cleanup()
})

describe('distill job', () => {
  it('trains a KD student from a project model, reports per-epoch metrics and saves the student', async () => {
    const r = await runJob({ kind: 'distill', data: data(), teacher: { type: 'model', modelId: teacherId }, student, loss: 'kd', epochs: 4, seed: 1 })
    expect(r.error).toBeUndefined()
    expect(r.state).toBe('succeeded')
    const res = r.result as { modelId: string; final: { studentAccuracy: number; agreement: number; kl: number; teacherAccuracy: number } }
    for (const name of ['student_accuracy', 'teacher_accuracy', 'agreement', 'kl_teacher_student']) {
      expect(r.events.filter((e) => e.type === 'metric' && e.name === name)).toHaveLength(4)
    }
    expect((r.result as { used: unknown }).used).toEqual({ train: 1500, test: 500 }) // the points used, shown in the result
    expect(res.final.teacherAccuracy).toBeGreaterThan(0.85)
    expect(res.final.studentAccuracy).toBeGreaterThan(0.6)
    expect(res.final.agreement).toBeGreaterThan(0.6)
    const m = new ModelStore(project.db).get(res.modelId)!
    expect(m.source.kind).toBe('distill')
    expect(m.source.parentModelId).toBe(teacherId)
    const art = new RunStore(project.db).artifacts(r.runId).find((a) => a.name === 'distill')!
    const s = readArtifactJson(project.db, art.id) as { params: Record<string, number> }
    expect(s.params).toEqual({ temperature: 4, alpha: 0.9 })
  }, 300_000)

  it('students trained with kd match the teacher’s softened distribution more closely than CE-only (held-out KL at T, mean over seeds)', async () => {
    const r = await runJob({ kind: 'distill-study', data: data(), teacher: { type: 'model', modelId: teacherId }, student, losses: ['ce', 'kd'], seeds: 3, epochs: 6, klTemperature: 4, seed: 10 })
    expect(r.error).toBeUndefined()
    const art = new RunStore(project.db).artifacts(r.runId).find((a) => a.name === 'distill-study')!
    const s = readArtifactJson(project.db, art.id) as { table: { loss: string; runs: number; kl: { mean: number; sd: number }; accuracy: { mean: number } }[] }
    const ce = s.table.find((t) => t.loss === 'ce')!
    const kd = s.table.find((t) => t.loss === 'kd')!
    expect(ce.runs).toBe(3)
    expect(kd.kl.mean).toBeLessThan(ce.kl.mean)
    console.log('small-scale study', JSON.stringify(s.table))
  }, 600_000)

  it('a kernel-machine teacher (NTK ridge regression) and USKD, DKD, NKD, TopKLD students run', async () => {
    const r = await runJob({ kind: 'distill-study', data: { datasetId, train: 400, test: 200 }, teacher: { type: 'kernel', arch: { depth: 1, width: 'inf', activation: { name: 'relu' }, wStd: 1.4, bStd: 0.1, parameterization: 'ntk' } }, student, losses: ['nkd', 'dkd', 'topkld', 'uskd'], seeds: 1, epochs: 4, seed: 2 })
    expect(r.error).toBeUndefined()
    const res = r.result as { teacherAccuracy: number; table: { loss: string; accuracy: { mean: number } }[] }
    expect(res.teacherAccuracy).toBeGreaterThan(0.8)
    // every student learns (chance is 0.1)
    for (const row of res.table) expect(row.accuracy.mean).toBeGreaterThan(0.2)
  }, 300_000)

  it('refuses a teacher whose classes differ from the dataset', async () => {
    const iris = await importDataset(project.db, 'example:iris', { recipe: { split: { train: 0.8, seed: 1 } } })
    const t = await runJob({ kind: 'train', xTrain: { type: 'dataset', datasetId: iris.id, split: 'train', field: 'x' }, yTrain: { type: 'dataset', datasetId: iris.id, split: 'train', field: 'y' }, network: { layers: [{ type: 'dense', units: 8, activation: 'relu' }] }, epochs: 1, seed: 3 })
    expect(t.state).toBe('succeeded')
    const r = await runJob({ kind: 'distill', data: data(), teacher: { type: 'model', modelId: (t.result as { modelId: string }).modelId }, student, epochs: 1 })
    expect(r.state).toBe('failed')
    expect(r.error).toMatch(/teacher model has 3 outputs but the dataset has 10 classes/)
  }, 120_000)
})
