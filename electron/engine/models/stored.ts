import type * as tfl from '@tensorflow/tfjs-layers'
import { ModelMeta, type ModelEvaluation } from '../../../shared/models'
import type { StoredModel } from '../core/job'
import { countParams } from './build'
import { type ModelFiles, withMeta } from './format'
import { filesToModel, inputShapeOf, modelToFiles, outputUnitsOf } from './io'
import { layerTable, weightHistograms } from './inspect'

// A layers model as the workbench keeps it (ModelSink.save): the TF.js files with the metadata inside
// model.json (userDefinedMetadata.ntkw), plus the layer table and weight histograms for the Models page.

export type MetaInput = Omit<ModelMeta, 'params' | 'weightBytes' | 'inputShape' | 'numClasses' | 'metrics' | 'parameterization'> &
  Partial<Pick<ModelMeta, 'numClasses' | 'metrics' | 'parameterization'>>

export async function toStoredModel(model: tfl.LayersModel, m: MetaInput, evaluation?: ModelEvaluation | null): Promise<StoredModel> {
  const bare = await modelToFiles(model)
  const meta = ModelMeta.parse({
    ...m,
    inputShape: inputShapeOf(model),
    numClasses: m.numClasses === undefined ? outputUnitsOf(model) : m.numClasses,
    params: countParams(model),
    weightBytes: bare.weights.byteLength,
  })
  const files = withMeta(bare, meta)
  return { modelJson: files.modelJson as unknown as Record<string, unknown>, weights: files.weights, meta, layers: layerTable(model), histograms: await weightHistograms(model), evaluation: evaluation ?? null }
}

/** Loads a stored model (from a ModelSink or the ModelStore) into tfjs. */
export async function loadStored(files: { modelJson: Record<string, unknown>; weights: Uint8Array }, source = 'model.json'): Promise<tfl.LayersModel> {
  return filesToModel(files as unknown as ModelFiles, source)
}
