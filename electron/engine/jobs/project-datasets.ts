import type { DataRef } from '../../../shared/index'
import type { Db } from '../store/project-db'
import { loadDatasetRef } from '../data/dataset-store'
import type { Matrix } from '../core/matrix'

type DatasetRef = Extract<DataRef, { type: 'dataset' }>

/** A project dataset reference as a matrix, with the dataset's recipe and split applied. */
export async function loadProjectDataset(db: Db, ref: DatasetRef): Promise<{ matrix: Matrix; hash: string }> {
  return loadDatasetRef(db, ref)
}
