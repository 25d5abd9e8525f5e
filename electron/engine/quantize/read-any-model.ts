import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { FORMAT, MAGIC } from '../../../resources/loader/ntkw-quantized.mjs'
import { readModelFolder, type ModelFiles } from '../models/format'
import { readModelFiles } from './read-model'

// A model folder in either format as the models code takes it (TF.js Layers files): stock TF.js files as they
// are (quantized manifests included; tfjs decodes them), and a packed ntkw-quantized export decoded to float32
// weights by the shipped loader. `storedBytes` is the size of the weights as stored on disk.

export function readAnyModelFolder(p: string): { files: ModelFiles; storedBytes: number; format: 'tfjs' | 'ntkw' } {
  const file = existsSync(p) && statSync(p).isDirectory() ? path.join(p, 'model.json') : p
  let packed = false
  try {
    packed = (JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown }).format === FORMAT
  } catch {
    packed = false
  }
  if (!packed) {
    const files = readModelFolder(p)
    return { files, storedBytes: files.weights.byteLength, format: 'tfjs' }
  }
  const m = readModelFiles(file)
  const total = m.weights.reduce((s, w) => s + w.values.length, 0)
  const all = new Float32Array(total)
  let o = 0
  for (const w of m.weights) {
    all.set(w.values, o)
    o += w.values.length
  }
  const q = (m.modelJson as { ntkwQuantized: { byteLength: number } }).ntkwQuantized
  return {
    files: {
      modelJson: {
        format: 'layers-model',
        generatedBy: String(m.modelJson.generatedBy ?? ''),
        convertedBy: null,
        modelTopology: m.modelTopology as Record<string, unknown>,
        weightsManifest: [{ paths: ['./weights.bin'], weights: m.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' as const })) }],
      },
      weights: new Uint8Array(all.buffer),
    },
    storedBytes: q.byteLength - MAGIC.length,
    format: 'ntkw',
  }
}
