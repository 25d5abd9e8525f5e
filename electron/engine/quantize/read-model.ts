import * as tf from '@tensorflow/tfjs-core'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { UserError } from '../../../shared/errors'
import { concatBytes } from '../io/concat'
import { FORMAT, NtkwFormatError, decodeNtkwWeights, readManifest } from '../../../resources/loader/ntkw-quantized.mjs'
import type { NamedWeight } from './quantize-model'

// Reads a model folder's weights as float32: a stock TF.js Layers model.json (+ shards, any quantization the
// stock decoder knows) or a workbench packed export (format ntkw-quantized). The topology is passed through.

export interface ModelFiles {
  path: string
  format: 'tfjs' | 'ntkw'
  modelJson: Record<string, unknown>
  modelTopology: unknown
  weights: NamedWeight[]
}

function readJson(file: string): Record<string, unknown> {
  if (!existsSync(file)) throw new UserError('file_not_found', `no such file: ${file}`, 'Pass the model.json of a TF.js Layers model (e.g. one written by ntkw train).')
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as unknown
    if (!j || typeof j !== 'object' || Array.isArray(j)) throw new Error('not an object')
    return j as Record<string, unknown>
  } catch (e) {
    throw new UserError('bad_model_json', `${file} is not a JSON model file (${(e as Error).message})`, 'Pass the model.json of a TF.js Layers model.')
  }
}

export function readModelFiles(modelJsonPath: string): ModelFiles {
  const file = path.resolve(modelJsonPath)
  const dir = path.dirname(file)
  const json = readJson(file)
  if (json.format === FORMAT) {
    try {
      const q = readManifest(json)
      const wpath = path.join(dir, q.weightsPath)
      if (!existsSync(wpath)) throw new UserError('file_not_found', `${file}: its weights file ${q.weightsPath} is missing`, 'Copy the whole export folder.')
      const decoded = decodeNtkwWeights(json, readFileSync(wpath))
      return { path: file, format: 'ntkw', modelJson: json, modelTopology: q.modelTopology, weights: decoded }
    } catch (e) {
      if (e instanceof NtkwFormatError) throw new UserError(`ntkw_${e.code}`, `${file}: ${e.message}`, 'The packed export is damaged or incomplete: export the model again.')
      throw e
    }
  }
  const manifest = json.weightsManifest as tf.io.WeightsManifestConfig | undefined
  if (!json.modelTopology || !Array.isArray(manifest)) {
    throw new UserError('bad_model_json', `${file} has no modelTopology/weightsManifest`, 'Expected a TF.js Layers model.json (tf.LayersModel.save, tensorflowjs_converter, ntkw train) or an ntkw-quantized export.')
  }
  const parts: Uint8Array[] = []
  for (const group of manifest) {
    for (const p of group.paths) {
      const shard = path.join(dir, p)
      if (!existsSync(shard)) throw new UserError('file_not_found', `${file}: weight shard ${p} is missing`, 'Copy model.json together with its .bin shards.')
      parts.push(readFileSync(shard))
    }
  }
  const all = concatBytes(parts)
  const total = all.byteLength
  const specs = manifest.flatMap((g) => g.weights)
  const expected = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * (w.quantization ? (w.quantization.dtype === 'uint8' ? 1 : 2) : 4), 0)
  if (expected !== total) throw new UserError('bad_model_weights', `${file}: the shards hold ${total} bytes, the manifest describes ${expected}`, 'The model files are truncated or mismatched: copy or export them again.')
  const tensors = tf.io.decodeWeights(all.buffer, specs)
  const weights = specs.map((s) => {
    const t = tensors[s.name]!
    const values = Float32Array.from(t.dataSync())
    return { name: s.name, shape: [...t.shape], values }
  })
  tf.dispose(Object.values(tensors))
  return { path: file, format: 'tfjs', modelJson: json, modelTopology: json.modelTopology, weights }
}
