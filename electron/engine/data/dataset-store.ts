import { createHash, randomUUID } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import type { DataRef } from '../../../shared/jobs/data-ref'
import { DatasetSchema, Recipe, type DatasetPreview, type DatasetSummary, type RecipeInput, type StoredField } from '../../../shared/dataset'
import { UserError } from '../../../shared/errors'
import type { Matrix } from '../core/matrix'
import { bytesOf, type PreparedDataset } from './prepare'
import { applyRecipeX, applyRecipeY } from './recipe'
import { partRows, planRows, splitSizes } from './split'

// Datasets in a project file: one `datasets` row (schema + recipe as JSON) and the raw little-endian bytes
// of x and y cut into ≤ 4 MiB `dataset_chunks` rows. Writes happen in one transaction.

export const DATASET_TABLES_SQL = `
CREATE TABLE IF NOT EXISTS datasets (id TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL, format TEXT NOT NULL,
  hash TEXT NOT NULL, schema_json TEXT NOT NULL, recipe_json TEXT NOT NULL DEFAULT '{}', created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dataset_chunks (dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE, field TEXT NOT NULL,
  chunk INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (dataset_id, field, chunk));
`

/** Creates the two dataset tables when missing (projects opened without the full store). */
export function ensureDatasetTables(db: Database): void {
  db.exec(DATASET_TABLES_SQL)
}

interface DatasetRow {
  id: string
  name: string
  source: string
  format: string
  hash: string
  schema_json: string
  recipe_json: string
  created_at: number
}

interface LoadedDataset {
  row: DatasetRow
  schema: DatasetSchema
  recipe: Recipe
}

function summaryOf(row: DatasetRow, schema: DatasetSchema, recipe: Recipe): DatasetSummary {
  return {
    id: row.id,
    name: row.name,
    source: row.source,
    format: row.format,
    hash: row.hash,
    createdAt: row.created_at,
    rows: schema.rows,
    xShape: schema.x.shape,
    task: schema.task,
    classes: schema.classNames?.length ?? 0,
    bytes: schema.bytes,
    recipe,
  }
}

function getDataset(db: Database, id: string): LoadedDataset {
  const row = db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined
  if (!row) throw new UserError('dataset_not_found', `no dataset with id ${id} in this project`, 'List the datasets of the project to pick an existing one.')
  return { row, schema: DatasetSchema.parse(JSON.parse(row.schema_json)), recipe: Recipe.parse(JSON.parse(row.recipe_json)) }
}

function insertChunks(db: Database, id: string, field: string, data: ArrayBufferView, chunkBytes: number): void {
  const ins = db.prepare('INSERT INTO dataset_chunks (dataset_id, field, chunk, data) VALUES (?, ?, ?, ?)')
  const bytes = bytesOf(data)
  for (let c = 0, off = 0; off < bytes.length; c++, off += chunkBytes) {
    const part = bytes.subarray(off, Math.min(bytes.length, off + chunkBytes))
    ins.run(id, field, c, Buffer.from(part.buffer, part.byteOffset, part.byteLength))
  }
}

/** Stores a prepared dataset in one transaction; returns its summary. */
export function saveDataset(db: Database, d: PreparedDataset, meta: { name: string; source: string; recipe?: RecipeInput; id?: string }): DatasetSummary {
  const recipe = Recipe.parse(meta.recipe ?? {})
  checkRecipe(d.schema, recipe, meta.name)
  const row: DatasetRow = {
    id: meta.id ?? randomUUID(),
    name: meta.name,
    source: meta.source,
    format: d.format,
    hash: d.hash,
    schema_json: JSON.stringify(d.schema),
    recipe_json: JSON.stringify(recipe),
    created_at: Date.now(),
  }
  db.transaction(() => {
    db.prepare('INSERT INTO datasets (id, name, source, format, hash, schema_json, recipe_json, created_at) VALUES (@id, @name, @source, @format, @hash, @schema_json, @recipe_json, @created_at)').run(row)
    insertChunks(db, row.id, 'x', d.x, d.schema.x.chunkBytes)
    if (d.y && d.schema.y) insertChunks(db, row.id, 'y', d.y, d.schema.y.chunkBytes)
  })()
  return summaryOf(row, d.schema, recipe)
}

export function listDatasets(db: Database): DatasetSummary[] {
  const rows = db.prepare('SELECT * FROM datasets ORDER BY created_at, rowid').all() as DatasetRow[]
  return rows.map((r) => summaryOf(r, DatasetSchema.parse(JSON.parse(r.schema_json)), Recipe.parse(JSON.parse(r.recipe_json))))
}

export function deleteDataset(db: Database, id: string): void {
  getDataset(db, id)
  db.transaction(() => {
    db.prepare('DELETE FROM dataset_chunks WHERE dataset_id = ?').run(id)
    db.prepare('DELETE FROM datasets WHERE id = ?').run(id)
  })()
}

function checkRecipe(schema: DatasetSchema, recipe: Recipe, name: string): void {
  if (recipe.subset && schema.task !== 'classification') {
    throw new UserError('bad_recipe', `dataset '${name}' has no classes, so it cannot take a subset of N per class`, 'Remove the subset from the recipe.')
  }
  if (recipe.split) {
    const sizes = splitSizes(schema, recipe)
    if (sizes.train === 0) throw new UserError('bad_recipe', `the split leaves no training rows in dataset '${name}' (${sizes.all} rows)`, 'Raise the training fraction.')
  }
}

export function setRecipe(db: Database, id: string, recipe: RecipeInput): DatasetSummary {
  const parsed = Recipe.safeParse(recipe)
  if (!parsed.success) {
    throw new UserError('bad_recipe', `invalid recipe: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(recipe)'}: ${i.message}`).join('; ')}`)
  }
  const ds = getDataset(db, id)
  checkRecipe(ds.schema, parsed.data, ds.row.name)
  db.prepare('UPDATE datasets SET recipe_json = ? WHERE id = ?').run(JSON.stringify(parsed.data), id)
  return summaryOf(ds.row, ds.schema, parsed.data)
}

function typed(f: StoredField, bytes: Uint8Array): Float32Array | Uint8Array | Int32Array {
  // Chunks come back as separate Buffers; copy into one aligned buffer.
  if (f.dtype === 'u1') return bytes
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice()
  return f.dtype === 'f4' ? new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4) : new Int32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4)
}

const ITEM = { f4: 4, u1: 1, i4: 4 } as const

/** Bytes [start, end) of a stored field, reading only the chunks that hold them. */
function readBytes(db: Database, id: string, field: 'x' | 'y', f: StoredField, start: number, end: number): Uint8Array {
  const out = new Uint8Array(Math.max(0, end - start))
  if (out.length === 0) return out
  const first = Math.floor(start / f.chunkBytes)
  const last = Math.floor((end - 1) / f.chunkBytes)
  const rows = db.prepare('SELECT chunk, data FROM dataset_chunks WHERE dataset_id = ? AND field = ? AND chunk BETWEEN ? AND ? ORDER BY chunk').all(id, field, first, last) as {
    chunk: number
    data: Buffer
  }[]
  if (rows.length !== last - first + 1) throw new UserError('corrupt_dataset', `dataset ${id}: ${field} chunks ${first}–${last} are missing from the project file`, 'Re-import the dataset.')
  for (const r of rows) {
    const c0 = r.chunk * f.chunkBytes
    const a = Math.max(start, c0)
    const b = Math.min(end, c0 + r.data.length)
    if (b > a) out.set(r.data.subarray(a - c0, b - c0), a - start)
  }
  return out
}

function rowBytes(f: StoredField): number {
  return f.shape.slice(1).reduce((a, b) => a * b, 1) * ITEM[f.dtype]
}

function readField(db: Database, id: string, field: 'x' | 'y', f: StoredField, row0 = 0, count = f.shape[0] ?? 0): Float32Array | Uint8Array | Int32Array {
  const rb = rowBytes(f)
  return typed(f, readBytes(db, id, field, f, row0 * rb, (row0 + count) * rb))
}

/** Loads a dataset reference as a matrix with the recipe applied (the engine's DatasetLoader). */
export function loadDatasetRef(db: Database, ref: Extract<DataRef, { type: 'dataset' }>): { matrix: Matrix; hash: string } {
  const { row, schema, recipe } = getDataset(db, ref.datasetId)
  const needY = ref.field === 'y' || (schema.task === 'classification' && (recipe.subset !== undefined || recipe.split?.stratified === true))
  const y = needY && schema.y ? (readField(db, row.id, 'y', schema.y) as Int32Array | Float32Array) : null
  const plan = planRows(schema, schema.task === 'classification' ? (y as Int32Array | null) : null, recipe)
  let rows = partRows(plan, ref.split, row.name)
  if (ref.limit !== undefined) rows = rows.subarray(0, ref.limit)
  let matrix: Matrix
  if (ref.field === 'x') {
    const x = readField(db, row.id, 'x', schema.x) as Float32Array | Uint8Array
    matrix = applyRecipeX(x, schema, recipe, rows, plan.hasSplit ? plan.train : plan.all)
  } else {
    if (!y) applyRecipeY(new Float32Array(0), schema, recipe, rows, row.name)
    matrix = applyRecipeY(y!, schema, recipe, rows, row.name)
  }
  return { matrix, hash: refHash(row.hash, recipe, ref) }
}

/**
 * The hash a run records for a dataset reference, from the content hash taken once at import and what the
 * reference selects (recipe, split, field, limit): reads one row of metadata, never the data.
 */
export function datasetRefHash(db: Database, ref: Extract<DataRef, { type: 'dataset' }>): string {
  const { row, recipe } = getDataset(db, ref.datasetId)
  return refHash(row.hash, recipe, ref)
}

function refHash(contentHash: string, recipe: Recipe, ref: Extract<DataRef, { type: 'dataset' }>): string {
  return createHash('sha256').update(JSON.stringify([contentHash, recipe, ref.split, ref.field, ref.limit ?? null])).digest('hex')
}

/** One page of rows as stored, with the stats and class histogram computed at import. */
export function getDatasetPreview(db: Database, id: string, page: { offset?: number; limit?: number } = {}): DatasetPreview {
  const { row, schema, recipe } = getDataset(db, id)
  const d = schema.x.shape.slice(1).reduce((a, b) => a * b, 1)
  const offset = Math.max(0, Math.min(schema.rows, Math.floor(page.offset ?? 0)))
  // Keep a page under ~1M values whatever the row width.
  const maxRows = Math.max(1, Math.floor(1_000_000 / Math.max(1, d)))
  const count = Math.max(0, Math.min(page.limit ?? 50, maxRows, schema.rows - offset))
  const x = readField(db, id, 'x', schema.x, offset, count)
  const s = schema.x.scale
  const rows: number[][] = []
  for (let i = 0; i < count; i++) rows.push(Array.from(x.subarray(i * d, (i + 1) * d), (v) => v * s))
  let labels: DatasetPreview['labels'] = null
  if (schema.y) {
    const y = readField(db, id, 'y', schema.y, offset, count)
    const k = schema.y.shape.slice(1).reduce((a, b) => a * b, 1)
    labels = []
    for (let i = 0; i < count; i++) {
      if (schema.task === 'classification') labels.push(schema.classNames?.[y[i]!] ?? String(y[i]))
      else labels.push(Array.from(y.subarray(i * k, (i + 1) * k)))
    }
  }
  return { summary: summaryOf(row, schema, recipe), schema, offset, rows, labels, splitCounts: splitSizes(schema, recipe) }
}
