import type { DataRef, LabData } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import type { JobContext } from '../core/job'
import type { Matrix } from '../core/matrix'

export interface LabArrays {
  xTrain: Matrix
  yTrain: Matrix
  xTest: Matrix
  yTest: Matrix
  /** class index per row (argmax of one-hot targets), null for regression targets */
  classTrain: Int32Array | null
  classTest: Int32Array | null
  /** outputs per point (K) */
  k: number
}

function ref(data: LabData, split: 'all' | 'train' | 'test', field: 'x' | 'y', limit: number): DataRef {
  return { type: 'dataset', datasetId: data.datasetId, split, field, limit }
}

function argmaxRows(y: Matrix): Int32Array | null {
  if (y.cols < 2) return null
  const out = new Int32Array(y.rows)
  for (let i = 0; i < y.rows; i++) {
    let best = 0
    for (let c = 1; c < y.cols; c++) if (y.data[i * y.cols + c]! > y.data[i * y.cols + best]!) best = c
    out[i] = best
  }
  return out
}

/** The train and test parts of a project dataset (recipe and split applied), recorded by hash on the run. */
export async function loadLabData(ctx: JobContext, data: LabData): Promise<LabArrays> {
  const xTrain = await ctx.data.load(ref(data, 'train', 'x', data.train))
  const yTrain = await ctx.data.load(ref(data, 'train', 'y', data.train))
  const xTest = await ctx.data.load(ref(data, 'test', 'x', data.test))
  const yTest = await ctx.data.load(ref(data, 'test', 'y', data.test))
  ctx.recordDatasetHash(await ctx.data.hash(ref(data, 'all', 'x', 1)))
  if (xTrain.rows < 2) throw new UserError('too_few_points', `the train part has ${xTrain.rows} rows`, 'Use a dataset with more rows or a larger train fraction in its split.')
  if (xTest.rows < 1) throw new UserError('too_few_points', 'the test part is empty', 'Give the dataset split a test fraction (e.g. 20 %).')
  return { xTrain, yTrain, xTest, yTest, classTrain: argmaxRows(yTrain), classTest: argmaxRows(yTest), k: yTrain.cols }
}

export function toF64(m: Matrix): Float64Array {
  return Float64Array.from(m.data.subarray(0, m.rows * m.cols))
}

/** MSE as the trainer reports it (NT): ‖f − y‖² / (2·N·K). */
export function mseLoss(f: ArrayLike<number>, y: ArrayLike<number>, count: number): number {
  let s = 0
  for (let i = 0; i < count; i++) {
    const r = f[i]! - y[i]!
    s += r * r
  }
  return s / (2 * count)
}

/** Fraction of rows whose argmax of f is the class. */
export function accuracyOf(f: ArrayLike<number>, classes: Int32Array, k: number, offset = 0): number {
  let hits = 0
  for (let i = 0; i < classes.length; i++) {
    let best = 0
    for (let c = 1; c < k; c++) if (f[offset + i * k + c]! > f[offset + i * k + best]!) best = c
    if (best === classes[i]) hits++
  }
  return classes.length ? hits / classes.length : NaN
}
