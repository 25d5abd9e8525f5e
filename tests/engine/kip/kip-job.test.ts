import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import { tempDir } from '../../helpers/tmp'
import { writeNpy } from '../../../electron/engine/io/npy'
import { executeJob } from '../../../electron/engine/jobs/execute'
import { DirArtifactSink } from '../../../electron/engine/jobs/dir-sink'
import { createDataResolver } from '../../../electron/engine/jobs/data-resolver'
import { loadProjectDataset } from '../../../electron/engine/jobs/project-datasets'
import { listDatasets } from '../../../electron/engine/data/dataset-store'
import { openOrCreateProject } from '../../../electron/engine/store/project-db'
import type { KipJobResult, PredictJobResult } from '../../../shared/jobs/results'
import type { JobEvent, JobSpecInput } from '../../../shared/index'
import type { ArtifactSink } from '../../../electron/engine/core/artifact-sink'
import { mnistSplit } from './mnist-fixture'

const tmp = tempDir()
const f = (name: string): string => path.join(tmp.dir, name)
const project = f('kip.ntkw')

beforeAll(async () => {
  const m = await mnistSplit(600, 300)
  writeNpy(f('x.npy'), m.x, [600, m.d])
  writeNpy(f('y.npy'), m.y, [600])
  writeNpy(f('xt.npy'), m.xt, [300, m.d])
  writeNpy(f('yt.npy'), m.yt, [300])
  openOrCreateProject(project).close()
})
afterAll(() => tmp.cleanup())

async function runJob(spec: JobSpecInput, signal = new AbortController().signal, onEvent?: (e: JobEvent) => void) {
  const events: JobEvent[] = []
  const saved: string[] = []
  const dir = new DirArtifactSink(f('artifacts'))
  const artifacts: ArtifactSink = {
    saveArray: (name, data, shape) => {
      saved.push(name)
      return dir.saveArray(name, data, shape)
    },
    saveJson: (name, value) => dir.saveJson(name, value),
    openTiled: (name, rows, cols) => dir.openTiled(name, rows, cols),
  }
  const handle = openOrCreateProject(project)
  try {
    const outcome = await executeJob(spec, {
      runId: `run-${events.length}-${Date.now()}`,
      signal,
      emit: (e) => {
        events.push(e)
        onEvent?.(e)
      },
      artifacts,
      data: createDataResolver((ref) => loadProjectDataset(handle.db, ref)),
    })
    return { outcome, events, saved }
  } finally {
    handle.close()
  }
}

const kip = {
  kind: 'kip' as const,
  x: { type: 'npy' as const, path: f('x.npy') },
  y: { type: 'npy' as const, path: f('y.npy') },
  xTest: { type: 'npy' as const, path: f('xt.npy') },
  yTest: { type: 'npy' as const, path: f('yt.npy') },
  supportPerClass: 2,
  arch: { depth: 2, activation: { name: 'relu' as const }, wStd: Math.SQRT2, bStd: 0.1 },
  steps: 12,
  batchSize: 100,
  evalEvery: 6,
  learnLabels: true,
  project,
}

describe('kip job', () => {
  it('streams loss, test accuracy and support snapshots, saves the distilled set as a dataset that predict and train use', async () => {
    const { outcome, events, saved } = await runJob({ ...kip, saveAs: 'distilled', transfer: { width: 64, steps: 30, learningRate: 0.01 } })
    expect(outcome.state).toBe('succeeded')
    const r = (outcome as { result: KipJobResult }).result
    const metric = (name: string) => events.filter((e): e is Extract<JobEvent, { type: 'metric' }> => e.type === 'metric' && e.name === name)
    expect(metric('loss')).toHaveLength(12)
    expect(metric('test_accuracy').map((e) => e.step)).toEqual([0, 6, 12])
    const support = saved.filter((n) => n === 'support')
    expect(support).toHaveLength(3)
    expect(r.transfer!.distilled).toBeGreaterThan(0.1)
    // test-accuracy curves of both networks, ending at the reported final accuracies
    expect(metric('transfer_distilled_accuracy').at(-1)).toMatchObject({ step: 30, value: r.transfer!.distilled })
    expect(metric('transfer_random_accuracy').at(-1)).toMatchObject({ step: 30, value: r.transfer!.random })
    const handle = openOrCreateProject(project)
    const ds = listDatasets(handle.db).find((d) => d.name === 'distilled')!
    handle.close()
    expect(ds.rows).toBe(20)
    expect(ds.xShape).toEqual([20, 28, 28])
    expect(r.dataset!.id).toBe(ds.id)

    // kernel regression on the distilled dataset with its learned labels gives the job's final accuracy
    const ref = (field: 'x' | 'y') => ({ type: 'dataset' as const, datasetId: ds.id, field })
    const p = await runJob({ kind: 'predict', xTrain: ref('x'), yTrain: ref('y'), xTest: kip.xTest, arch: kip.arch, diagReg: 1e-6 })
    expect(p.outcome.state).toBe('succeeded')
    const pr = (p.outcome as { result: PredictJobResult }).result
    expect(pr.nTrain).toBe(20)
    expect(pr.outputs).toBe(10)

    const t = await runJob({ kind: 'train', xTrain: ref('x'), yTrain: ref('y'), arch: { ...kip.arch, width: 32 }, steps: 20, optimizer: 'adam', learningRate: 0.01 })
    expect(t.outcome.state).toBe('succeeded')
  }, 300_000)

  it('cancel keeps the last support set: snapshot artifact and the saved dataset', async () => {
    const ac = new AbortController()
    const { outcome, saved } = await runJob({ ...kip, steps: 500, evalEvery: 1000, saveAs: 'stopped' }, ac.signal, (e) => {
      if (e.type === 'metric' && e.name === 'loss' && e.step === 3) ac.abort()
    })
    expect(outcome.state).toBe('cancelled')
    const support = saved.filter((n) => n === 'support')
    expect(support.length).toBe(2) // step 0 and the stop
    const handle = openOrCreateProject(project)
    const ds = listDatasets(handle.db).find((d) => d.name === 'stopped')
    handle.close()
    expect(ds?.rows).toBe(20)
  }, 120_000)

  it('rejects multi-column labels that are not one-hot, and a missing test half, with clear errors', async () => {
    writeNpy(f('y2.npy'), new Float64Array(1200), [600, 2])
    const a = await runJob({ ...kip, y: { type: 'npy', path: f('y2.npy') } })
    expect(a.outcome).toMatchObject({ state: 'failed' })
    expect((a.outcome as { error: string }).error).toMatch(/row 0 is not one-hot: KIP needs integer class labels in one column/)
    const { yTest: _drop, ...noYTest } = kip
    void _drop
    const b = await runJob(noYTest)
    expect((b.outcome as { error: string }).error).toMatch(/both xTest and yTest/)
  })
})
