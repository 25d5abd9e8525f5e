import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { MAGIC } from '../../../../resources/loader/ntkw-quantized.mjs'
import type { QuantizedModel } from '../quantize-model'
import { LOADER_FILE, loaderSourcePath } from './loader-path'
import { WEIGHTS_FILE, writePacked } from './packed'
import { tfjsWeightsManifest } from './tfjs-manifest'

// Writes a quantized model to a folder: DIR/model.json + shards (stock TF.js), or DIR/model.json +
// weights.ntkwq + the standalone loader (workbench packed format).

export interface WrittenExport {
  format: 'tfjs' | 'ntkw'
  modelJson: string
  files: string[]
  /** weight bytes on disk (shards, or the packed file without its 8-byte signature) */
  weightBytes: number
}

export function writeQuantizedExport(dir: string, modelTopology: unknown, qm: QuantizedModel, generatedBy: string, extra: Record<string, unknown> = {}): WrittenExport {
  mkdirSync(dir, { recursive: true })
  const modelJson = path.join(dir, 'model.json')
  if (qm.tfjs) {
    const { weightsManifest, shards } = tfjsWeightsManifest(qm.tfjs)
    const files = shards.map((s) => {
      const p = path.join(dir, s.path)
      writeFileSync(p, s.bytes)
      return p
    })
    writeFileSync(modelJson, JSON.stringify({ format: 'layers-model', generatedBy, convertedBy: null, modelTopology, weightsManifest, ...extra }))
    return { format: 'tfjs', modelJson, files: [modelJson, ...files], weightBytes: shards.reduce((s, x) => s + x.bytes.length, 0) }
  }
  const { modelJson: json, weights } = writePacked(modelTopology, qm.packed!, generatedBy)
  const weightsPath = path.join(dir, WEIGHTS_FILE)
  writeFileSync(weightsPath, weights)
  writeFileSync(modelJson, JSON.stringify({ ...json, ...extra }))
  const files = [modelJson, weightsPath]
  const loader = loaderSourcePath()
  if (loader) {
    copyFileSync(loader, path.join(dir, LOADER_FILE))
    files.push(path.join(dir, LOADER_FILE))
  }
  return { format: 'ntkw', modelJson, files, weightBytes: weights.length - MAGIC.length }
}
