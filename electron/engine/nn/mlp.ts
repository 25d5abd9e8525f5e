import * as tf from '@tensorflow/tfjs-core'
import type { ActivationSpec } from '../../../shared/arch'
import { activationKernel } from '../activations/index'
import { drawMlpWeights, type DenseWeights, type FiniteFcArch } from './weights'
import { RELU_ARRAYS, type ArrayActivation } from './forward-arrays'

// the tf-free half (architecture sizes, weights as arrays) lives in nn/weights.ts, which worker threads load without tfjs
export { drawMlpWeights, layerSizes, parameterCount, type DenseWeights, type FiniteFcArch } from './weights'

/**
 * One Dense layer z = wScale · h W + bScale · b with trainable W (nIn × nOut) and b (1 × nOut).
 *   NTK parameterization (docs/math.md §2):  W, b ~ N(0, 1),            wScale = σ_w/√n_in, bScale = σ_b;
 *   standard parameterization (NT):     W ~ N(0, σ_w²/n_in), b ~ N(0, σ_b²), wScale = bScale = 1.
 * The NTK of the parameters is the same formula in both: wScale² (h hᵀ)⊙(G Gᵀ) + bScale² G Gᵀ.
 */
export interface DenseLayer {
  w: tf.Tensor2D
  /** null: the layer has no bias (arch.bStd null) */
  b: tf.Tensor2D | null
  nIn: number
  nOut: number
  wScale: number
  bScale: number
}

/** A finite MLP: `depth` hidden Dense+φ pairs, then a Dense readout with `outDim` outputs. */
export interface Mlp {
  arch: FiniteFcArch
  inDim: number
  outDim: number
  layers: DenseLayer[]
  phi: (x: tf.Tensor) => tf.Tensor
  dphi: (x: tf.Tensor) => tf.Tensor
}

export function activationOps(spec: ActivationSpec): { phi: (x: tf.Tensor) => tf.Tensor; dphi: (x: tf.Tensor) => tf.Tensor } {
  const k = activationKernel(spec)
  return { phi: k.phi, dphi: k.dphi }
}

/** φ of the array passes (nn/forward-arrays.ts): ReLU as their loop, any other activation through its tfjs ops */
export function arrayActivation(spec: ActivationSpec): ArrayActivation {
  return spec.name === 'relu' ? RELU_ARRAYS : { relu: false, ...activationOps(spec) }
}

/** A network drawn by drawMlpWeights, as tensors. */
export function initMlp(arch: FiniteFcArch, inDim: number, outDim: number, seed: number): Mlp {
  const layers = drawMlpWeights(arch, inDim, outDim, seed).map(
    (l): DenseLayer => ({ ...l, w: tf.tensor2d(l.w, [l.nIn, l.nOut]), b: l.b ? tf.tensor2d(l.b, [1, l.nOut]) : null }),
  )
  return { arch, inDim, outDim, layers, ...activationOps(arch.activation) }
}

export function disposeMlp(net: Mlp): void {
  for (const l of net.layers) {
    l.w.dispose()
    l.b?.dispose()
  }
}

/** The trainable tensors in a fixed order (W0, b0, W1, b1, ...; absent biases skipped). */
export function parameterTensors(net: Mlp): tf.Tensor2D[] {
  const out: tf.Tensor2D[] = []
  for (const l of net.layers) {
    out.push(l.w)
    if (l.b) out.push(l.b)
  }
  return out
}

/** Copies the weights to plain arrays (row-major), e.g. for saving or for float64 checks. */
export function exportWeights(net: Mlp): DenseWeights[] {
  return net.layers.map((l) => ({
    w: l.w.dataSync() as Float32Array,
    b: l.b ? (l.b.dataSync() as Float32Array) : null,
    nIn: l.nIn,
    nOut: l.nOut,
    wScale: l.wScale,
    bScale: l.bScale,
  }))
}
