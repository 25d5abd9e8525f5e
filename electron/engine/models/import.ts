import path from 'node:path'
import type { StoredModel } from '../core/job'
import { metaOf, readModelFolder } from './format'
import { filesToModel, inputShapeOf } from './io'
import { toStoredModel } from './stored'

// Importing a TF.js Layers model (folder or model.json): read and validate the files (format.ts: Keras
// files, graph models, unsupported layers, missing/truncated shards, NaN/Inf weights), build it with tfjs
// (a weight whose shape disagrees with its layer fails here, naming TF.js's reason), and re-serialise it
// the way the workbench stores models. Metadata written by the workbench is kept; other models get a
// fresh record (name from the folder, source 'import').
export async function importModel(p: string, name?: string): Promise<StoredModel> {
  const files = readModelFolder(p)
  const src = path.basename(p) === 'model.json' ? path.join(path.basename(path.dirname(p)), 'model.json') : path.basename(p)
  const model = await filesToModel(files, src)
  try {
    inputShapeOf(model)
    const prev = metaOf(files)
    const folder = path.basename(path.extname(p) === '.json' ? path.dirname(path.resolve(p)) : path.resolve(p))
    return await toStoredModel(model, {
      ...(prev ?? {}),
      name: name ?? (prev ? `${prev.name} (imported)` : folder),
      source: { kind: 'import', path: path.resolve(p), ...(prev?.source.runId ? { runId: prev.source.runId } : {}) },
      ...(prev ? { numClasses: prev.numClasses, metrics: prev.metrics, parameterization: prev.parameterization } : {}),
    })
  } finally {
    model.dispose()
  }
}
