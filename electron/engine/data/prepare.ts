import { createHash } from 'node:crypto'
import type { DatasetSchema, ImportOptions } from '../../../shared/dataset'
import { UserError } from '../../../shared/errors'
import { encodeTargets, type EncodedTargets } from './labels'
import { CHUNK_BYTES } from './limits'
import { columnStats } from './stats'
import type { ParsedDataset } from './types'

/** A dataset checked and encoded, ready to be stored: nothing in it can fail any more. */
export interface PreparedDataset {
  format: ParsedDataset['format']
  x: Float32Array | Uint8Array
  y: Int32Array | Float32Array | null
  schema: DatasetSchema
  hash: string
}

export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
}

function chunksFor(bytes: number): number {
  return Math.ceil(bytes / CHUNK_BYTES)
}

/** Validates a parsed dataset (not empty, finite, labels match rows, ≥ 2 classes) and computes its stats. */
export function prepareDataset(p: ParsedDataset, options: ImportOptions, name: string): PreparedDataset {
  const n = p.xShape[0] ?? 0
  const d = p.xShape.slice(1).reduce((a, b) => a * b, 1)
  if (p.xShape.length === 0) throw new UserError('bad_shape', `${name}: the features are a single number (a 0-d array), not a dataset`, 'Save an array with one row per example.')
  if (n === 0) throw new UserError('empty', `${name}: the dataset has no rows`, 'Check that the file holds data rows (not only a header) and try again.')
  if (d === 0) throw new UserError('empty', `${name}: the rows have no feature values (shape ${p.xShape.join('×')})`, 'Check the label column choice: every column may have been used as the label or dropped.')
  if (p.x.length !== n * d) throw new Error(`internal: x has ${p.x.length} values for shape ${p.xShape.join('×')}`)
  const xScale = p.xScale ?? 1
  const stats = columnStats(p.x, n, d, xScale, p.featureNames)
  if (!stats.finite && p.x instanceof Float32Array) {
    // Only now look for the first bad value, to name it.
    const x = p.x
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i]!)) {
        throw new UserError(
          'non_finite',
          `${name}: feature value ${String(x[i])} at row ${Math.floor(i / d)}, column ${i % d} (NaN or Inf)`,
          'Replace NaN/Inf values before importing (for CSV, empty cells are treated as missing and can be dropped or imputed with the missing option).',
        )
      }
    }
  }
  let targets: EncodedTargets | null = null
  if (p.y) {
    const count = p.y.kind === 'numeric' ? (p.y.shape[0] ?? 0) : p.y.kind === 'text' ? p.y.values.length : p.y.indices.length
    if (count !== n) {
      throw new UserError('label_count', `${name}: ${count} labels for ${n} examples`, 'The label array must have exactly one entry per example (same first dimension as x).')
    }
    targets = encodeTargets(p.y, options.task, name, p.labelColumn ? `label column '${p.labelColumn}'` : 'the labels')
  }
  if (stats.columns && p.sourceColumns && p.featureNames) {
    // Missing counts belong to source columns; report them on each feature that came from one.
    const bySource = new Map(p.sourceColumns.map((c) => [c.name, c.missing]))
    for (const c of stats.columns) c.missing = bySource.get(c.name.split('=')[0]!) ?? 0
  }
  const xDtype = p.x instanceof Uint8Array ? 'u1' : 'f4'
  const yDtype = targets ? (targets.y instanceof Int32Array ? 'i4' : 'f4') : null
  const bytes = p.x.byteLength + (targets?.y.byteLength ?? 0)
  const schema: DatasetSchema = {
    version: 1,
    rows: n,
    x: { dtype: xDtype, shape: p.xShape, scale: xScale, chunkBytes: CHUNK_BYTES, chunks: chunksFor(p.x.byteLength) },
    y: targets && yDtype ? { dtype: yDtype, shape: targets.yShape, scale: 1, chunkBytes: CHUNK_BYTES, chunks: chunksFor(targets.y.byteLength) } : null,
    task: targets?.task ?? 'none',
    ...(targets?.classNames ? { classNames: targets.classNames, classCounts: targets.classCounts! } : {}),
    ...(p.featureNames ? { featureNames: p.featureNames } : {}),
    ...(stats.columns ? { columns: stats.columns } : {}),
    summary: stats.summary,
    ...(p.image ? { image: p.image } : {}),
    ...(p.sourceColumns ? { sourceColumns: p.sourceColumns } : {}),
    ...(p.labelColumn ? { labelColumn: p.labelColumn } : {}),
    notes: p.notes,
    bytes,
  }
  // Content hash over what is stored: shapes, dtypes and bytes of x and y.
  const h = createHash('sha256')
  h.update(JSON.stringify({ x: [xDtype, p.xShape, xScale], y: targets ? [yDtype, targets.yShape, targets.classNames ?? null] : null }))
  h.update(bytesOf(p.x))
  if (targets) h.update(bytesOf(targets.y))
  return { format: p.format, x: p.x, y: targets?.y ?? null, schema, hash: h.digest('hex') }
}
