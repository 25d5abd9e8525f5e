import { UserError } from '../../../shared/errors'
import { kerasConfig, specBytes, type ModelFiles } from '../models/format'
import { fromFloat16Bits } from '../quantize/float16'

// A TF.js Layers model read without tfjs: the chain of Keras layer configs with each layer's weights as
// float32 (stock quantized manifests decoded: x = q·scale + min, float16 widened), and the input shape.
// The ONNX writer walks this list; no tfjs backend is needed to export.

export interface KerasLayer {
  className: string
  name: string
  config: Record<string, unknown>
  /** weights by their last name part (kernel, bias, gamma, beta, moving_mean, moving_variance) */
  weights: Map<string, { shape: number[]; values: Float32Array }>
}

export interface KerasChain {
  /** input shape without the batch dimension (channels last) */
  inputShape: number[]
  layers: KerasLayer[]
}

function decodeWeights(files: ModelFiles): Map<string, { shape: number[]; values: Float32Array }> {
  const out = new Map<string, { shape: number[]; values: Float32Array }>()
  const bytes = files.weights
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let o = 0
  for (const g of files.modelJson.weightsManifest) {
    for (const w of g.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1)
      const values = new Float32Array(n)
      const q = w.quantization
      if (!q) {
        if (w.dtype !== 'float32') throw new UserError('unsupported_weights', `weight ${w.name} has dtype ${w.dtype}: only float weights go to ONNX`)
        for (let i = 0; i < n; i++) values[i] = dv.getFloat32(o + 4 * i, true)
      } else if (q.dtype === 'float16') {
        for (let i = 0; i < n; i++) values[i] = fromFloat16Bits(dv.getUint16(o + 2 * i, true))
      } else {
        const scale = q.scale ?? 1
        const min = q.min ?? 0
        for (let i = 0; i < n; i++) values[i] = (q.dtype === 'uint8' ? dv.getUint8(o + i) : dv.getUint16(o + 2 * i, true)) * scale + min
      }
      out.set(w.name.replace(/:0$/, ''), { shape: [...w.shape], values })
      o += specBytes(w)
    }
  }
  return out
}

/** The layers in order, refusing models that are not a chain (several inputs, branches). */
export function kerasChain(files: ModelFiles, source = 'model.json'): KerasChain {
  const cfg = kerasConfig(files.modelJson.modelTopology)
  const weights = decodeWeights(files)
  const layers: KerasLayer[] = []
  let inputShape: number[] | null = null
  let prev: string | null = null
  for (const l of cfg.config.layers) {
    const config = l.config ?? {}
    const name = String(config.name ?? l.name ?? `layer_${layers.length}`)
    const bis = config.batch_input_shape as (number | null)[] | undefined
    if (bis && inputShape === null) inputShape = bis.slice(1).map((v) => v ?? -1)
    // functional configs list inbound nodes: each layer must take exactly the previous one
    const inbound = (l as { inbound_nodes?: unknown[] }).inbound_nodes
    if (Array.isArray(inbound) && inbound.length > 0) {
      const first = inbound[0] as unknown[]
      if (inbound.length > 1 || !Array.isArray(first) || first.length !== 1 || (prev !== null && (first[0] as unknown[])[0] !== prev)) {
        throw new UserError('unsupported_model', `${source}: layer '${name}' does not simply take the previous layer's output; ONNX export handles sequential chains`, 'Export a Sequential model (MLPs and CNNs as ntkw train builds them).')
      }
    }
    prev = name
    if (l.class_name === 'InputLayer') continue
    const own = new Map<string, { shape: number[]; values: Float32Array }>()
    for (const [k, v] of weights) if (k.startsWith(`${name}/`)) own.set(k.slice(name.length + 1).split('/').pop()!, v)
    layers.push({ className: l.class_name, name, config, weights: own })
  }
  if (!inputShape || inputShape.some((v) => v < 1)) {
    throw new UserError('bad_model', `${source}: the model has no fixed input shape (batch_input_shape)`, 'Give the model a fixed input shape, e.g. build it with an InputLayer.')
  }
  return { inputShape, layers }
}
