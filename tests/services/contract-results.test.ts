import { afterAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import { writeFileSync } from 'node:fs'
import { Services } from '../../electron/services/services'
import { forkLauncher } from '../../electron/services/engine-client'
import { METHOD_NAMES, methods, type MethodName, type ParamsOf } from '../../shared/ipc'
import type { DatasetSummary, Experiment, RunDetail } from '../../shared/index'
import { tempDir, waitFor } from '../helpers/tmp'
import { hasRedis, redisServer, warnIfNoRedis } from '../helpers/redis'

// Issue 13, typed services: every method of the contract is called for real (real engine process, real
// SQLite) and its answer is parsed with the method's result schema, so a handler whose result drifts from
// what shared/ipc.ts promises fails here (the types catch it at compile time; this catches what `unknown`
// and JSON hide). The dialog methods get a scripted stand-in for the native dialog, which cannot run headless.

const tmp = tempDir()
const picked = path.join(tmp.dir, 'picked.ntkw')
const services = new Services({
  mode: 'electron',
  configDir: path.join(tmp.dir, 'cfg'),
  launcher: forkLauncher,
  dialogs: { openProject: async () => picked, saveProject: async () => null, openData: async () => path.join(tmp.dir, 'points.csv'), openFolder: async () => path.join(tmp.dir, 'exported') },
})
afterAll(async () => {
  await services.dispose()
  tmp.cleanup()
})

const answered = new Map<MethodName, unknown[]>()

async function call<M extends MethodName>(method: M, params?: ParamsOf<M>): Promise<unknown> {
  const r = await services.call(method, params ?? {})
  if ('error' in r) throw new Error(`${method}: ${r.error.message}`)
  const list = answered.get(method) ?? []
  list.push(r.result)
  answered.set(method, list)
  return r.result
}

async function settle(runId: string): Promise<void> {
  await waitFor(() => {
    const s = services.project.current?.runs.get(runId)
    return s && ['succeeded', 'failed', 'cancelled'].includes(s.state) ? s : null
  }, 120_000)
}

describe('every contract method answers what its result schema says', () => {
  it('calls each method and parses each answer with its schema', async () => {
    await call('app.info')
    await call('settings.get')
    await call('settings.set', { theme: 'dark' })
    await call('project.current')
    await call('project.new', { path: path.join(tmp.dir, 'c.ntkw') })
    await call('project.current')
    await call('project.recent')
    await call('dialog.openProject')
    await call('dialog.saveProject')
    await call('dialog.openData')

    const csv = path.join(tmp.dir, 'points.csv')
    writeFileSync(csv, 'a,b,label\n' + Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 3) % 5},${i % 2 ? 'yes' : 'no'}`).join('\n') + '\n')
    const imp = (await call('datasets.import', { path: csv })) as { runId: string }
    await settle(imp.runId)
    const [ds] = (await call('datasets.list')) as DatasetSummary[]
    await call('datasets.preview', { datasetId: ds!.id, limit: 5 })
    await call('datasets.setRecipe', { datasetId: ds!.id, recipe: { split: { train: 0.5, validation: 0.25 }, scale: 'standardize' } })

    const spec = { kind: 'lab-kernel' as const, data: { datasetId: ds!.id, train: 20, test: 10 }, arch: { depth: 1, activation: { name: 'relu' as const } } }
    const e = (await call('experiments.save', { name: 'k', spec })) as Experiment
    await call('experiments.list')
    const copy = (await call('experiments.duplicate', { experimentId: e.id })) as Experiment
    await call('experiments.delete', { experimentId: copy.id })
    const run = (await call('experiments.run', { experimentId: e.id })) as { runId: string }
    await settle(run.runId)
    const detail = (await call('runs.get', { runId: run.runId })) as RunDetail
    expect(detail.summary.state, detail.summary.error ?? '').toBe('succeeded')
    await call('runs.list')
    for (const name of detail.metricNames.slice(0, 2)) await call('runs.metric', { runId: run.runId, name })
    await call('runs.metricsSince', { runId: run.runId, since: 0 })
    const arrays = detail.artifacts.filter((a) => a.type !== 'json')
    const jsons = detail.artifacts.filter((a) => a.type === 'json')
    expect(arrays.length).toBeGreaterThan(0)
    for (const a of arrays.slice(0, 2)) await call('artifacts.read', { artifactId: a.id })
    if (jsons[0]) await call('artifacts.json', { artifactId: jsons[0].id })
    else answered.set('artifacts.json', [])

    const sub = (await call('jobs.submit', { spec: { kind: 'backend-benchmark', matmulSizes: [16], elementwiseSizes: [1024], repeats: 1 } })) as { runId: string }
    await call('jobs.cancel', { runId: sub.runId })
    await settle(sub.runId)
    await call('runs.delete', { runId: sub.runId })
    // models: train a tiny network on the dataset (saved as a model), then every models.* method
    const ref = (split: 'train' | 'validation' | 'test', field: 'x' | 'y') => ({ type: 'dataset' as const, datasetId: ds!.id, split, field })
    const tr = (await call('jobs.submit', { spec: { kind: 'train', xTrain: ref('train', 'x'), yTrain: ref('train', 'y'), xTest: ref('test', 'x'), yTest: ref('test', 'y'), network: { layers: [{ type: 'dense', units: 4, activation: 'relu' }] }, epochs: 2 } })) as { runId: string }
    await settle(tr.runId)
    const [model] = (await call('models.list')) as { id: string }[]
    await call('models.get', { modelId: model!.id })
    await call('models.rename', { modelId: model!.id, name: 'tiny' })
    const ev = (await call('models.evaluate', { modelId: model!.id, x: ref('validation', 'x'), y: ref('validation', 'y') })) as { runId: string }
    await settle(ev.runId)
    const dir = (await call('dialog.openFolder')) as string
    await call('models.export', { modelId: model!.id, dir })
    await call('models.files', { modelId: model!.id })
    const mi = (await call('models.import', { path: dir })) as { runId: string }
    await settle(mi.runId)
    // a dropped file's bytes, uploaded and imported as its path would be; a second upload cancelled
    const dropped = new TextEncoder().encode('u,v,label\n' + Array.from({ length: 12 }, (_, i) => `${i},${i % 3},${i % 2}`).join('\n') + '\n')
    const up = (await call('uploads.begin', { purpose: 'dataset', files: [{ path: 'dropped.csv', size: dropped.length }] })) as { uploadId: string }
    await call('uploads.chunk', { uploadId: up.uploadId, file: 0, offset: 0, data: dropped })
    const upRun = (await call('uploads.finish', { uploadId: up.uploadId })) as { runId: string }
    await settle(upRun.runId)
    const gone = (await call('uploads.begin', { purpose: 'dataset', files: [{ path: 'gone.csv', size: 3 }] })) as { uploadId: string }
    await call('uploads.cancel', { uploadId: gone.uploadId })
    await call('models.delete', { modelId: model!.id })
    await call('datasets.delete', { datasetId: ds!.id })
    await call('project.saveAs', { path: path.join(tmp.dir, 'c2.ntkw') })
    await call('project.open', { path: path.join(tmp.dir, 'c.ntkw') })
    await call('project.close')
    // Settings ▸ Compute: the status of a Redis (null while compute is this machine) and a real one's test
    await call('cluster.status')
    warnIfNoRedis('the cluster.* methods of tests/services/contract-results')
    if (hasRedis) {
      const server = await redisServer(tmp.dir, 'contract-pw')
      await server.start()
      try {
        await call('cluster.test', { url: server.url })
        await call('settings.set', { compute: { mode: 'redis', url: server.url } })
        await call('cluster.status')
        await call('settings.set', { compute: { mode: 'local' } })
      } finally {
        await server.stop()
      }
    } else answered.set('cluster.test', [])

    const missing = METHOD_NAMES.filter((m) => !answered.has(m))
    expect(missing, 'methods this test does not call yet: add them').toEqual([])
    for (const [m, results] of answered) {
      for (const r of results) {
        const parsed = methods[m].result.safeParse(r)
        expect(parsed.success, `${m}: ${parsed.success ? '' : parsed.error.message}`).toBe(true)
      }
    }
    const files = answered.get('models.files')![0] as { weights: unknown }
    expect(files.weights instanceof Uint8Array).toBe(true)
    // large numbers travel as typed arrays, never JSON number arrays
    for (const r of answered.get('artifacts.read')!) {
      const data = (r as { data: unknown }).data
      expect(Array.isArray(data)).toBe(false)
      expect(data instanceof Float32Array || data instanceof Float64Array).toBe(true)
    }
  }, 240_000)
})
