import * as tf from '@tensorflow/tfjs-core'
import type * as tfl from '@tensorflow/tfjs-layers'
import { UserError } from '../../../shared/errors'
import { activationOps, type DenseLayer, type Mlp } from '../nn/mlp'
import { empiricalNtk } from '../ntk/empirical'
import type { NamedWeight } from './quantize-model'

// The empirical NTK of a quantized network against the float one (docs/math.md, empirical NTK): with Θ(x, x') =
// Σ_params ∂f(x)/∂θ · ∂f(x')/∂θ averaged over outputs, evaluated at the dequantised weights Ŵ versus W on a probe
// set, the relative change ‖Θ_q − Θ‖_F / ‖Θ‖_F measures how much quantization moves the network's linearised
// training dynamics, not only its outputs. A layers MLP (Dense → ReLU → ... → Dense, standard
// parameterization) is handed to the engine's layerwise NTK (ntk/empirical.ts) as an Mlp with wScale = bScale = 1.

export function layersMlp(model: tfl.LayersModel, weights: NamedWeight[]): Mlp {
  const byName = new Map(weights.map((w) => [w.name, w]))
  const layers: DenseLayer[] = []
  const acts: string[] = []
  const unsupported = () =>
    new UserError('ntk_unsupported_model', 'the quantized-NTK comparison takes ReLU MLPs (Dense → ReLU → … → Dense)', 'Use an MLP with ReLU activations; convolutional models are not supported here yet.')
  for (const l of model.layers) {
    const cls = l.getClassName()
    const cfg = l.getConfig() as { activation?: string }
    if (cls === 'InputLayer' || cls === 'Flatten' || cls === 'Dropout') continue
    if (cls === 'Dense') {
      const kernel = l.weights.find((w) => /kernel$/.test(w.originalName))!
      const bias = l.weights.find((w) => /bias$/.test(w.originalName))
      const k = byName.get(kernel.originalName)!
      const b = bias ? byName.get(bias.originalName)! : null
      layers.push({ w: tf.tensor2d(k.values, k.shape as [number, number]), b: b ? tf.tensor2d(b.values, [1, b.values.length]) : null, nIn: k.shape[0]!, nOut: k.shape[1]!, wScale: 1, bScale: 1 })
      acts.push(cfg.activation ?? 'linear')
    } else if ((cls === 'Activation' && cfg.activation === 'relu') || cls === 'ReLU') {
      if (acts.length === 0 || acts[acts.length - 1] !== 'linear') throw unsupported()
      acts[acts.length - 1] = 'relu'
    } else throw unsupported()
  }
  const ok = layers.length >= 1 && acts.slice(0, -1).every((a) => a === 'relu') && acts[acts.length - 1] === 'linear'
  if (!ok) {
    for (const l of layers) {
      l.w.dispose()
      l.b?.dispose()
    }
    throw unsupported()
  }
  const activation = { name: 'relu' as const }
  return {
    arch: { depth: layers.length - 1, width: layers[0]!.nOut, activation, wStd: 1, bStd: layers[0]!.b ? 1 : null, parameterization: 'standard' },
    inDim: layers[0]!.nIn,
    outDim: layers[layers.length - 1]!.nOut,
    layers,
    ...activationOps(activation),
  }
}

export interface NtkShift {
  /** ‖Θ_q − Θ‖_F / ‖Θ‖_F */
  relative: number
  /** ‖Θ‖_F, ‖Θ_q‖_F */
  normFloat: number
  normQuantized: number
  n: number
}

export function quantizedNtkShift(model: tfl.LayersModel, floatWeights: NamedWeight[], quantizedWeights: NamedWeight[], probe: tf.Tensor): NtkShift {
  const a = layersMlp(model, floatWeights)
  const b = layersMlp(model, quantizedWeights)
  const x = probe.rank === 2 ? (probe as tf.Tensor2D) : (tf.reshape(probe, [probe.shape[0]!, -1]) as tf.Tensor2D)
  try {
    return tf.tidy(() => {
      const ta = empiricalNtk(a, x)
      const tb = empiricalNtk(b, x)
      const diff = tf.norm(tf.sub(tb, ta)).dataSync()[0]!
      const na = tf.norm(ta).dataSync()[0]!
      const nb = tf.norm(tb).dataSync()[0]!
      return { relative: diff / na, normFloat: na, normQuantized: nb, n: x.shape[0] }
    })
  } finally {
    if (x !== probe) x.dispose()
    for (const l of [...a.layers, ...b.layers]) {
      l.w.dispose()
      l.b?.dispose()
    }
  }
}
