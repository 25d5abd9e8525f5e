import * as tf from '@tensorflow/tfjs-core'
import * as tfl from '@tensorflow/tfjs-layers'
import { UserError } from '../../../shared/errors'
import type { ModelMeta } from '../../../shared/models'
import { concatBytes } from '../io/concat'
import { WEIGHTS_FILE, type ModelFiles, type ModelJson, validateModelFiles, withMeta } from './format'

// LayersModel ↔ ModelFiles through custom IOHandlers (the same path stock model.save / tf.loadLayersModel
// take), so what we store is byte for byte what TF.js writes and reads.

function joinWeightData(d: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (!d) return new Uint8Array(0)
  if (!Array.isArray(d)) return new Uint8Array(d.slice(0))
  return concatBytes(d.map((b) => new Uint8Array(b)))
}

/** Serialises a model (topology + weights, no optimizer state) with the workbench metadata. */
export async function modelToFiles(model: tfl.LayersModel, meta?: ModelMeta): Promise<ModelFiles> {
  let files: ModelFiles | null = null
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const modelJson: ModelJson = {
        format: a.format ?? 'layers-model',
        generatedBy: a.generatedBy ?? `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
        convertedBy: a.convertedBy ?? null,
        modelTopology: a.modelTopology as Record<string, unknown>,
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: (a.weightSpecs ?? []) as ModelJson['weightsManifest'][number]['weights'] }],
      }
      files = { modelJson, weights: joinWeightData(a.weightData as ArrayBuffer | ArrayBuffer[] | undefined) }
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
    }),
  )
  if (!files) throw new Error('model.save produced nothing')
  return meta ? withMeta(files, meta) : files
}

/** Loads validated files into a tfjs-layers model (tf.loadLayersModel with an in-memory handler). */
export async function filesToModel(files: ModelFiles, source = 'model.json'): Promise<tfl.LayersModel> {
  validateModelFiles(files, source)
  const weightSpecs = files.modelJson.weightsManifest.flatMap((g) => g.weights)
  const handler: tf.io.IOHandler = {
    load: async () => ({
      modelTopology: files.modelJson.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      format: files.modelJson.format,
      generatedBy: files.modelJson.generatedBy,
      convertedBy: files.modelJson.convertedBy ?? undefined,
      weightSpecs: weightSpecs as tf.io.WeightsManifestEntry[],
      weightData: files.weights.buffer.slice(files.weights.byteOffset, files.weights.byteOffset + files.weights.byteLength) as ArrayBuffer,
    }),
  }
  try {
    return await tfl.loadLayersModel(handler)
  } catch (e) {
    const msg = (e as Error).message
    throw new UserError(
      /shape/i.test(msg) ? 'weight_shape_mismatch' : 'bad_model',
      `${source}: TF.js could not build the model: ${msg}`,
      /shape/i.test(msg) ? "A weight's shape does not match its layer (e.g. the input shape in model.json differs from the one the weights were trained with)." : 'Check that model.json and its weights belong together.',
    )
  }
}

/** Input shape without the batch dimension. */
export function inputShapeOf(model: tfl.LayersModel): number[] {
  const s = model.inputs[0]!.shape
  return s.slice(1).map((v) => {
    if (v === null) throw new UserError('bad_model', 'the model input has an unknown (None) dimension besides the batch', 'Give the model a fixed input shape.')
    return v
  })
}

export function outputUnitsOf(model: tfl.LayersModel): number {
  const s = model.outputs[0]!.shape
  return s[s.length - 1] ?? 1
}

/** Bytes of the stored weights. */
export function weightBytesOf(files: ModelFiles): number {
  return files.weights.byteLength
}
