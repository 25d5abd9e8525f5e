import type { DataRef, LabData } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import type { JobContext } from '../core/job'
import type { Matrix } from '../core/matrix'
import { argmaxRows } from '../core/metrics'

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
  /** train and test rows */
  n: number
  m: number
}

/** An in-memory experiment's bound on its train size, and its name for the error. */
export interface LabLimit {
  maxTrain: number
  what: string
}


function ref(data: LabData, split: 'all' | 'train' | 'test', field: 'x' | 'y', limit: number): DataRef {
  return { type: 'dataset', datasetId: data.datasetId, split, field, limit }
}

/** Class of each row of one-hot targets (null for a single output column: regression). */
function classesOf(y: Matrix): Int32Array | null {
  return y.cols < 2 ? null : argmaxRows(y.data, y.rows, y.cols)
}

/** The train and test parts of a project dataset (recipe and split applied), recorded by hash on the run. */
export async function loadLabData(ctx: JobContext, data: LabData, limit?: LabLimit): Promise<LabArrays> {
  const xTrain = await ctx.data.load(ref(data, 'train', 'x', data.train))
  const yTrain = await ctx.data.load(ref(data, 'train', 'y', data.train))
  const xTest = await ctx.data.load(ref(data, 'test', 'x', data.test))
  const yTest = await ctx.data.load(ref(data, 'test', 'y', data.test))
  ctx.recordDatasetHash(await ctx.data.hash(ref(data, 'all', 'x', 1)))
  if (xTrain.rows < 2) throw new UserError('too_few_points', `the train part has ${xTrain.rows} rows`, 'Use a dataset with more rows or a larger train fraction in its split.')
  if (xTest.rows < 1) throw new UserError('too_few_points', 'the test part is empty', 'Give the dataset split a test fraction (e.g. 20 %).')
  if (xTrain.rows < data.train || xTest.rows < data.test) {
    ctx.log('info', `using ${xTrain.rows} train / ${xTest.rows} test points: the dataset's split holds fewer than the ${data.train} / ${data.test} asked for`)
  }
  if (limit) checkLabSize(xTrain.rows, limit.maxTrain, limit.what)
  return { xTrain, yTrain, xTest, yTest, classTrain: classesOf(yTrain), classTest: classesOf(yTest), k: yTrain.cols, n: xTrain.rows, m: xTest.rows }
}

export function checkLabSize(n: number, max: number, what: string): void {
  if (n > max) {
    throw new UserError('too_many_points', `${what} uses at most ${max} training points in memory; this run asks for ${n}`, `Lower the train size to ≤ ${max}, or use a 'kernel' job, which streams tiles to disk.`)
  }
}


export function toF64(m: Matrix): Float64Array {
  return Float64Array.from(m.data.subarray(0, m.rows * m.cols))
}
