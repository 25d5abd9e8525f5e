import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { UserError } from '../../../shared/errors'
import { concatBytes } from '../io/concat'
import { ModelMeta } from '../../../shared/models'

// The TF.js Layers format on disk and in memory (no tfjs needed here): model.json holds `modelTopology`
// (the Keras model config), `weightsManifest` (groups of shard files with the name, shape and dtype of each
// weight, in order) and optional `userDefinedMetadata`, where the workbench keeps its own metadata under
// the key `ntkw`. Weights are little-endian binary, concatenated across a group's shards in order.
// In memory a model is one model.json object plus one byte buffer with every group's shards joined.

export interface WeightSpec {
  name: string
  shape: number[]
  dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64'
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number }
}

export interface ModelJson {
  format?: string
  generatedBy?: string
  convertedBy?: string | null
  modelTopology: Record<string, unknown>
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[]
  userDefinedMetadata?: Record<string, unknown>
  trainingConfig?: unknown
}

export interface ModelFiles {
  modelJson: ModelJson
  /** every weight, in manifest order */
  weights: Uint8Array
}

export const WEIGHTS_FILE = 'weights.bin'

/** Layer classes a workbench model may contain (the MLP/CNN families the engine trains, quantizes, distils). */
export const SUPPORTED_LAYERS = [
  'InputLayer',
  'Dense',
  'Conv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'Flatten',
  'Reshape',
  'Dropout',
  'BatchNormalization',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'Softmax',
  'Rescaling',
  'ZeroPadding2D',
]

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 }

export function specBytes(w: WeightSpec): number {
  const n = w.shape.reduce((a, b) => a * b, 1)
  const per = BYTES[w.quantization?.dtype ?? w.dtype]
  if (per === undefined) throw new UserError('unsupported_weights', `weight ${w.name} has dtype ${w.dtype}, which a workbench model cannot hold`)
  return n * per
}

/** The Keras model config inside modelTopology (Keras-converted files wrap it in model_config). */
export function kerasConfig(topology: Record<string, unknown>): { class_name: string; config: { name?: string; layers: { class_name: string; config: Record<string, unknown>; name?: string }[] } } {
  const t = (topology.model_config ?? topology) as Record<string, unknown>
  const cfg = t.config as Record<string, unknown> | unknown[] | undefined
  // very old Keras Sequential configs are a bare list of layers
  const layers = Array.isArray(cfg) ? cfg : ((cfg as { layers?: unknown[] } | undefined)?.layers ?? null)
  if (typeof t.class_name !== 'string' || !Array.isArray(layers)) {
    throw new UserError('not_layers_model', 'model.json has no Keras model config in modelTopology (class_name + config.layers)', 'Export the model with TF.js model.save(...) or convert it with tensorflowjs_converter --output_format=tfjs_layers_model.')
  }
  return { class_name: t.class_name, config: { ...(Array.isArray(cfg) ? {} : (cfg as object)), layers: layers as never } }
}

/** Checks the topology, the manifest against the bytes, and every float weight for NaN/Inf. */
export function validateModelFiles(files: ModelFiles, source = 'model.json'): void {
  const j = files.modelJson
  if (j.format === 'graph-model' || (j.modelTopology && 'node' in j.modelTopology)) {
    throw new UserError('graph_model', `${source} is a TF.js graph model (converted from a SavedModel or frozen graph); only Layers models can be imported`, 'Convert the Keras model instead: tensorflowjs_converter --input_format=keras model.h5 out_dir (or --output_format=tfjs_layers_model).')
  }
  if (!j.modelTopology || typeof j.modelTopology !== 'object') throw new UserError('not_layers_model', `${source} has no modelTopology`, 'Is this a TF.js model.json? Export with model.save(...) or tensorflowjs_converter.')
  if (!Array.isArray(j.weightsManifest)) throw new UserError('not_layers_model', `${source} has no weightsManifest`, 'Export the model with its weights: model.save(...) writes model.json and the .bin shards.')
  const cfg = kerasConfig(j.modelTopology)
  if (!['Sequential', 'Model', 'Functional'].includes(cfg.class_name)) {
    throw new UserError('unsupported_model', `${source}: model class ${cfg.class_name} is not supported`, 'Use a Sequential or functional Keras/TF.js Layers model.')
  }
  for (const l of cfg.config.layers) {
    if (!SUPPORTED_LAYERS.includes(l.class_name)) {
      const name = String(l.config?.name ?? l.name ?? '?')
      throw new UserError('unsupported_layer', `${source}: layer '${name}' (${l.class_name}) is not supported`, `Supported layers: ${SUPPORTED_LAYERS.join(', ')}.`)
    }
  }
  let need = 0
  for (const g of j.weightsManifest) for (const w of g.weights) need += specBytes(w)
  if (files.weights.byteLength < need) {
    throw new UserError('truncated_weights', `${source}: the weights need ${need} bytes but the shards hold ${files.weights.byteLength}`, 'A weight file is incomplete; export or copy the model again.')
  }
  let offset = 0
  for (const g of j.weightsManifest) {
    for (const w of g.weights) {
      const bytes = specBytes(w)
      if (w.dtype === 'float32' && !w.quantization) {
        const v = new Float32Array(files.weights.buffer.slice(files.weights.byteOffset + offset, files.weights.byteOffset + offset + bytes))
        for (let i = 0; i < v.length; i++) {
          if (!Number.isFinite(v[i]!)) {
            throw new UserError('non_finite_weights', `${source}: weight ${w.name} contains ${Number.isNaN(v[i]!) ? 'NaN' : 'Inf'} (first at element ${i} of ${v.length})`, 'The model diverged or the file is damaged; retrain with a lower learning rate or export it again.')
          }
        }
      }
      offset += bytes
    }
  }
}

/** The workbench metadata stored in model.json (null for models from elsewhere). */
export function metaOf(files: ModelFiles): ModelMeta | null {
  const raw = files.modelJson.userDefinedMetadata?.ntkw
  if (!raw) return null
  const r = ModelMeta.safeParse(raw)
  return r.success ? r.data : null
}

export function withMeta(files: ModelFiles, meta: ModelMeta): ModelFiles {
  return { ...files, modelJson: { ...files.modelJson, userDefinedMetadata: { ...(files.modelJson.userDefinedMetadata ?? {}), ntkw: meta } } }
}

/** Writes model.json + weights.bin into `dir` (created if missing); returns the model.json path. */
export function writeModelFolder(dir: string, files: ModelFiles): string {
  mkdirSync(dir, { recursive: true })
  const weights = files.modelJson.weightsManifest.flatMap((g) => g.weights)
  const modelJson: ModelJson = { ...files.modelJson, weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights }] }
  writeFileSync(path.join(dir, WEIGHTS_FILE), files.weights)
  const file = path.join(dir, 'model.json')
  writeFileSync(file, JSON.stringify(modelJson))
  return file
}

const KERAS_HINT = 'Convert it first: pip install tensorflowjs, then tensorflowjs_converter --input_format=keras MODEL.h5 OUT_DIR (for .keras files: --input_format=keras_keras). Import OUT_DIR/model.json.'

/**
 * Reads a TF.js Layers model from a folder holding model.json, or from a model.json path. Shards are read in
 * manifest order and joined; a missing or short shard is named. Keras files and graph models get errors that
 * say how to convert them. The result is validated (validateModelFiles).
 */
export function readModelFolder(p: string): ModelFiles {
  if (!existsSync(p)) throw new UserError('file_not_found', `no such file or folder: ${p}`, 'Give a folder holding model.json, or the model.json itself.')
  let file = p
  if (statSync(p).isDirectory()) {
    file = path.join(p, 'model.json')
    if (!existsSync(file)) {
      throw new UserError('file_not_found', `${p} has no model.json`, 'A TF.js Layers model folder holds model.json and its .bin weight shards (written by model.save or tensorflowjs_converter).')
    }
  }
  const ext = path.extname(file).toLowerCase()
  const head = readFileSync(file).subarray(0, 8)
  if (['.h5', '.hdf5', '.keras'].includes(ext) || head.toString('latin1', 1, 4) === 'HDF' || (head[0] === 0x50 && head[1] === 0x4b)) {
    throw new UserError('keras_file', `${path.basename(file)} is a Keras ${ext === '.keras' || head[0] === 0x50 ? '.keras (zip)' : 'HDF5'} file, not a TF.js Layers model`, KERAS_HINT)
  }
  if (ext === '.pb') throw new UserError('graph_model', `${path.basename(file)} is a TensorFlow graph (SavedModel/frozen graph), not a TF.js Layers model`, KERAS_HINT)
  let json: ModelJson
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as ModelJson
  } catch (e) {
    throw new UserError('bad_model_json', `${path.basename(file)} is not valid JSON: ${(e as Error).message}`, 'Give the model.json written by TF.js model.save or tensorflowjs_converter.')
  }
  if (!json || typeof json !== 'object') throw new UserError('bad_model_json', `${path.basename(file)} is not a TF.js model.json`)
  if (json.format === 'graph-model' || (json.modelTopology && 'node' in json.modelTopology)) validateModelFiles({ modelJson: json, weights: new Uint8Array(0) }, path.basename(file))
  if (!Array.isArray(json.weightsManifest)) validateModelFiles({ modelJson: json, weights: new Uint8Array(0) }, path.basename(file))
  const dir = path.dirname(file)
  const parts: Uint8Array[] = []
  for (const g of json.weightsManifest) {
    const need = g.weights.reduce((a, w) => a + specBytes(w), 0)
    let have = 0
    const sizes: [string, number][] = []
    for (const rel of g.paths) {
      const shard = path.resolve(dir, decodeURIComponent(rel))
      if (!existsSync(shard)) throw new UserError('missing_shard', `weight shard ${rel} listed in ${path.basename(file)} is missing`, `Copy ${path.basename(shard)} next to model.json (every file in weightsManifest paths is needed).`)
      const buf = readFileSync(shard)
      sizes.push([rel, buf.byteLength])
      parts.push(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength))
      have += buf.byteLength
    }
    if (have < need) {
      // shards are written full except the last; the first one shorter than its predecessor is the damaged one
      const short = sizes.find(([, s], i) => i < sizes.length - 1 && s < (sizes[0]?.[1] ?? 0)) ?? sizes[sizes.length - 1]
      throw new UserError('truncated_shard', `weight shard ${short?.[0] ?? '?'} is truncated: the group needs ${need} bytes, its shards hold ${have}`, 'The file was cut short (interrupted copy or download); export or copy the model again.')
    }
    if (have > need) {
      // drop padding so weights stay contiguous across groups
      const extra = have - need
      const last = parts.pop()!
      parts.push(last.subarray(0, last.byteLength - extra))
    }
  }
  const files = { modelJson: json, weights: concatBytes(parts) }
  validateModelFiles(files, path.basename(file))
  return files
}
