import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { JobEvent } from '../../../shared/index'
import { readNpy } from '../../../electron/engine/io/npy'
import { executeJob } from '../../../electron/engine/jobs/execute'
import { DirArtifactSink } from '../../../electron/engine/jobs/dir-sink'
import { createDataResolver } from '../../../electron/engine/jobs/data-resolver'
import { loadProjectDataset } from '../../../electron/engine/jobs/project-datasets'
import { listDatasets } from '../../../electron/engine/data/dataset-store'
import { openProject } from '../../../electron/engine/store/project-db'
import { fx } from './helpers'

const dir = mkdtempSync(path.join(tmpdir(), 'ntkw-import-job-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function exec(spec: Record<string, unknown>, out = dir) {
  const events: JobEvent[] = []
  const sink = new DirArtifactSink(out)
  return executeJob({ kind: 'dataset-import', ...spec } as never, { runId: 'r', signal: new AbortController().signal, emit: (e) => events.push(e), artifacts: sink, data: createDataResolver() }).then((o) => ({ o, events, sink }))
}

describe("job kind 'dataset-import'", () => {
  it('stores into a project file, with progress, and project dataset refs then resolve', async () => {
    const project = path.join(dir, 'p.ntkw')
    const { o, events } = await exec({ path: fx('csv', 'semicolon_noheader.csv'), project, recipe: { split: { train: 0.5, seed: 0 } } })
    expect(o.state).toBe('succeeded')
    expect(events.some((e) => e.type === 'progress')).toBe(true)
    const p = openProject(project)
    try {
      const [ds] = listDatasets(p.db)
      expect(ds!.rows).toBe(8)
      const resolver = createDataResolver((ref) => loadProjectDataset(p.db, ref))
      const train = await resolver.load({ type: 'dataset', datasetId: ds!.id, split: 'train', field: 'x' })
      expect(train.rows).toBe(4)
    } finally {
      p.close()
    }
  })

  it('without a project writes x.npy, y.npy and schema.json', async () => {
    const out = path.join(dir, 'out')
    const { o } = await exec({ path: fx('idx', 'gz', 't10k-images-idx3-ubyte.gz') }, out)
    expect(o.state).toBe('succeeded')
    const x = readNpy(path.join(out, 'x.npy'))
    expect(x.shape).toEqual([3, 4])
    expect(Array.from(x.data as Float32Array).map((v) => Math.round(v * 255))).toEqual([0, 51, 102, 153, 204, 255, 0, 255, 10, 20, 30, 40])
    expect(Array.from(readNpy(path.join(out, 'y.npy')).data as Float32Array)).toEqual([1, 0, 1])
    expect(JSON.parse(readFileSync(path.join(out, 'schema.json'), 'utf8')).classNames).toEqual(['2', '7'])
  })

  it('a bad file fails with its message and hint, and the project keeps no trace', async () => {
    const project = path.join(dir, 'q.ntkw')
    const { o } = await exec({ path: fx('csv', 'ragged.csv'), project })
    expect(o).toMatchObject({ state: 'failed', error: expect.stringMatching(/line 4 has 4 fields/), hint: expect.stringMatching(/same number/) })
    const p = openProject(project)
    try {
      expect(listDatasets(p.db)).toEqual([])
    } finally {
      p.close()
    }
  })

  it('invalid options are refused by the spec schema', async () => {
    const { o } = await exec({ path: fx('csv', 'mixed.csv'), options: { missing: 'guess' } })
    expect(o.state).toBe('failed')
  })
})
