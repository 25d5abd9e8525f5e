import * as tf from '@tensorflow/tfjs-core'
import { disposeCache, forwardWithCache } from '../nn/forward'
import type { Mlp } from '../nn/mlp'
import { forEachSensitivity } from '../nn/sensitivities'
import type { EmpiricalNtkOptions } from './empirical'

// Reference path (docs/math.md §2, "Jacobian contraction"): materialise the per-example Jacobian
//   J_k[i, p] = ∂f_k(x_i)/∂p   (rows: examples; columns: every parameter p),
// exactly what a vmapped reverse-mode autodiff produces (for W_l: wScale · h_l ⊗ G_l per example), then
//   Θ̂_k = J_k J'_kᵀ  (trace: (1/K) Σ_k).
// J has n × P entries (P ≈ 2.9 M for width 1024, depth 3, d = 784), so it is built and contracted in
// column chunks of at most `chunkFloats` entries; the result is the same as one J Jᵀ. This costs
// O(n·P) to build and O(n·n2·P) to contract, against O(n·n2·width·depth) for the layerwise path: it is kept
// as the independent reference in tests and as the benchmark baseline, not for use.
export interface JacobianChunking {
  /** J is built and contracted in column blocks of at most this many entries (default 2²⁴) */
  chunkFloats?: number
  /**
   * Benchmarks only: contract just the first `sampleChunks` W-blocks of each hidden layer (the result is
   * then a partial sum, not the NTK) so the cost of one block can be measured at full n.
   */
  sampleChunks?: number
  /** every W-block of every hidden layer and output: its column count, and whether it was computed */
  onChunk?: (info: { layer: number; columns: number; computed: boolean; ms: number }) => void
}

export function empiricalNtkJacobian(
  net: Mlp,
  x: tf.Tensor2D,
  x2?: tf.Tensor2D,
  opts: EmpiricalNtkOptions & JacobianChunking = {},
): tf.Tensor {
  const outputs = opts.outputs ?? 'trace'
  const chunkFloats = opts.chunkFloats ?? 1 << 24
  const K = net.outDim
  const n = x.shape[0]
  const n2 = x2 ? x2.shape[0] : n
  const all = x2 ? tf.concat([x, x2], 0) : x
  const cache = forwardWithCache(net, all)
  // per-output accumulators Θ̂_k, n × n2
  const acc: tf.Tensor2D[] = Array.from({ length: K }, () => tf.zeros([n, n2]) as tf.Tensor2D)
  const addTo = (k: number, jA: tf.Tensor2D, jB: tf.Tensor2D): void => {
    const next = tf.tidy(() => tf.add(acc[k]!, tf.matMul(jA, tf.transpose(jB))) as tf.Tensor2D)
    acc[k]!.dispose()
    acc[k] = tf.keep(next)
  }
  const split = (j: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] =>
    x2 ? [tf.slice(j, [0, 0], [n, -1]), tf.slice(j, [n, 0], [n2, -1])] : [j, j]
  try {
    const L = net.layers.length - 1
    const readout = net.layers[L]!
    for (let k = 0; k < K; k++) {
      // ∂f_k/∂W_L[:, k] = wScale · h_L, ∂f_k/∂b_L[k] = bScale (other columns of W_L have zero derivative).
      tf.tidy(() => {
        const j = tf.mul(cache.inputs[L]!, readout.wScale) as tf.Tensor2D
        const [a, b] = split(j)
        addTo(k, a, b)
        if (readout.b) {
          const jb = tf.fill([n + (x2 ? n2 : 0), 1], readout.bScale) as tf.Tensor2D
          const [ba, bb] = split(jb)
          addTo(k, ba, bb)
        }
      })
    }
    forEachSensitivity(net, cache, (l, g) => {
      const layer = net.layers[l]!
      const h = cache.inputs[l]!
      const rows = h.shape[0]
      const step = Math.max(1, Math.floor(chunkFloats / (rows * layer.nOut)))
      for (let k = 0; k < K; k++) {
        tf.tidy(() => {
          const gk = tf.squeeze(tf.slice(g, [k, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D
          for (let a0 = 0, c = 0; a0 < layer.nIn; a0 += step, c++) {
            if (opts.sampleChunks !== undefined && c >= opts.sampleChunks) {
              opts.onChunk?.({ layer: l, columns: Math.min(step, layer.nIn - a0) * layer.nOut, computed: false, ms: 0 })
              continue
            }
            const t0 = performance.now()
            tf.tidy(() => {
              const m = Math.min(step, layer.nIn - a0)
              const hs = tf.mul(tf.slice(h, [0, a0], [rows, m]), layer.wScale)
              // per-example outer product h_i ⊗ g_i, flattened: the W-columns a0..a0+m of J_k
              const j = tf.reshape(tf.mul(tf.expandDims(hs, 2), tf.expandDims(gk, 1)), [rows, m * layer.nOut])
              const [ja, jb] = split(j as tf.Tensor2D)
              addTo(k, ja, jb)
            })
            if (opts.onChunk) {
              acc[k]!.dataSync() // wait for the block (a no-op on synchronous backends)
              opts.onChunk({ layer: l, columns: Math.min(step, layer.nIn - a0) * layer.nOut, computed: true, ms: performance.now() - t0 })
            }
          }
          if (layer.b) {
            const [ba, bb] = split(tf.mul(gk, layer.bScale) as tf.Tensor2D)
            addTo(k, ba, bb)
          }
        })
      }
    })
    if (outputs === 'per-output') return tf.stack(acc)
    return tf.tidy(() => tf.mul(tf.addN(acc), 1 / K))
  } finally {
    for (const t of acc) t.dispose()
    disposeCache(cache)
    if (x2) all.dispose()
  }
}
