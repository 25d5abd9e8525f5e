import Database from 'better-sqlite3'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import type { DataFormat, ImportOptionsInput } from '../../../shared/dataset'
import { UserError } from '../../../shared/errors'
import { importDataset } from '../../../electron/engine/data/import'
import { loadDatasetRef } from '../../../electron/engine/data/dataset-store'

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/data')
export const fx = (...p: string[]): string => path.join(FIXTURES, ...p)

/** A project database with the dataset tables of schema v1 (SQL as agreed with the store, written out here). */
export function memDb(): Database.Database {
  const db = new Database(':memory:')
  db.pragma('foreign_keys = ON')
  db.exec(`CREATE TABLE datasets (id TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL, format TEXT NOT NULL,
    hash TEXT NOT NULL, schema_json TEXT NOT NULL, recipe_json TEXT NOT NULL DEFAULT '{}', created_at INTEGER NOT NULL);
  CREATE TABLE dataset_chunks (dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE, field TEXT NOT NULL,
    chunk INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (dataset_id, field, chunk));`)
  return db
}

export function counts(db: Database.Database): { datasets: number; chunks: number } {
  return {
    datasets: (db.prepare('SELECT COUNT(*) AS n FROM datasets').get() as { n: number }).n,
    chunks: (db.prepare('SELECT COUNT(*) AS n FROM dataset_chunks').get() as { n: number }).n,
  }
}

/** Imports into a fresh db and returns the summary, x and y (recipe scale 'none': values as stored). */
export async function load(file: string, options: ImportOptionsInput = {}, format: DataFormat | 'auto' = 'auto') {
  const db = memDb()
  const summary = await importDataset(db, file, { format, options, recipe: { scale: 'none' } })
  const x = loadDatasetRef(db, { type: 'dataset', datasetId: summary.id, split: 'all', field: 'x' }).matrix
  const y = summary.task === 'none' ? null : loadDatasetRef(db, { type: 'dataset', datasetId: summary.id, split: 'all', field: 'y' }).matrix
  return { db, summary, x, y }
}

/** Expects the import to fail with a UserError of `code` whose message matches, leaving the project empty. */
export async function expectImportError(file: string, code: string, message: RegExp, options: ImportOptionsInput = {}, format: DataFormat | 'auto' = 'auto'): Promise<UserError> {
  const db = memDb()
  let err: unknown
  try {
    await importDataset(db, file, { format, options })
  } catch (e) {
    err = e
  }
  expect(err, `import of ${path.basename(file)} should fail`).toBeInstanceOf(UserError)
  const ue = err as UserError
  expect(ue.code).toBe(code)
  expect(ue.message).toMatch(message)
  expect(ue.hint ?? '').not.toBe('')
  expect(counts(db)).toEqual({ datasets: 0, chunks: 0 })
  return ue
}

/** one-hot rows → class indices */
export function argmaxRows(m: { data: ArrayLike<number>; rows: number; cols: number }): number[] {
  const out: number[] = []
  for (let r = 0; r < m.rows; r++) {
    let best = 0
    for (let c = 1; c < m.cols; c++) if (m.data[r * m.cols + c]! > m.data[r * m.cols + best]!) best = c
    out.push(best)
  }
  return out
}
