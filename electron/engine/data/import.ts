import { basename } from 'node:path'
import type { Database } from 'better-sqlite3'
import type { DataFormat, DatasetSummary, ImportOptions, ImportOptionsInput, RecipeInput } from '../../../shared/dataset'
import { UserError } from '../../../shared/errors'
import { importDefaults } from '../../../shared/import-defaults'
import { withDefaults } from './default-recipe'
import { exampleDataset, isExample } from './examples'
import { memoryBudget } from './limits'
import { prepareDataset, type PreparedDataset } from './prepare'
import { detectFormat } from './sniff'
import type { ParsedDataset, ReadContext } from './types'

// Readers, zod and the project store load when a file needs them: `ntkw data inspect` of a small CSV
// loads neither zod, csv-parse (quoted files only), the image codecs nor SQLite (docs/performance.md).

export interface ImportHooks {
  progress?(fraction: number, message?: string): void
  yield?(): Promise<void>
}

async function parseOptions(input: ImportOptionsInput | undefined): Promise<ImportOptions> {
  if (!input || Object.values(input).every((v) => v === undefined)) return importDefaults()
  const { ImportOptions } = await import('../../../shared/dataset')
  const r = ImportOptions.safeParse(input)
  if (!r.success) throw new UserError('bad_options', `invalid import options: ${r.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ')}`)
  return r.data
}

/** Reads any supported input into memory (nothing is stored). */
export async function readDataset(path: string, format: DataFormat | 'auto', options: ImportOptions, hooks: ImportHooks = {}): Promise<ParsedDataset> {
  if (isExample(path)) return exampleDataset(path)
  const fmt = format === 'auto' ? detectFormat(path) : format
  const ctx: ReadContext = {
    name: basename(path),
    options,
    budget: memoryBudget(options.maxBytes),
    progress: (f, m) => hooks.progress?.(f * 0.8, m),
    yield: hooks.yield ?? (() => new Promise((r) => setImmediate(r))),
  }
  switch (fmt) {
    case 'csv':
    case 'tsv':
      return (await import('./readers/csv')).readCsv(path, ctx, fmt === 'tsv')
    case 'npy':
      return (await import('./readers/npy-dataset')).readNpyFile(path, ctx)
    case 'npz':
      return (await import('./readers/npz')).readNpzFile(path, ctx)
    case 'idx':
      return (await import('./readers/idx')).readIdxFile(path, ctx)
    case 'images':
      return (await import('./readers/images')).readImageFolder(path, ctx)
    case 'json':
    case 'jsonl':
      return (await import('./readers/json')).readJsonFile(path, ctx, fmt === 'jsonl')
  }
}

/**
 * A dataset's name from what was imported: the file's name without its data extensions (digits.csv → digits,
 * t10k-images-idx3-ubyte.gz → t10k-images), an image folder's name, an example's key. The file name itself
 * stays visible as the dataset's source. Every import (app, drop upload, `ntkw data import`) is named here.
 */
export function datasetNameOf(path: string): string {
  if (isExample(path)) return path.slice('example:'.length)
  const file = basename(path)
  const name = file.replace(/\.gz$/i, '').replace(/(?:[.-]idx\d-ubyte|-ubyte|\.(?:csv|tsv|tab|txt|npy|npz|json|jsonl|ndjson|idx))$/i, '')
  return name || file
}

/** Reads and validates an input: the dataset exactly as it would be stored. */
export async function loadForImport(path: string, format: DataFormat | 'auto', optionsIn?: ImportOptionsInput, hooks: ImportHooks = {}): Promise<{ prepared: PreparedDataset; name: string; options: ImportOptions }> {
  const options = await parseOptions(optionsIn)
  const parsed = await readDataset(path, format, options, hooks)
  hooks.progress?.(0.85, 'validating')
  const name = options.name ?? datasetNameOf(path)
  // errors name the file the user chose, whatever the dataset will be called
  return { prepared: prepareDataset(parsed, options, isExample(path) ? name : basename(path)), name, options }
}

/** Imports a file into the project: read, validate, then store in one transaction (all or nothing), with the default recipe under `opts.recipe`. */
export async function importDataset(
  db: Database,
  path: string,
  opts: { format?: DataFormat | 'auto'; options?: ImportOptionsInput; recipe?: RecipeInput } = {},
  hooks: ImportHooks = {},
): Promise<DatasetSummary> {
  const { prepared, name } = await loadForImport(path, opts.format ?? 'auto', opts.options, hooks)
  hooks.progress?.(0.9, 'storing')
  // A fresh dataset gets the default recipe (split + scaling) under whatever the caller chose.
  const recipe = withDefaults(prepared.schema, opts.recipe)
  const { saveDataset } = await import('./dataset-store')
  const summary = saveDataset(db, prepared, { name, source: isExample(path) ? path : basename(path), recipe })
  hooks.progress?.(1, 'stored')
  return summary
}
