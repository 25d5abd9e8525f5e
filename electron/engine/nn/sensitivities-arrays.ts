import { gemm } from '../blas/gemm'
import { Scratch } from '../core/scratch'
import type { ArrayForward } from './forward-arrays'
import type { DenseWeights } from './mlp'

// nn/sensitivities.ts on plain arrays: G_l = ∂f/∂z_l of every output unit k, laid out [rows, K, width_l]
// (each example's K sensitivities side by side, so Σ_k G_k G'_kᵀ is one Gram product of [rows, K·width_l]):
//   readout:  ∂f_k/∂h_L = wScale_L · W_L[:, k]ᵀ (the same row for every example),
//   G_l     = (∂f/∂h_{l+1}) ⊙ φ′(z_l),   ∂f/∂h_l = wScale_l · G_l W_lᵀ   (one GEMM of K·rows rows).
// Yields hidden layers top-down. A yielded G_l is valid until the caller asks for the next layer but one, so
// it must be used (or copied) before asking for the next.
//
// overwriteInputs (one output unit, K = 1): G_{L-1} is written over h_L = fw.inputs[L], which has its shape,
// and the G's after it alternate between one more buffer and h_L's, instead of two buffers of their own: on
// these machines every newly touched MiB costs ~3 ms of page faults (core/scratch.ts). The caller must then
// be done with h_L before asking for the first layer; the other inputs are only read.
export function* sensitivityArrays(layers: DenseWeights[], fw: ArrayForward, o: { overwriteInputs?: boolean; scratch?: Scratch } = {}): Generator<[number, Float32Array]> {
  const L = layers.length - 1
  if (L === 0) return
  const rows = fw.rows
  const readout = layers[L]!
  const K = readout.nOut
  const inPlace = Boolean(o.overwriteInputs) && K === 1
  let widest = 0
  for (let l = 0; l < L; l++) widest = Math.max(widest, layers[l]!.nOut, l > 0 ? layers[l]!.nIn : 0)
  const scratch = o.scratch ?? new Scratch()
  const w = readout.nIn
  // [K, w]: the output rows of the readout, scaled, as the float32 values G holds before φ′ multiplies them
  const top = new Float32Array(K * w)
  for (let k = 0; k < K; k++) for (let j = 0; j < w; j++) top[k * w + j] = readout.wScale * readout.w[j * K + k]!
  let g = inPlace ? fw.inputs[L]!.subarray(0, rows * w) : scratch.f32(rows * K * widest).subarray(0, rows * K * w)
  firstRows(g, rows, K, w, top, fw, L - 1)
  let spare: Float32Array | null = L > 1 ? scratch.f32(rows * K * widest) : null
  for (let l = L - 1; ; l--) {
    yield [l, g]
    if (l === 0) return
    const layer = layers[l]!
    const size = rows * K * layer.nIn
    const next = spare!.length >= size ? spare!.subarray(0, size) : scratch.f32(size)
    gemm(g, layer.w, { m: rows * K, k: layer.nOut, n: layer.nIn }, { transB: true, out: next, parallel: true })
    maskRows(next, rows, K, layer.nIn, fw, l - 1, layer.wScale)
    // G_l is no longer needed once G_{l-1} is formed: its memory takes the next one
    spare = new Float32Array(g.buffer, g.byteOffset, (g.buffer.byteLength - g.byteOffset) >>> 2)
    g = next
  }
}

// ReLU's φ′(z_l) = [h_{l+1} > 0] is applied through the bits: h_{l+1} is +0 or positive (nn/forward-arrays.ts),
// so (0 − bits(h)) >> 31 is all ones where h > 0 and 0 where h = +0, and a value ANDed with it is itself or +0,
// what `h > 0 ? value : 0` gives, without the branch that a random mask mispredicts about every other value.

/** g[r, k, :] ← top[k, :] ⊙ φ′(z_l)[r, :]; g may be h_{l+1} itself (K = 1: every value is read before it is written) */
function firstRows(g: Float32Array, rows: number, K: number, w: number, top: Float32Array, fw: ArrayForward, l: number): void {
  const d = fw.dphi[l]
  const h = fw.inputs[l + 1]!
  const gb = bitsOf(g)
  const hb = bitsOf(h)
  const tb = bitsOf(top)
  for (let r = 0; r < rows; r++) {
    const src = r * w
    for (let k = 0; k < K; k++) {
      const o = (r * K + k) * w
      const t = k * w
      if (d) for (let j = 0; j < w; j++) g[o + j] = top[t + j]! * d[src + j]!
      else for (let j = 0; j < w; j++) gb[o + j] = tb[t + j]! & ((0 - hb[src + j]!) >> 31)
    }
  }
}

/** g[r, k, :] ← scale · g[r, k, :] ⊙ φ′(z_l)[r, :] */
function maskRows(g: Float32Array, rows: number, K: number, w: number, fw: ArrayForward, l: number, scale: number): void {
  const d = fw.dphi[l]
  // ReLU: φ′(z_l) = 1 where h_{l+1} = φ(z_l) > 0, else 0
  const h = fw.inputs[l + 1]!
  const gb = bitsOf(g)
  const hb = bitsOf(h)
  for (let r = 0; r < rows; r++) {
    const src = r * w
    for (let k = 0; k < K; k++) {
      const o = (r * K + k) * w
      if (d) for (let j = 0; j < w; j++) g[o + j] = scale * g[o + j]! * d[src + j]!
      else
        for (let j = 0; j < w; j++) {
          g[o + j] = scale * g[o + j]!
          gb[o + j] = gb[o + j]! & ((0 - hb[src + j]!) >> 31)
        }
    }
  }
}

/** the float32 values' bits, on the same memory */
function bitsOf(a: Float32Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length)
}
