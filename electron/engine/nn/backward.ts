import * as tf from '@tensorflow/tfjs-core'
import type { ForwardCache } from './forward'
import type { Mlp } from './mlp'

/** ∂L/∂W and ∂L/∂b per layer (b null when the layer has no bias). */
export interface MlpGrads {
  w: tf.Tensor2D[]
  b: (tf.Tensor2D | null)[]
}

// Reverse mode through z_l = wScale·h_l W_l + bScale·b_l, h_{l+1} = φ(z_l), with δ_l = ∂L/∂z_l:
//   ∂L/∂W_l = wScale · h_lᵀ δ_l,   ∂L/∂b_l = bScale · Σ_rows δ_l,   δ_{l−1} = (wScale · δ_l W_lᵀ) ⊙ φ′(z_{l−1}).
// Only batch-sized tensors are ever scaled or transposed (δ_l W_lᵀ is computed as (W_l δ_lᵀ)ᵀ): with a
// small batch, touching a width × width weight costs more than the matmuls, and tfjs-wasm's transposed-
// operand matMul is ~11× slower than an explicit transpose (docs/performance.md).
export function backward(net: Mlp, cache: ForwardCache, dOut: tf.Tensor2D): MlpGrads {
  return tf.tidy(() => {
    const L = net.layers.length
    const w: tf.Tensor2D[] = new Array(L)
    const b: (tf.Tensor2D | null)[] = new Array(L)
    let delta = dOut
    for (let l = L - 1; l >= 0; l--) {
      const layer = net.layers[l]!
      const h = cache.inputs[l]!
      const ht = tf.transpose(h)
      w[l] = tf.matMul(layer.wScale === 1 ? ht : tf.mul(ht, layer.wScale), delta)
      b[l] = layer.b ? (tf.mul(tf.sum(delta, 0, true), layer.bScale) as tf.Tensor2D) : null
      if (l > 0) {
        const dt = tf.transpose(delta)
        const dh = tf.transpose(tf.matMul(layer.w, layer.wScale === 1 ? dt : tf.mul(dt, layer.wScale)))
        delta = tf.mul(dh, net.dphi(cache.pre[l - 1]!)) as tf.Tensor2D
      }
    }
    return { w, b } as unknown as tf.TensorContainer
  }) as unknown as MlpGrads
}

export function disposeGrads(g: MlpGrads): void {
  for (const t of g.w) t.dispose()
  for (const t of g.b) t?.dispose()
}
