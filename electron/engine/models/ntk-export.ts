import * as tf from '@tensorflow/tfjs-core'
import * as tfl from '@tensorflow/tfjs-layers'
import { formatActivation } from '../../../shared/arch'
import type { Mlp } from '../nn/mlp'
import { activationLayers } from './activations'

// A finite MLP of the engine (nn/mlp.ts) as a stock layers model. In the NTK parameterization a layer
// computes z = (σ_w/√n_in)·h W + σ_b·b with W, b ~ N(0, 1); folding the scales into the stored weights,
//   W' = (σ_w/√n_in)·W,  b' = σ_b·b,
// gives a plain Dense layer z = h W' + b' with the same outputs (Jacot, Gabriel & Hongler, "Neural Tangent
// Kernel: Convergence and Generalization in Neural Networks", 2018, for the parameterization). Standard
// parameterization layers have scale 1, so they are copied as they are.
export function mlpToLayersModel(net: Mlp): tfl.Sequential {
  const counts = new Map<string, number>()
  const name = (kind: string): string => {
    const n = (counts.get(kind) ?? 0) + 1
    counts.set(kind, n)
    return `${kind}_${n}`
  }
  const model = tfl.sequential({ name: 'sequential_1' })
  model.add(tfl.layers.inputLayer({ inputShape: [net.inDim], name: 'input_1' }))
  const act = formatActivation(net.arch.activation)
  const dense: tfl.layers.Layer[] = []
  net.layers.forEach((l, i) => {
    const d = tfl.layers.dense({ units: l.nOut, useBias: l.b !== null, name: name('dense') })
    model.add(d)
    dense.push(d)
    if (i < net.layers.length - 1) for (const a of activationLayers(act, name)) model.add(a)
  })
  net.layers.forEach((l, i) => {
    const w = tf.tidy(() => (l.wScale === 1 ? tf.clone(l.w) : tf.mul(l.w, l.wScale)))
    const ws: tf.Tensor[] = [w]
    if (l.b) ws.push(tf.tidy(() => tf.reshape(l.bScale === 1 ? l.b! : tf.mul(l.b!, l.bScale), [l.nOut])))
    dense[i]!.setWeights(ws)
    tf.dispose(ws)
  })
  return model
}
