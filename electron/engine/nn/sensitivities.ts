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
  for (const [l, [g]] of sensitivities(net, [cache])) visit(l, g!)
}

/**
 * The same backward pass over several forward caches (row sets of one network) in lockstep: yields each
 * hidden layer top-down with the G_l of every cache, disposed when the caller asks for the next layer (or
 * stops early); the scaled W_lᵀ is formed once per layer for all of them.
 */
export function* sensitivities(net: Mlp, caches: ForwardCache[]): Generator<[number, tf.Tensor3D[]]> {
  const L = net.layers.length - 1 // hidden layers
  if (L === 0) return
  const K = net.outDim
  const readout = net.layers[L]!
  // [K, 1, w_L]: the output rows of the readout, broadcast over examples.
  const top = tf.tidy(() => {
    const wt = tf.transpose(readout.w) as tf.Tensor2D
    return tf.reshape(readout.wScale === 1 ? wt : tf.mul(wt, readout.wScale), [K, 1, readout.nIn]) as tf.Tensor3D
  })
  let dh: tf.Tensor3D[] = caches.map(() => top)
  let gs: tf.Tensor3D[] = []
  const disposeDh = (): void => tf.dispose([...new Set(dh)])
  try {
    for (let l = L - 1; l >= 0; l--) {
      const layer = net.layers[l]!
      gs = caches.map((c, i) => tf.tidy(() => tf.mul(dh[i]!, tf.expandDims(net.dphi(c.pre[l]!), 0)) as tf.Tensor3D))
      disposeDh()
      dh = []
      yield [l, gs]
      if (l > 0) {
        const wt = tf.tidy(() => {
          const t = tf.transpose(layer.w) as tf.Tensor2D
          return layer.wScale === 1 ? t : (tf.mul(t, layer.wScale) as tf.Tensor2D)
        })
        try {
          dh = gs.map((g) => tf.tidy(() => {
            const n = g.shape[1]
            return tf.reshape(tf.matMul(tf.reshape(g, [K * n, layer.nOut]) as tf.Tensor2D, wt), [K, n, layer.nIn]) as tf.Tensor3D
          }))
        } finally {
          wt.dispose()
        }
      }
      tf.dispose(gs)
      gs = []
    }
  } finally {
    tf.dispose(gs)
    disposeDh()
  }
}
