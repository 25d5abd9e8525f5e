import { describe, expect, it } from 'vitest'
import { ImportOptions, Recipe, type RecipeInput } from '../../../shared/dataset'
import { prepareDataset } from '../../../electron/engine/data/prepare'
import { planRows, splitSizes } from '../../../electron/engine/data/split'
import { getDatasetPreview, loadDatasetRef, saveDataset, setRecipe } from '../../../electron/engine/data/dataset-store'
import { memDb } from './helpers'

/** n rows, 3 features with distinct scales; classes 0..k−1 with uneven counts (row i has class ⌊√i⌋ mod k) */
function synthetic(n: number, k: number) {
  const x = new Float32Array(n * 3)
  const y = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    x[i * 3] = i
    x[i * 3 + 1] = Math.sin(i) * 10 + 5
    x[i * 3 + 2] = (i % 7) - 3
    y[i] = Math.floor(Math.sqrt(i)) % k
  }
  return { x, y }
}

function stored(n = 300, k = 3, recipe: RecipeInput = {}) {
  const db = memDb()
  const { x, y } = synthetic(n, k)
  const prepared = prepareDataset(
    { format: 'npy', x, xShape: [n, 3], y: { kind: 'classes', indices: y, names: Array.from({ length: k }, (_, i) => `c${i}`) }, notes: [] },
    ImportOptions.parse({}),
    'synthetic',
  )
  const s = saveDataset(db, prepared, { name: 'synthetic', source: 'test', recipe })
  return { db, id: s.id, x, y, schema: prepared.schema }
}

const ref = (datasetId: string, split: 'all' | 'train' | 'validation' | 'test', field: 'x' | 'y' = 'x', limit?: number) =>
  ({ type: 'dataset', datasetId, split, field, ...(limit ? { limit } : {}) }) as const

describe('row plans: subset and split', () => {
  it('stratified split: disjoint parts covering all rows, per-class sizes round(c·f), sizes predicted without data', () => {
    const { schema, y } = stored()
    const recipe = Recipe.parse({ split: { train: 0.6, validation: 0.25, seed: 3 } })
    const plan = planRows(schema, y, recipe)
    const all = [...plan.train, ...plan.validation, ...plan.test].sort((a, b) => a - b)
    expect(all).toEqual(Array.from({ length: 300 }, (_, i) => i))
    for (let c = 0; c < 3; c++) {
      const count = Array.from(y).filter((v) => v === c).length
      const inTrain = Array.from(plan.train).filter((r) => y[r] === c).length
      const inVal = Array.from(plan.validation).filter((r) => y[r] === c).length
      expect(inTrain).toBe(Math.round(count * 0.6))
      expect(inVal).toBe(Math.round(count * 0.25))
    }
    const sizes = splitSizes(schema, recipe)
    expect(sizes).toEqual({ all: 300, train: plan.train.length, validation: plan.validation.length, test: plan.test.length })
    // same seed, same plan; another seed, another plan
    expect(Array.from(planRows(schema, y, recipe).train)).toEqual(Array.from(plan.train))
    expect(Array.from(planRows(schema, y, Recipe.parse({ split: { train: 0.6, validation: 0.25, seed: 4 } })).train)).not.toEqual(Array.from(plan.train))
  })

  it('plain split cuts the shuffled rows once', () => {
    const { schema, y } = stored()
    const recipe = Recipe.parse({ split: { train: 0.5, validation: 0.1, stratified: false, seed: 1 } })
    const plan = planRows(schema, y, recipe)
    expect([plan.train.length, plan.validation.length, plan.test.length]).toEqual([150, 30, 120])
    expect(splitSizes(schema, recipe)).toEqual({ all: 300, train: 150, validation: 30, test: 120 })
  })

  it('N per class subset: min(N, count) rows of each class, in file order, then split', () => {
    const { schema, y } = stored()
    const recipe = Recipe.parse({ subset: { perClass: 40, seed: 9 }, split: { train: 0.5, seed: 2 } })
    const plan = planRows(schema, y, recipe)
    const perClass = [0, 1, 2].map((c) => Array.from(plan.all).filter((r) => y[r] === c).length)
    const counts = [0, 1, 2].map((c) => Array.from(y).filter((v) => v === c).length)
    expect(perClass).toEqual(counts.map((n) => Math.min(n, 40)))
    expect(Array.from(plan.all)).toEqual(Array.from(plan.all).sort((a, b) => a - b))
    expect(new Set([...plan.train, ...plan.test]).size).toBe(plan.all.length)
    expect(splitSizes(schema, recipe)).toEqual({ all: plan.all.length, train: plan.train.length, validation: 0, test: plan.test.length })
  })
})

describe('loadDatasetRef applies the recipe', () => {
  it('standardize fitted on the training rows (float64 brute force here), applied to test rows', () => {
    const { db, id, x } = stored(300, 3, { scale: 'standardize', split: { train: 0.7, validation: 0, seed: 5 } })
    const { y } = synthetic(300, 3)
    const schema = getDatasetPreview(db, id).schema
    const plan = planRows(schema, y, Recipe.parse({ scale: 'standardize', split: { train: 0.7, validation: 0, seed: 5 } }))
    const test = loadDatasetRef(db, ref(id, 'test')).matrix
    expect(test.rows).toBe(plan.test.length)
    for (let j = 0; j < 3; j++) {
      const vals = Array.from(plan.train, (r) => x[r * 3 + j]!)
      const mean = vals.reduce((a, b) => a + b, 0) / vals.length
      const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length)
      for (let i = 0; i < test.rows; i++) expect(test.data[i * 3 + j]).toBeCloseTo((x[plan.test[i]! * 3 + j]! - mean) / sd, 4)
    }
    const train = loadDatasetRef(db, ref(id, 'train')).matrix
    for (let j = 0; j < 3; j++) {
      let s = 0
      for (let i = 0; i < train.rows; i++) s += train.data[i * 3 + j]!
      expect(s / train.rows).toBeCloseTo(0, 4)
    }
  })

  it('min-max then L2-normalised rows', () => {
    const { db, id, x } = stored(50, 2, { scale: 'min-max', l2Normalize: true })
    const m = loadDatasetRef(db, ref(id, 'all')).matrix
    const lo = [0, 1, 2].map((j) => Math.min(...Array.from({ length: 50 }, (_, i) => x[i * 3 + j]!)))
    const hi = [0, 1, 2].map((j) => Math.max(...Array.from({ length: 50 }, (_, i) => x[i * 3 + j]!)))
    for (let i = 0; i < 50; i++) {
      const v = [0, 1, 2].map((j) => (x[i * 3 + j]! - lo[j]!) / (hi[j]! - lo[j]!))
      const norm = Math.hypot(...v)
      for (let j = 0; j < 3; j++) expect(m.data[i * 3 + j]).toBeCloseTo(norm > 0 ? v[j]! / norm : 0, 5)
    }
  })

  it('labels: one-hot rows or class index; limit takes the first rows of the part', () => {
    const { db, id, y } = stored(60, 3, { split: { train: 0.5, seed: 1 } })
    const yTrain = loadDatasetRef(db, ref(id, 'train', 'y')).matrix
    const xTrain = loadDatasetRef(db, ref(id, 'train', 'x')).matrix
    expect(yTrain.cols).toBe(3)
    for (let i = 0; i < yTrain.rows; i++) {
      const row = xTrain.data[i * 3]! // feature 0 is the row index
      expect(Array.from(yTrain.data.subarray(i * 3, i * 3 + 3))).toEqual([0, 1, 2].map((c) => (c === y[row] ? 1 : 0)))
    }
    setRecipe(db, id, { split: { train: 0.5, seed: 1 }, labels: 'regression' })
    const yIdx = loadDatasetRef(db, ref(id, 'train', 'y', 7)).matrix
    expect([yIdx.rows, yIdx.cols]).toEqual([7, 1])
    for (let i = 0; i < 7; i++) expect(yIdx.data[i]).toBe(y[xTrain.data[i * 3]!])
  })

  it('channels-first flattening permutes H×W×C to C×H×W', () => {
    const db = memDb()
    const h = 2
    const w = 3
    const c = 3
    const x = Uint8Array.from({ length: 2 * h * w * c }, (_, i) => i)
    const prepared = prepareDataset({ format: 'npy', x, xShape: [2, h, w, c], image: { height: h, width: w, channels: c }, y: null, notes: [] }, ImportOptions.parse({}), 'img')
    const s = saveDataset(db, prepared, { name: 'img', source: 't', recipe: { flatten: 'chw' } })
    const m = loadDatasetRef(db, ref(s.id, 'all')).matrix
    for (let n = 0; n < 2; n++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) expect(m.data[n * 18 + ch * h * w + p]).toBe(n * 18 + p * c + ch)
  })

  it('hash depends on the recipe and the part; errors for missing parts and bad recipes leave the recipe unchanged', () => {
    const { db, id } = stored(60, 3)
    const h1 = loadDatasetRef(db, ref(id, 'all')).hash
    expect(() => loadDatasetRef(db, ref(id, 'test'))).toThrow(/no test part/)
    setRecipe(db, id, { split: { train: 0.5, seed: 1 } })
    const h2 = loadDatasetRef(db, ref(id, 'all')).hash
    expect(h2).not.toBe(h1)
    expect(loadDatasetRef(db, ref(id, 'train')).hash).not.toBe(h2)
    expect(() => setRecipe(db, id, { split: { train: 0.9, validation: 0.5 } })).toThrow(/at most 1/)
    expect(() => setRecipe(db, id, { split: { train: 0, validation: 0.5 } })).toThrow(/no training rows/)
    expect(getDatasetPreview(db, id).summary.recipe.split?.train).toBe(0.5)
  })
})
