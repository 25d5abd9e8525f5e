import type { DatasetSchema, Recipe } from '../../../shared/dataset'
import { UserError } from '../../../shared/errors'

/**
 * Per-feature scaling fitted on `fitRows`:
 *   standardize: v' = (v − μ_j) / σ_j          (σ_j = 0 → v' = 0)
 *   min-max:     v' = (v − min_j) / (max_j − min_j)   (range 0 → v' = 0)
 * returned as v' = (v − shift_j) · mul_j with v = stored × scale.
 */
export function fitScaler(x: Float32Array | Uint8Array, d: number, scale: number, fitRows: Int32Array, kind: Recipe['scale']): { shift: Float64Array; mul: Float64Array } {
  const shift = new Float64Array(d)
  const mul = new Float64Array(d).fill(1)
  if (kind === 'none') return { shift, mul }
  const n = fitRows.length
  if (n === 0) throw new UserError('bad_recipe', 'the rows used to fit the scaling are empty', 'Give the training part of the split at least one row.')
  if (kind === 'standardize') {
    // Two passes (mean, then squared deviations, each scaled by the column's largest magnitude): exact
    // enough for float32 values anywhere up to ±3.4e38, where E[v²] − E[v]² loses everything.
    const big = new Float64Array(d)
    for (const r of fitRows) {
      const b = r * d
      for (let j = 0; j < d; j++) big[j] = Math.max(big[j]!, Math.abs(x[b + j]! * scale))
    }
    const sum = new Float64Array(d)
    for (const r of fitRows) {
      const b = r * d
      for (let j = 0; j < d; j++) if (big[j]! > 0) sum[j]! += (x[b + j]! * scale) / big[j]!
    }
    for (let j = 0; j < d; j++) shift[j] = (sum[j]! / n) * big[j]!
    const sq = new Float64Array(d)
    for (const r of fitRows) {
      const b = r * d
      for (let j = 0; j < d; j++) {
        if (big[j]! === 0) continue
        const t = (x[b + j]! * scale - shift[j]!) / big[j]!
        sq[j]! += t * t
      }
    }
    for (let j = 0; j < d; j++) {
      const sd = Math.sqrt(sq[j]! / n) * big[j]!
      mul[j] = Number.isFinite(sd) && sd > 1e-12 * Math.max(1, Math.abs(shift[j]!)) ? 1 / sd : 0
    }
    return { shift, mul }
  }
  const lo = new Float64Array(d).fill(Infinity)
  const hi = new Float64Array(d).fill(-Infinity)
  for (const r of fitRows) {
    const b = r * d
    for (let j = 0; j < d; j++) {
      const v = x[b + j]! * scale
      if (v < lo[j]!) lo[j] = v
      if (v > hi[j]!) hi[j] = v
    }
  }
  for (let j = 0; j < d; j++) {
    shift[j] = lo[j]!
    mul[j] = hi[j]! > lo[j]! ? 1 / (hi[j]! - lo[j]!) : 0
  }
  return { shift, mul }
}

/** output column → stored column, for channels-first flattening of an H×W×C image (identity otherwise) */
function flattenOrder(schema: DatasetSchema, recipe: Recipe, d: number): Int32Array | null {
  const img = schema.image
  if (recipe.flatten !== 'chw' || !img || img.channels === 1) return null
  const hw = img.height * img.width
  const perm = new Int32Array(d)
  for (let c = 0; c < img.channels; c++) for (let p = 0; p < hw; p++) perm[c * hw + p] = p * img.channels + c
  return perm
}

/** Features of `rows` with the recipe applied: scale (fitted on fitRows), flatten order, then row L2 norm. */
export function applyRecipeX(
  x: Float32Array | Uint8Array,
  schema: DatasetSchema,
  recipe: Recipe,
  rows: Int32Array,
  fitRows: Int32Array,
): { data: Float32Array; rows: number; cols: number } {
  const d = schema.x.shape.slice(1).reduce((a, b) => a * b, 1)
  const scale = schema.x.scale
  const { shift, mul } = fitScaler(x, d, scale, fitRows, recipe.scale)
  const perm = flattenOrder(schema, recipe, d)
  const out = new Float32Array(rows.length * d)
  const row = new Float64Array(d)
  for (let i = 0; i < rows.length; i++) {
    const b = rows[i]! * d
    let norm = 0
    for (let j = 0; j < d; j++) {
      const src = perm ? perm[j]! : j
      const v = (x[b + src]! * scale - shift[src]!) * mul[src]!
      // The scaling is fitted on the train part: a row far outside it can leave float32's range.
      if (!Number.isFinite(Math.fround(v))) {
        throw new UserError('bad_scaling', `feature ${src + 1} of row ${rows[i]! + 1} is out of float32 range after '${recipe.scale}' scaling (the value ${x[b + src]! * scale} is far outside the training rows)`, "Choose scale 'none' or 'min-max' in the recipe, or remove that row.")
      }
      row[j] = v
      norm += v * v
    }
    const k = recipe.l2Normalize && norm > 0 ? 1 / Math.sqrt(norm) : 1
    const o = i * d
    for (let j = 0; j < d; j++) out[o + j] = row[j]! * k
  }
  return { data: out, rows: rows.length, cols: d }
}

/** Targets of `rows`: one-hot rows (classification), or the class index / stored values as regression targets. */
export function applyRecipeY(y: Int32Array | Float32Array, schema: DatasetSchema, recipe: Recipe, rows: Int32Array, datasetName: string): { data: Float32Array; rows: number; cols: number } {
  if (!schema.y || schema.task === 'none') {
    throw new UserError('no_labels', `dataset '${datasetName}' has no labels`, 'Re-import it with a label column (CSV/JSON) or a y array (NPZ), or use it only as inputs.')
  }
  if (schema.task === 'classification' && recipe.labels === 'one-hot') {
    const k = schema.classNames?.length ?? 0
    const out = new Float32Array(rows.length * k)
    for (let i = 0; i < rows.length; i++) out[i * k + y[rows[i]!]!] = 1
    return { data: out, rows: rows.length, cols: k }
  }
  const cols = schema.y.shape.slice(1).reduce((a, b) => a * b, 1)
  const out = new Float32Array(rows.length * cols)
  for (let i = 0; i < rows.length; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = y[rows[i]! * cols + j]!
  return { data: out, rows: rows.length, cols }
}
