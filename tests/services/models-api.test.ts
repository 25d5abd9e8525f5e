import { describe, expect, it } from 'vitest'
import path from 'node:path'
import { existsSync, readFileSync } from 'node:fs'
import { datasetSplitRefs, type DatasetSummary, type ModelDetail, type ModelSummary } from '../../shared/index'
import { servicesForTest } from '../helpers/services-api'

// Models through the API with the real engine process and a real project: train a network on a project
// dataset (saved as a model), list/get it, evaluate it as a job, export it, import it back, delete it.

const { tmp, services, call, settle: settleIn } = servicesForTest()
const settle = (runId: string) => settleIn(runId, 240_000)

describe('models through the API', () => {
  it('train → list/get → evaluate → export → import → delete', async () => {
    await call('project.new', { path: path.join(tmp.dir, 'm.ntkw') })
    const imp = await call<{ runId: string }>('datasets.import', { path: 'example:moons', recipe: { split: { train: 0.7, validation: 0.15, seed: 0 }, scale: 'standardize' } })
    expect((await settle(imp.runId)).state).toBe('succeeded')
    const [ds] = await call<DatasetSummary[]>('datasets.list')
    const ref = (split: string, field: string) => ({ type: 'dataset', datasetId: ds!.id, split, field })
    const spec = {
      kind: 'train',
      name: 'moons mlp',
      ...datasetSplitRefs(ds!.id),
      network: { layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 32, activation: 'relu' }] },
      epochs: 30,
      batchSize: 32,
      learningRate: 0.01,
      seed: 3,
    }
    const { runId } = await call<{ runId: string }>('jobs.submit', { spec })
    const run = await settle(runId)
    expect(run.state).toBe('succeeded')
    const [m] = await call<ModelSummary[]>('models.list')
    expect(m!.name).toBe('moons mlp')
    expect(m!.params).toBe(2 * 32 + 32 + 32 * 32 + 32 + 32 * 2 + 2)
    expect(m!.source.runId).toBe(runId)
    expect(m!.accuracy!).toBeGreaterThan(0.9) // two moons with noise 0.1: an MLP separates them
    const d = await call<ModelDetail>('models.get', { modelId: m!.id })
    expect(d.meta.history).toHaveLength(30)
    expect(d.meta.dataset?.name).toBe('moons')
    // the hash the Datasets page shows for that dataset (the run's own hash also covers recipe and split)
    expect(d.meta.dataset?.contentHash).toBe(ds!.hash)
    expect(d.layerTable.map((l) => l.className)).toEqual(['InputLayer', 'Dense', 'Activation', 'Dense', 'Activation', 'Dense'])
    expect(d.histograms.map((h) => h.name)).toContain('dense_1/kernel')
    expect(d.histograms[0]!.counts.reduce((a, b) => a + b, 0)).toBe(2 * 32)
    expect(d.evaluation!.n).toBe(60)

    // per-epoch metrics streamed as the run went
    const detail = await call<{ metricNames: string[] }>('runs.get', { runId })
    expect(detail.metricNames).toEqual(expect.arrayContaining(['train_loss', 'val_loss', 'val_accuracy', 'train_accuracy', 'lr']))

    const ev = await call<{ runId: string }>('models.evaluate', { modelId: m!.id, x: ref('validation', 'x'), y: ref('validation', 'y') })
    expect((await settle(ev.runId)).state).toBe('succeeded')
    const d2 = await call<ModelDetail>('models.get', { modelId: m!.id })
    expect(d2.evaluation!.n).toBe(60)
    expect(d2.evaluation!.accuracy).toBeCloseTo(d.meta.history!.find((e) => e.epoch === d.meta.bestEpoch)!.valAccuracy!, 6)

    const out = path.join(tmp.dir, 'export')
    const ex = await call<{ path: string }>('models.export', { modelId: m!.id, dir: out })
    expect(existsSync(path.join(out, 'weights.bin'))).toBe(true)
    const files = await call<{ modelJson: string; weights: Uint8Array }>('models.files', { modelId: m!.id })
    expect(files.weights).toBeInstanceOf(Uint8Array)
    expect(Buffer.from(files.weights)).toEqual(readFileSync(path.join(out, 'weights.bin')))
    expect(JSON.parse(files.modelJson).weightsManifest[0].paths).toEqual(['./weights.bin'])

    const back = await call<{ runId: string }>('models.import', { path: ex.path, name: 'moons again' })
    expect((await settle(back.runId)).state).toBe('succeeded')
    const list = await call<ModelSummary[]>('models.list')
    expect(list.map((x) => x.name).sort()).toEqual(['moons again', 'moons mlp'])
    const again = list.find((x) => x.name === 'moons again')!
    expect(again.source.kind).toBe('import')
    expect(again.params).toBe(m!.params)

    const bad = await call<{ runId: string }>('models.import', { path: path.join(tmp.dir, 'nowhere') })
    const failed = await settle(bad.runId)
    expect(failed.state).toBe('failed')
    expect(failed.error).toMatch(/no such file or folder/)

    await call('models.delete', { modelId: again.id })
    expect(await call<ModelSummary[]>('models.list')).toHaveLength(1)
    // weights never travel as JSON arrays
    const r = await services.call('models.files', { modelId: 'nope' })
    expect('error' in r && r.error.code).toBe('not_found')
  })
})
