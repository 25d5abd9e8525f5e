import { gemm } from '../blas/gemm'
import type { ArrayForward } from './forward-arrays'
import type { DenseWeights } from './mlp'

// nn/sensitivities.ts on plain arrays: G_l = ∂f/∂z_l of every output unit k, laid out [rows, K, width_l]
// (each example's K sensitivities side by side, so Σ_k G_k G'_kᵀ is one Gram product of [rows, K·width_l]):
//   readout:  ∂f_k/∂h_L = wScale_L · W_L[:, k]ᵀ (the same row for every example),
//   G_l     = (∂f/∂h_{l+1}) ⊙ φ′(z_l),   ∂f/∂h_l = wScale_l · G_l W_lᵀ   (one GEMM of K·rows rows).
// Yields hidden layers top-down. Two buffers alternate: a yielded G_l is valid until the caller asks for the
// next layer but one, so it must be used (or copied) before asking for the next.
export function* sensitivityArrays(layers: DenseWeights[], fw: ArrayForward): Generator<[number, Float32Array]> {
  const L = layers.length - 1
  if (L === 0) return
  const rows = fw.rows
  const readout = layers[L]!
  const K = readout.nOut
  let widest = 0
  for (let l = 0; l < L; l++) widest = Math.max(widest, layers[l]!.nOut, l > 0 ? layers[l]!.nIn : 0)
  const bufs = [new Float32Array(rows * K * widest), new Float32Array(rows * K * widest)]
  const w = readout.nIn
  // [K, w]: the output rows of the readout, scaled
  const top = new Float64Array(K * w)
  for (let k = 0; k < K; k++) for (let j = 0; j < w; j++) top[k * w + j] = readout.wScale * readout.w[j * K + k]!
  let g = bufs[0]!.subarray(0, rows * K * w)
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < K; k++) {
      const o = (r * K + k) * w
      for (let j = 0; j < w; j++) g[o + j] = top[k * w + j]!
    }
  }
  maskRows(g, rows, K, w, fw, L - 1, 1)
  for (let l = L - 1; ; l--) {
    yield [l, g]
    if (l === 0) return
    const layer = layers[l]!
    const next = bufs[(L - l) % 2]!.subarray(0, rows * K * layer.nIn)
    gemm(g, layer.w, { m: rows * K, k: layer.nOut, n: layer.nIn }, { transB: true, out: next, parallel: true })
    maskRows(next, rows, K, layer.nIn, fw, l - 1, layer.wScale)
    g = next
  }
}

/** g[r, k, :] ← scale · g[r, k, :] ⊙ φ′(z_l)[r, :] */
function maskRows(g: Float32Array, rows: number, K: number, w: number, fw: ArrayForward, l: number, scale: number): void {
  const d = fw.dphi[l]
  // ReLU: φ′(z_l) = 1 where h_{l+1} = φ(z_l) > 0, else 0
  const h = fw.inputs[l + 1]!
  for (let r = 0; r < rows; r++) {
    const src = r * w
    for (let k = 0; k < K; k++) {
      const o = (r * K + k) * w
      if (d) for (let j = 0; j < w; j++) g[o + j] = scale * g[o + j]! * d[src + j]!
      else for (let j = 0; j < w; j++) g[o + j] = h[src + j]! > 0 ? scale * g[o + j]! : 0
    }
  }
}
