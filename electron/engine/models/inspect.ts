import type * as tfl from '@tensorflow/tfjs-layers'
import type { ModelLayerRow, WeightHistogram } from '../../../shared/models'

// What the Models page shows without running tfjs: the layer table (name, class, output shape, parameters)
// and a histogram of every weight tensor, computed once when a model is stored.

export function layerTable(model: tfl.LayersModel): ModelLayerRow[] {
  return model.layers.map((l) => {
    const s = l.outputShape
    const shape = (Array.isArray(s[0]) ? (s[0] as (number | null)[]) : (s as (number | null)[])).map((v) => (v === undefined ? null : v))
    return { name: l.name, className: l.getClassName(), outputShape: shape, params: l.countParams() }
  })
}

export function histogram(name: string, v: Float32Array, bins = 40): WeightHistogram {
  let min = Infinity
  let max = -Infinity
  let sum = 0
  for (const x of v) {
    if (x < min) min = x
    if (x > max) max = x
    sum += x
  }
  const mean = v.length ? sum / v.length : 0
  let ss = 0
  for (const x of v) ss += (x - mean) * (x - mean)
  const counts = new Array<number>(bins).fill(0)
  const width = max > min ? (max - min) / bins : 1
  for (const x of v) counts[Math.min(bins - 1, Math.floor((x - min) / width))]!++
  if (!Number.isFinite(min)) min = max = 0
  return { name, min, max, counts, mean, std: v.length ? Math.sqrt(ss / v.length) : 0 }
}

/** One histogram per weight tensor (kernels, biases, BatchNorm statistics); read asynchronously (WebGPU). */
export async function weightHistograms(model: tfl.LayersModel, bins = 40): Promise<WeightHistogram[]> {
  const out: WeightHistogram[] = []
  for (const w of model.weights) out.push(histogram(w.name, (await w.read().data()) as Float32Array, bins))
  return out
}
