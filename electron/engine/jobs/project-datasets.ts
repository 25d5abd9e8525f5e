import type { DataRef } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import type { Db } from '../store/project-db'
import type { Matrix } from './context'

type DatasetRef = Extract<DataRef, { type: 'dataset' }>
type Loader = (db: Db, ref: DatasetRef) => Promise<{ matrix: Matrix; hash: string }> | { matrix: Matrix; hash: string }

let loader: Loader | null = null

/** The datasets module registers how a project dataset reference becomes a matrix (recipe + split applied). */
export function setProjectDatasetLoader(l: Loader): void {
  loader = l
}

export async function loadProjectDataset(db: Db, ref: DatasetRef): Promise<{ matrix: Matrix; hash: string }> {
  if (!loader) throw new UserError('not_implemented', 'reading project datasets is not available in this build')
  return loader(db, ref)
}
