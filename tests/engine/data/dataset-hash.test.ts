import { createHash } from 'node:crypto'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeNpy } from '../../../electron/engine/io/npy'
import { executeJob } from '../../../electron/engine/jobs/execute'
import { DirArtifactSink } from '../../../electron/engine/jobs/dir-sink'
import { createDataResolver } from '../../../electron/engine/jobs/data-resolver'
import { projectDatasets } from '../../../electron/engine/jobs/project-datasets'
import { listDatasets } from '../../../electron/engine/data/dataset-store'
import { openProject } from '../../../electron/engine/store/project-db'
import type { DataRef } from '../../../shared/index'
import { fx } from './helpers'

// Issue 13: a dataset is hashed once, from its content, at import; a job loads data and its hash in one call
// and never reads the data again just to hash it.

const dir = mkdtempSync(path.join(tmpdir(), 'ntkw-hash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function importInto(project: string, file: string): Promise<void> {
  const o = await executeJob({ kind: 'dataset-import', path: file, project, recipe: { split: { train: 0.5, seed: 0 } } } as never, {
    runId: 'r',
    signal: new AbortController().signal,
    emit: () => undefined,
    artifacts: new DirArtifactSink(dir),
    data: createDataResolver(),
  })
  expect(o.state).toBe('succeeded')
}

describe('dataset hashing', () => {
  it('an NPY file is hashed from the bytes it was decoded from, and not read again for hash()', async () => {
    const file = path.join(dir, 'x.npy')
    writeNpy(file, new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2])
    const expected = createHash('sha256').update(readFileSync(file)).digest('hex')
    const resolver = createDataResolver()
    const ref: DataRef = { type: 'npy', path: file }
    const { matrix, hash } = await resolver.loadWithHash(ref)
    expect(matrix.rows).toBe(3)
    expect(hash).toBe(expected)
    unlinkSync(file)
    // the file is gone: a hash that re-read it would throw
    expect(await resolver.hash(ref)).toBe(expected)
    await expect(resolver.load(ref)).rejects.toMatchObject({ code: 'file_unreadable' })
  })

  it('a project dataset ref hashes from the import-time content hash without reading the data', async () => {
    const project = path.join(dir, 'p.ntkw')
    const copy = path.join(dir, 'copy.csv')
    copyFileSync(fx('csv', 'semicolon_noheader.csv'), copy)
    await importInto(project, fx('csv', 'semicolon_noheader.csv'))
    await importInto(project, copy)
    const p = openProject(project)
    try {
      const [a, b] = listDatasets(p.db)
      const ref = (id: string): DataRef => ({ type: 'dataset', datasetId: id, split: 'train', field: 'x' })
      const loaded = await createDataResolver(projectDatasets(p.db)).loadWithHash(ref(a!.id))
      expect(loaded.matrix.rows).toBe(4)
      // same content imported twice (another file name, another id): the same hash
      expect(await createDataResolver(projectDatasets(p.db)).hash(ref(b!.id))).toBe(loaded.hash)
      // another part of the same data: another hash
      expect(await createDataResolver(projectDatasets(p.db)).hash({ ...ref(a!.id), split: 'test' } as DataRef)).not.toBe(loaded.hash)
      // the stored data removed: hash() still answers (it never reads it), load() cannot
      p.db.prepare('DELETE FROM dataset_chunks WHERE dataset_id = ?').run(a!.id)
      const fresh = createDataResolver(projectDatasets(p.db))
      expect(await fresh.hash(ref(a!.id))).toBe(loaded.hash)
      await expect(fresh.load(ref(a!.id))).rejects.toThrow()
    } finally {
      p.close()
    }
  })
})
