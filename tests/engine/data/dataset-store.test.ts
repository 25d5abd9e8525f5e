import Database from 'better-sqlite3'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ImportOptions } from '../../../shared/dataset'
import { encodeNpy } from '../../../electron/engine/io/npy'
import { importDataset } from '../../../electron/engine/data/import'
import { prepareDataset } from '../../../electron/engine/data/prepare'
import { deleteDataset, ensureDatasetTables, getDatasetPreview, listDatasets, loadDatasetRef, saveDataset } from '../../../electron/engine/data/dataset-store'
import { counts, memDb } from './helpers'

const dir = mkdtempSync(path.join(tmpdir(), 'ntkw-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('dataset storage', () => {
  it('large data is cut into ≤ 4 MiB chunks and read back exactly, page by page', async () => {
    const n = 1500
    const d = 1000 // 6 MB of float32
    const x = Float32Array.from({ length: n * d }, (_, i) => (i % 9973) * 0.5)
    const file = path.join(dir, 'big.npy')
    writeFileSync(file, encodeNpy(x, [n, d]))
    const db = memDb()
    const s = await importDataset(db, file, { recipe: { scale: 'none' } })
    const chunks = db.prepare('SELECT field, chunk, length(data) AS bytes FROM dataset_chunks WHERE dataset_id = ? ORDER BY chunk').all(s.id) as { bytes: number }[]
    expect(chunks.length).toBe(Math.ceil((n * d * 4) / (4 * 1024 * 1024)))
    expect(chunks.every((c) => c.bytes <= 4 * 1024 * 1024)).toBe(true)
    expect(chunks.reduce((a, c) => a + c.bytes, 0)).toBe(n * d * 4)
    // a page straddling the chunk boundary (row 1048.576)
    const p = getDatasetPreview(db, s.id, { offset: 1047, limit: 3 })
    expect(p.rows.length).toBe(3)
    for (let r = 0; r < 3; r++) for (const j of [0, 1, 577, 999]) expect(p.rows[r]![j]).toBe(x[(1047 + r) * d + j])
    const all = loadDatasetRef(db, { type: 'dataset', datasetId: s.id, split: 'all', field: 'x' }).matrix
    expect(all.data).toEqual(x)
  })

  it('preview of a 1M-row dataset reads only the chunks of the page; stats and histogram come from the schema', () => {
    const n = 1_000_000
    const x = new Float32Array(n * 2)
    const y = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      x[2 * i] = i
      x[2 * i + 1] = -i
      y[i] = i % 3
    }
    const db = memDb()
    const prepared = prepareDataset({ format: 'npy', x, xShape: [n, 2], y: { kind: 'classes', indices: y, names: ['a', 'b', 'c'] }, notes: [] }, ImportOptions.parse({}), 'big')
    const s = saveDataset(db, prepared, { name: 'big', source: 't' })
    const p = getDatasetPreview(db, s.id, { offset: n - 5, limit: 10 })
    expect(p.rows).toEqual([0, 1, 2, 3, 4].map((k) => [n - 5 + k, -(n - 5 + k)]))
    expect(p.labels).toEqual([0, 1, 2, 3, 4].map((k) => ['a', 'b', 'c'][(n - 5 + k) % 3]))
    expect(p.schema.classCounts).toEqual([333334, 333333, 333333])
    expect(p.schema.columns![0]!.mean).toBeCloseTo((n - 1) / 2, 3)
    expect(p.schema.columns![0]!.std).toBeCloseTo(Math.sqrt((n * n - 1) / 12), 0)
  })

  it('a failure while storing rolls everything back', () => {
    const db = memDb()
    db.exec(`CREATE TRIGGER fail_second AFTER INSERT ON dataset_chunks WHEN NEW.chunk = 1 BEGIN SELECT RAISE(ABORT, 'disk full'); END;`)
    const x = new Float32Array(2 * 1024 * 1024) // 8 MiB: two chunks
    const prepared = prepareDataset({ format: 'npy', x, xShape: [2048, 1024], y: null, notes: [] }, ImportOptions.parse({}), 'x')
    expect(() => saveDataset(db, prepared, { name: 'x', source: 't' })).toThrow(/disk full/)
    expect(counts(db)).toEqual({ datasets: 0, chunks: 0 })
  })

  it('list, delete, and a project file reopened elsewhere still holds the dataset', async () => {
    const file = path.join(dir, 'p.ntkw')
    let db = new Database(file)
    ensureDatasetTables(db)
    const a = await importDataset(db, 'example:iris')
    const b = await importDataset(db, 'example:moons', { recipe: { split: { train: 0.8 } } })
    expect(listDatasets(db).map((d) => d.name)).toEqual(['iris', 'moons'])
    db.close()
    db = new Database(file, { readonly: true })
    const m = loadDatasetRef(db, { type: 'dataset', datasetId: b.id, split: 'train', field: 'x' }).matrix
    expect([m.rows, m.cols]).toEqual([320, 2])
    expect(listDatasets(db)[0]!.hash).toBe(a.hash)
    db.close()
    db = new Database(file)
    db.pragma('foreign_keys = ON')
    deleteDataset(db, a.id)
    expect(listDatasets(db).map((d) => d.name)).toEqual(['moons'])
    expect((db.prepare('SELECT COUNT(*) AS n FROM dataset_chunks WHERE dataset_id = ?').get(a.id) as { n: number }).n).toBe(0)
    expect(() => deleteDataset(db, a.id)).toThrow(/no dataset with id/)
    db.close()
  })

  it('the same content gives the same hash, different content another', async () => {
    const db = memDb()
    const a = await importDataset(db, 'example:iris')
    const b = await importDataset(db, 'example:iris')
    const c = await importDataset(db, 'example:spirals')
    expect(a.hash).toBe(b.hash)
    expect(c.hash).not.toBe(a.hash)
  })
})
