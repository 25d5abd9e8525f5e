import { describe, expect, it } from 'vitest'
import path from 'node:path'
import { writeFileSync } from 'node:fs'
import { openStartupProject } from '../../electron/services/startup-project'
import type { DatasetPreview, DatasetSummary, Experiment } from '../../shared/index'
import { servicesForTest } from '../helpers/services-api'

const { tmp, services, call, settle: settleIn } = servicesForTest()
const settle = (runId: string) => settleIn(runId, 120_000)

describe('datasets and experiments through the API', () => {
  it('opens the example project at first start, holding the bundled datasets', async () => {
    await openStartupProject(services, null)
    expect(services.project.info()!.name).toBe('Example')
    const names = (await call<DatasetSummary[]>('datasets.list')).map((d) => d.name).sort()
    expect(names).toEqual(['iris', 'mnist', 'moons', 'spirals'])
  })

  it('imports a file as a job, previews it, changes its recipe; a bad file fails the job and stores nothing', async () => {
    await call('project.new', { path: path.join(tmp.dir, 'd.ntkw') })
    const csv = path.join(tmp.dir, 'points.csv')
    writeFileSync(csv, 'a,b,label\n' + Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 3) % 5},${i % 2 ? 'yes' : 'no'}`).join('\n') + '\n')
    const { runId } = await call<{ runId: string }>('datasets.import', { path: csv })
    expect((await settle(runId)).state).toBe('succeeded')
    const [ds] = await call<DatasetSummary[]>('datasets.list')
    expect(ds!.rows).toBe(40)
    expect(ds!.classes).toBe(2)
    const preview = await call<DatasetPreview>('datasets.preview', { datasetId: ds!.id, offset: 2, limit: 3 })
    expect(preview.rows).toEqual([[2, 1], [3, 4], [4, 2]])
    expect(preview.labels).toEqual(['no', 'yes', 'no'])
    const updated = await call<DatasetSummary>('datasets.setRecipe', { datasetId: ds!.id, recipe: { split: { train: 0.5, validation: 0.25 }, scale: 'standardize' } })
    expect(updated.recipe.split!.train).toBe(0.5)
    const p2 = await call<DatasetPreview>('datasets.preview', { datasetId: ds!.id })
    expect(p2.splitCounts).toEqual({ all: 40, train: 20, validation: 10, test: 10 })

    // options from the UI's import form reach the importer
    const opt = await call<{ runId: string }>('datasets.import', { path: csv, options: { label: 'a', task: 'regression', name: 'by a' } })
    expect((await settle(opt.runId)).state).toBe('succeeded')
    const byA = (await call<DatasetSummary[]>('datasets.list')).find((d) => d.name === 'by a')!
    expect(byA.task).toBe('regression')
    expect(byA.xShape).toEqual([40, 3]) // b, plus the text column 'label' one-hot encoded as a feature
    await call('datasets.delete', { datasetId: byA.id })

    const bad = path.join(tmp.dir, 'ragged.csv')
    writeFileSync(bad, 'a,b,label\n1,2,x\n3,4\n')
    const failed = await settle((await call<{ runId: string }>('datasets.import', { path: bad })).runId)
    expect(failed.state).toBe('failed')
    expect(failed.error).toMatch(/line 3|row/i)
    expect(await call<DatasetSummary[]>('datasets.list')).toHaveLength(1)
  })

  it('saves an experiment, runs it (runs point back to it), duplicates and deletes it', async () => {
    const [ds] = await call<DatasetSummary[]>('datasets.list')
    const spec = { kind: 'lab-kernel', data: { datasetId: ds!.id, train: 20, test: 10 }, arch: { depth: 1, activation: { name: 'relu' } } }
    const e = await call<Experiment>('experiments.save', { name: 'kernels on points', spec })
    expect(e.spec.kind).toBe('lab-kernel')
    const { runId } = await call<{ runId: string }>('experiments.run', { experimentId: e.id })
    const run = await settle(runId)
    expect(run.state).toBe('succeeded')
    expect(run.experimentId).toBe(e.id)
    expect(run.name).toBe('kernels on points')
    const copy = await call<Experiment>('experiments.duplicate', { experimentId: e.id })
    expect(copy.name).toBe('kernels on points (copy)')
    const listed = await call<Experiment[]>('experiments.list')
    expect(listed.find((x) => x.id === e.id)!.runs).toBe(1)
    await call('experiments.delete', { experimentId: copy.id })
    expect((await call<Experiment[]>('experiments.list')).map((x) => x.id)).toEqual([e.id])
    const invalid = await services.call('experiments.save', { name: 'x', spec: { kind: 'lab-kernel' } })
    expect('error' in invalid && invalid.error.code).toBe('bad_params')
  })
})
