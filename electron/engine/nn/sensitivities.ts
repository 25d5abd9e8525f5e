import * as tf from '@tensorflow/tfjs-core'
import type { ForwardCache } from './forward'
import type { Mlp } from './mlp'

// G_l = ∂f/∂z_l for every output unit k at once, stacked as [K, n, width_l] (docs/math.md §2). Each example's
// f depends only on its own z, so one backward pass of K cotangents gives every per-example sensitivity:
//   readout:  ∂f_k/∂h_L = wScale_L · W_L[:, k]ᵀ (the same row for every example),
//   G_{l}   = (∂f/∂h_{l+1}) ⊙ φ′(z_l),   ∂f/∂h_l = wScale_l · G_l W_lᵀ.
// Visits hidden layers top-down and hands each G_l to `visit`; G_l is disposed after the visit, so at most
// two of them are alive at once.
export function forEachSensitivity(net: Mlp, cache: ForwardCache, visit: (layer: number, g: tf.Tensor3D) => void): void {
  const L = net.layers.length - 1 // hidden layers
  if (L === 0) return
  const n = cache.out.shape[0]
  const K = net.outDim
  const readout = net.layers[L]!
  // [K, 1, w_L]: the output rows of the readout, broadcast over examples.
  let dh: tf.Tensor3D = tf.tidy(() => {
    const wt = tf.transpose(readout.w) as tf.Tensor2D
    return tf.reshape(readout.wScale === 1 ? wt : tf.mul(wt, readout.wScale), [K, 1, readout.nIn]) as tf.Tensor3D
  })
  for (let l = L - 1; l >= 0; l--) {
    const layer = net.layers[l]!
    const g = tf.tidy(() => tf.mul(dh, tf.expandDims(net.dphi(cache.pre[l]!), 0)) as tf.Tensor3D)
    dh.dispose()
    try {
      visit(l, g)
      if (l > 0) {
        dh = tf.tidy(() => {
          const wt = tf.transpose(layer.w) as tf.Tensor2D
          const flat = tf.matMul(tf.reshape(g, [K * n, layer.nOut]) as tf.Tensor2D, layer.wScale === 1 ? wt : tf.mul(wt, layer.wScale))
          return tf.reshape(flat, [K, n, layer.nIn]) as tf.Tensor3D
        })
      }
    } finally {
      g.dispose()
    }
  }
}
