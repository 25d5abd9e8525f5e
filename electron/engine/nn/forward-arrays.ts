import type * as tf from '@tensorflow/tfjs-core'
import { gemm } from '../blas/gemm'
import { Scratch } from '../core/scratch'
import { tfjs } from '../core/tfjs'
import type { ActivationSpec } from '../../../shared/arch'
import type { DenseWeights } from './weights'

/**
 * φ for the array passes: ReLU runs as a loop here (no tfjs: a ReLU network's passes never load it), any
 * other activation through its tfjs ops.
 */
export type ArrayActivation = { relu: true } | { relu: false; phi: (x: tf.Tensor) => tf.Tensor; dphi: (x: tf.Tensor) => tf.Tensor }

export const RELU_ARRAYS: ArrayActivation = { relu: true }

/** The array passes' φ of an activation: its tfjs ops are imported only for one that is not ReLU (nn/mlp.ts). */
export async function loadArrayActivation(spec: ActivationSpec): Promise<ArrayActivation> {
  return spec.name === 'relu' ? RELU_ARRAYS : (await import('./mlp')).arrayActivation(spec)
}

/** What the layerwise NTK needs from a forward pass on plain arrays. */
export interface ArrayForward {
  rows: number
  /** inputs[l] = h_l entering Dense layer l, rows × nIn_l, row-major (inputs[0] = x); one per layer including the readout */
  inputs: Float32Array[]
  /** φ′(z_l) of hidden layer l, rows × nOut_l; null for ReLU, whose φ′(z_l) is read off h_{l+1} > 0 */
  dphi: (Float32Array | null)[]
}

// z = wScale · h W + bScale · b on the engine's GEMM (into the scratch's memory: core/scratch.ts) (on every core: blas keeps the one-thread bits), then φ in
// place: the hidden activations are the GEMM's own output buffers, with no tensors and no copies. The readout's
// output f(x) is not formed (the NTK needs only the layers' inputs and φ′).
export function forwardArrays(layers: DenseWeights[], act: ArrayActivation, x: Float32Array, rows: number, scratch = new Scratch()): ArrayForward {
  const inputs: Float32Array[] = [x]
  const dphi: (Float32Array | null)[] = []
  for (let l = 0; l + 1 < layers.length; l++) {
    const layer = layers[l]!
    const z = gemm(inputs[l]!, layer.w, { m: rows, k: layer.nIn, n: layer.nOut }, { parallel: true, out: scratch.f32(rows * layer.nOut) })
    if (act.relu) {
      reluAffine(z, rows, layer)
      dphi.push(null)
    } else {
      affine(z, rows, layer)
      dphi.push(viaTfjs(z, rows, layer.nOut, act))
    }
    inputs.push(z)
  }
  return { rows, inputs, dphi }
}

/**
 * z ← max(wScale·z + bScale·b, 0). Branch-free: the affine value is stored, then a negative one (sign bit
 * set, −0 included) is replaced by +0 through its bits. A branch on the sign was mispredicted about every
 * other value of a random layer (≈ 9 ms against 2.5 ms per 1 M values here). The values are those of
 * `v > 0 ? v : 0` on the stored float32, except that a NaN with a clear sign bit stays NaN (it can only come
 * from an overflow, which makes the kernel non-finite either way, and is then reported, not zeroed).
 */
function reluAffine(z: Float32Array, rows: number, { b, nOut, wScale, bScale }: DenseWeights): void {
  const bias = scaledBias(b, bScale, nOut)
  const bits = new Int32Array(z.buffer, z.byteOffset, z.length)
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < nOut; c++, i++) {
      z[i] = wScale * z[i]! + bias[c]!
      const v = bits[i]!
      bits[i] = v & ~(v >> 31)
    }
  }
}

/** z ← wScale·z + bScale·b */
function affine(z: Float32Array, rows: number, { b, nOut, wScale, bScale }: DenseWeights): void {
  const bias = scaledBias(b, bScale, nOut)
  for (let r = 0, i = 0; r < rows; r++) for (let c = 0; c < nOut; c++, i++) z[i] = wScale * z[i]! + bias[c]!
}

function scaledBias(b: Float32Array | null, bScale: number, nOut: number): Float64Array {
  const out = new Float64Array(nOut)
  if (b) for (let c = 0; c < nOut; c++) out[c] = bScale * b[c]!
  return out
}

/** z ← φ(z), returning φ′(z): the activation's own tfjs ops, so every activation means what it does in training */
function viaTfjs(z: Float32Array, rows: number, cols: number, act: Extract<ArrayActivation, { relu: false }>): Float32Array {
  const tf = tfjs()
  const [h, d] = tf.tidy(() => {
    const t = tf.tensor2d(z, [rows, cols])
    return [act.phi(t), act.dphi(t)]
  })
  try {
    z.set(h!.dataSync() as Float32Array)
    return Float32Array.from(d!.dataSync() as Float32Array)
  } finally {
    tf.dispose([h!, d!])
  }
}
