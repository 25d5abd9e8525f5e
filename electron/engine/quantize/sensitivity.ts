import * as tf from '@tensorflow/tfjs-core'
import type * as tfl from '@tensorflow/tfjs-layers'
import { kernelLayers } from './model-layers'
import { cloneModel, evaluateForward, namedWeights } from './ptq'
import { packedBytes } from './quantize-model'
import { quantizeWeight } from './quantize-weight'
import type { WeightQuantSpec } from './types'

// Per-layer sensitivity (as in HAWQ, Dong et al. 2019, and the layer-wise analysis of NNCF/AIMET): quantize one
// layer at a time at each candidate width, the rest float, and measure the accuracy drop on evaluation data.

export interface SensitivityRow {
  layer: string
  bits: number
  accuracy: number
  /** float accuracy − accuracy */
  drop: number
  loss: number
  /** bytes of this kernel at this width (codes + scales / zero points / codebooks) */
  bytes: number
}

export interface SensitivityResult {
  floatAccuracy: number
  floatLoss: number
  rows: SensitivityRow[]
  /** bytes of what is never quantized (biases, ...) */
  fixedBytes: number
  floatBytes: number
}

export async function layerSensitivity(
  model: tfl.LayersModel,
  spec: Omit<WeightQuantSpec, 'bits'>,
  bitsList: number[],
  x: tf.Tensor,
  labels: Int32Array,
  onStep?: (done: number, total: number) => void | Promise<void>,
): Promise<SensitivityResult> {
  const k = model.outputs[0]!.shape.at(-1) ?? 1
  const f = evaluateForward((v) => model.apply(v, { training: false }) as tf.Tensor, x, labels, k)
  const work = await cloneModel(model)
  const layers = kernelLayers(work)
  const weights = new Map(namedWeights(model).map((w) => [w.name, w]))
  const rows: SensitivityRow[] = []
  const total = layers.length * bitsList.length
  try {
    for (const l of layers) {
      const w = weights.get(l.kernelName)!
      const v = l.layer.weights.find((u) => u.originalName === l.kernelName)!
      for (const bits of bitsList) {
        const q = quantizeWeight(w.values, w.shape, { ...spec, bits }, { name: l.kernelName })
        tf.tidy(() => {
          v.write(tf.tensor(q.values, w.shape))
        })
        const e = evaluateForward((u) => work.apply(u, { training: false }) as tf.Tensor, x, labels, k)
        rows.push({ layer: l.kernelName, bits, accuracy: e.accuracy, drop: f.accuracy - e.accuracy, loss: e.loss, bytes: packedBytes(q) })
        await onStep?.(rows.length, total)
      }
      tf.tidy(() => {
        v.write(tf.tensor(w.values, w.shape))
      })
    }
  } finally {
    work.dispose()
  }
  const kernelNames = new Set(layers.map((l) => l.kernelName))
  let fixedBytes = 0
  let floatBytes = 0
  for (const w of weights.values()) {
    floatBytes += 4 * w.values.length
    if (!kernelNames.has(w.name)) fixedBytes += 4 * w.values.length
  }
  return { floatAccuracy: f.accuracy, floatLoss: f.loss, rows, fixedBytes, floatBytes }
}
