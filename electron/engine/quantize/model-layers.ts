import * as tf from '@tensorflow/tfjs-core'
import type * as tfl from '@tensorflow/tfjs-layers'
import { UserError } from '../../../shared/errors'

// The quantizable layers of a layers model (Dense and Conv2D kernels) and a layer-by-layer forward pass through
// the model's own layers (layer.apply), with a hook in front of each layer: where calibration reads a layer's
// input and where activation fake-quant goes. Nothing here re-implements a layer.

export interface KernelLayer {
  /** position in model.layers */
  index: number
  layer: tfl.layers.Layer
  kind: 'dense' | 'conv2d'
  kernelName: string
  biasName: string | null
}

export function kernelLayers(model: tfl.LayersModel): KernelLayer[] {
  const out: KernelLayer[] = []
  model.layers.forEach((layer, index) => {
    const cls = layer.getClassName()
    if (cls !== 'Dense' && cls !== 'Conv2D') return
    const kernel = layer.weights.find((w) => /kernel$/.test(w.originalName))
    if (!kernel) return
    const bias = layer.weights.find((w) => /bias$/.test(w.originalName))
    out.push({ index, layer, kind: cls === 'Dense' ? 'dense' : 'conv2d', kernelName: kernel.originalName, biasName: bias?.originalName ?? null })
  })
  return out
}

/** Sequential models only: the layer-by-layer pass needs a chain. */
export function chainLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer')
  for (const l of layers) {
    if (l.inboundNodes.length > 1 || (l.inboundNodes[0]?.inboundLayers.length ?? 1) > 1) {
      throw new UserError('unsupported_model', `layer ${l.name} has several inputs: activation quantization and calibration need a sequential model`, 'Quantize weights only (omit --activations, --calib-x, --bias-correction and --method power), or use a sequential model.')
    }
  }
  return layers
}

/** x → logits through model.layers, calling `before(i, x)` in front of layer i (its return value is used). */
export function forwardWithHook(model: tfl.LayersModel, x: tf.Tensor, before?: (index: number, input: tf.Tensor) => tf.Tensor | void): tf.Tensor {
  const layers = chainLayers(model)
  const all = model.layers
  let h = x
  for (const l of layers) {
    const i = all.indexOf(l)
    const replaced = before?.(i, h)
    if (replaced) h = replaced
    h = l.apply(h, { training: false }) as tf.Tensor
  }
  return h
}

/** Each listed layer's input on x (the float model's activations), as kept tensors the caller disposes. */
export function layerInputs(model: tfl.LayersModel, x: tf.Tensor, indices: number[], batch = 256): Map<number, tf.Tensor> {
  const want = new Set(indices)
  const parts = new Map<number, tf.Tensor[]>()
  const n = x.shape[0]!
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i)
    tf.tidy(() => {
      forwardWithHook(model, tf.slice(x, i, m), (idx, input) => {
        if (want.has(idx)) {
          const arr = parts.get(idx) ?? []
          arr.push(tf.keep(tf.clone(input)))
          parts.set(idx, arr)
        }
      })
    })
  }
  const out = new Map<number, tf.Tensor>()
  for (const [idx, arr] of parts) {
    out.set(idx, arr.length === 1 ? arr[0]! : tf.concat(arr, 0))
    if (arr.length > 1) tf.dispose(arr)
  }
  return out
}
