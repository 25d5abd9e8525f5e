import * as tf from '@tensorflow/tfjs-core'
import type { DenseLayer, Mlp } from './mlp'

/** What the backward pass and the layerwise NTK need from a forward pass. */
export interface ForwardCache {
  /** inputs[l] = h_{l} entering Dense layer l (inputs[0] = x), one per layer including the readout */
  inputs: tf.Tensor2D[]
  /** pre[l] = z of hidden layer l (before φ), one per hidden layer */
  pre: tf.Tensor2D[]
  /** f(x), n × outDim */
  out: tf.Tensor2D
}

// z = wScale · h W + bScale · b (the scale multiplies whichever side is smaller).
export function denseForward(layer: DenseLayer, h: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    let z: tf.Tensor2D
    if (layer.wScale === 1) z = tf.matMul(h, layer.w)
    else if (layer.nIn <= layer.nOut) z = tf.matMul(tf.mul(h, layer.wScale), layer.w)
    else z = tf.mul(tf.matMul(h, layer.w), layer.wScale)
    if (layer.b) z = tf.add(z, layer.bScale === 1 ? layer.b : tf.mul(layer.b, layer.bScale))
    return z
  })
}

/** f(x) only. */
export function forward(net: Mlp, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    let h = x
    const last = net.layers.length - 1
    for (let l = 0; l < last; l++) h = net.phi(denseForward(net.layers[l]!, h)) as tf.Tensor2D
    return denseForward(net.layers[last]!, h)
  })
}

/** f(x) with every layer's input and pre-activation kept (caller disposes with disposeCache). */
export function forwardWithCache(net: Mlp, x: tf.Tensor2D): ForwardCache {
  const inputs: tf.Tensor2D[] = [tf.clone(x)]
  const pre: tf.Tensor2D[] = []
  const last = net.layers.length - 1
  for (let l = 0; l < last; l++) {
    const z = denseForward(net.layers[l]!, inputs[l]!)
    pre.push(z)
    inputs.push(tf.tidy(() => net.phi(z) as tf.Tensor2D))
  }
  const out = denseForward(net.layers[last]!, inputs[last]!)
  return { inputs, pre, out }
}

export function disposeCache(c: ForwardCache): void {
  for (const t of c.inputs) t.dispose()
  for (const t of c.pre) t.dispose()
  c.out.dispose()
}
