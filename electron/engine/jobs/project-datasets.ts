import type { DataRef } from '../../../shared/index'
import type { Db } from '../store/project-db'
import { datasetRefHash, loadDatasetRef } from '../data/dataset-store'
import type { Matrix } from '../core/matrix'
import type { DatasetSource } from './data-resolver'

type DatasetRef = Extract<DataRef, { type: 'dataset' }>

/** A project dataset reference as a matrix, with the dataset's recipe and split applied. */
export async function loadProjectDataset(db: Db, ref: DatasetRef): Promise<{ matrix: Matrix; hash: string }> {
  return loadDatasetRef(db, ref)
}

/** The datasets of an open project for a DataResolver: loads with their hash, and hashes without loading. */
export function projectDatasets(db: Db): DatasetSource {
  return {
    load: (ref) => loadDatasetRef(db, ref),
    hash: (ref) => datasetRefHash(db, ref),
  }
}
