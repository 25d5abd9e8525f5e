import * as tf from '@tensorflow/tfjs-core'
import type { KernelLayer } from './model-layers'

// The layer's output error on calibration inputs X (PowerQuant/NUPES pick the exponent per layer by it):
//   E(Ŵ) = ‖X Ŵ − X W‖²_F = ‖X (Ŵ − W)‖²_F            (Dense; the bias cancels)
//   E(Ŵ) = ‖conv(X, Ŵ) − conv(X, W)‖²_F = ‖conv(X, Ŵ − W)‖²_F   (Conv2D, same strides/padding/dilation)
// evaluated with tfjs on the layer's real inputs.

export function layerOutputError(layer: KernelLayer, x: tf.Tensor, w: Float32Array, shape: number[]): (values: Float32Array) => number {
  const cfg = layer.layer.getConfig() as { strides?: number | number[]; padding?: 'valid' | 'same'; dilationRate?: number | number[] }
  const pair = (v: number | number[] | undefined): [number, number] => (Array.isArray(v) ? [v[0]!, v[1] ?? v[0]!] : [v ?? 1, v ?? 1])
  return (values) =>
    tf.tidy(() => {
      const delta = new Float32Array(values.length)
      for (let i = 0; i < values.length; i++) delta[i] = values[i]! - w[i]!
      const d = tf.tensor(delta, shape)
      const y =
        layer.kind === 'dense'
          ? tf.matMul(x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, shape[0]!]), d as tf.Tensor2D)
          : tf.conv2d(x as tf.Tensor4D, d as tf.Tensor4D, pair(cfg.strides), cfg.padding ?? 'valid', 'NHWC', pair(cfg.dilationRate))
      return tf.sum(tf.mul(y, y)).dataSync()[0]!
    })
}

/** Mean input per input channel (Dense: per feature; Conv2D: over batch and positions), float64. */
export function meanInputChannels(x: tf.Tensor): Float64Array {
  const c = x.shape[x.shape.length - 1]!
  const m = tf.tidy(() => tf.mean(tf.reshape(x, [-1, c]), 0))
  const out = Float64Array.from(m.dataSync())
  m.dispose()
  return out
}
