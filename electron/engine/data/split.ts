import { UserError } from '../../../shared/errors'
import type { DatasetSchema, Recipe } from '../../../shared/dataset'
import { uniformStream, shuffle } from '../core/random'

export type SplitPart = 'all' | 'train' | 'validation' | 'test'
export interface RowPlan {
  /** rows after the subset, in file order */
  all: Int32Array
  train: Int32Array
  validation: Int32Array
  test: Int32Array
  hasSplit: boolean
}

function range(n: number): Int32Array {
  const a = new Int32Array(n)
  for (let i = 0; i < n; i++) a[i] = i
  return a
}

/** rows of each class, in file order */
function rowsByClass(y: Int32Array, k: number, rows: Int32Array): Int32Array[] {
  const counts = new Array<number>(k).fill(0)
  for (const r of rows) counts[y[r]!]!++
  const out = counts.map((c) => new Int32Array(c))
  const fill = new Array<number>(k).fill(0)
  for (const r of rows) {
    const c = y[r]!
    out[c]![fill[c]!++] = r
  }
  return out
}

/** sizes of the train and validation parts out of `count` rows */
function cut(count: number, train: number, validation: number): [number, number] {
  const nTrain = Math.min(count, Math.round(count * train))
  const nVal = Math.min(count - nTrain, Math.round(count * validation))
  return [nTrain, nVal]
}

function stratifiable(schema: DatasetSchema, recipe: Recipe): boolean {
  return schema.task === 'classification' && (recipe.split?.stratified ?? false)
}

/**
 * The rows each part of a recipe uses. Subset: per class, a seeded shuffle's first N rows (kept in file
 * order). Split: stratified = each class cut separately by the fractions; otherwise one cut of all rows.
 * Each part is then in its own seeded order, so `limit` takes a random sample, not the file's head.
 */
export function planRows(schema: DatasetSchema, y: Int32Array | null, recipe: Recipe): RowPlan {
  const n = schema.rows
  const k = schema.classNames?.length ?? 0
  let all = range(n)
  if (recipe.subset) {
    if (schema.task !== 'classification' || !y) throw new UserError('bad_recipe', 'a per-class subset needs a classification dataset', 'Remove the subset from the recipe.')
    const rand = uniformStream(recipe.subset.seed)
    const picked: number[] = []
    for (const rows of rowsByClass(y, k, all)) picked.push(...shuffle(rows.slice(), rand).subarray(0, Math.min(rows.length, recipe.subset.perClass)))
    all = Int32Array.from(picked).sort()
  }
  const s = recipe.split
  if (!s) return { all, train: all, validation: new Int32Array(0), test: new Int32Array(0), hasSplit: false }
  const rand = uniformStream(s.seed)
  const train: number[] = []
  const validation: number[] = []
  const test: number[] = []
  const groups = stratifiable(schema, recipe) && y ? rowsByClass(y, k, all) : [all]
  for (const g of groups) {
    const rows = shuffle(g.slice(), rand)
    const [nTrain, nVal] = cut(rows.length, s.train, s.validation)
    for (let i = 0; i < rows.length; i++) (i < nTrain ? train : i < nTrain + nVal ? validation : test).push(rows[i]!)
  }
  return {
    all,
    train: shuffle(Int32Array.from(train), rand),
    validation: shuffle(Int32Array.from(validation), rand),
    test: shuffle(Int32Array.from(test), rand),
    hasSplit: true,
  }
}

/** The part sizes planRows will produce, from the stored class counts alone (no data read). */
export function splitSizes(schema: DatasetSchema, recipe: Recipe): Record<SplitPart, number> {
  const classCounts = schema.task === 'classification' ? (schema.classCounts ?? []) : []
  const base = recipe.subset ? classCounts.map((c) => Math.min(c, recipe.subset!.perClass)) : classCounts
  const all = recipe.subset ? base.reduce((a, b) => a + b, 0) : schema.rows
  const s = recipe.split
  if (!s) return { all, train: all, validation: 0, test: 0 }
  const groups = stratifiable(schema, recipe) ? base : [all]
  let train = 0
  let validation = 0
  for (const c of groups) {
    const [t, v] = cut(c, s.train, s.validation)
    train += t
    validation += v
  }
  return { all, train, validation, test: all - train - validation }
}

export function partRows(plan: RowPlan, part: SplitPart, datasetName: string): Int32Array {
  if (part !== 'all' && part !== 'train' && !plan.hasSplit) {
    throw new UserError('no_split', `dataset '${datasetName}' has no ${part} part: its recipe has no split`, 'Set a split (e.g. 80 % train, 10 % validation, 10 % test) in the dataset recipe first.')
  }
  return plan[part]
}
