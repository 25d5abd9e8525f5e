import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { DataRef } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import { readNpyMatrix } from '../io/npy'
import type { DataResolver } from '../core/job'
import type { Matrix } from '../core/matrix'

export type DatasetLoader = (ref: Extract<DataRef, { type: 'dataset' }>) => Promise<{ matrix: Matrix; hash: string }>

/** Resolves NPY file refs directly, and project dataset refs through `datasets` when a project is open. */
export function createDataResolver(datasets?: DatasetLoader): DataResolver {
  return {
    async load(ref) {
      if (ref.type === 'npy') return readNpyMatrix(ref.path)
      if (!datasets) throw new UserError('no_project', `dataset ${ref.datasetId} needs a project`, 'Pass --project FILE, or use an NPY file reference {"type":"npy","path":...}.')
      return (await datasets(ref)).matrix
    },
    async hash(ref) {
      if (ref.type === 'npy') return createHash('sha256').update(readFileSync(ref.path)).digest('hex')
      if (!datasets) throw new UserError('no_project', `dataset ${ref.datasetId} needs a project`)
      return (await datasets(ref)).hash
    },
  }
}
