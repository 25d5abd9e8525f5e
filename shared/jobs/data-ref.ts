import { z } from 'zod'

// Where a job reads an array from. Jobs never receive big arrays inline over IPC: they get a reference
// to a file on disk (CLI) or to a dataset stored in the project (app).
export const NpyFileRef = z.object({ type: z.literal('npy'), path: z.string().min(1) })
export const DatasetRef = z.object({
  type: z.literal('dataset'),
  datasetId: z.string().min(1),
  /** which part of the dataset's recorded split */
  split: z.enum(['all', 'train', 'validation', 'test']).default('all'),
  /** 'x' features or 'y' targets */
  field: z.enum(['x', 'y']).default('x'),
  /** optional cap on the number of rows (first N after the split's seeded order) */
  limit: z.number().int().positive().optional(),
})
export const DataRef = z.discriminatedUnion('type', [NpyFileRef, DatasetRef])
export type DataRef = z.infer<typeof DataRef>

/** A train job's data from one project dataset: x and y of the train, validation and test parts of its split. */
export function datasetSplitRefs(datasetId: string): Record<'xTrain' | 'yTrain' | 'xVal' | 'yVal' | 'xTest' | 'yTest', DataRef> {
  const ref = (split: 'train' | 'validation' | 'test', field: 'x' | 'y'): DataRef => ({ type: 'dataset', datasetId, split, field })
  return { xTrain: ref('train', 'x'), yTrain: ref('train', 'y'), xVal: ref('validation', 'x'), yVal: ref('validation', 'y'), xTest: ref('test', 'x'), yTest: ref('test', 'y') }
}
