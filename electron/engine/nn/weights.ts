import type { FcArch } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'
import { Xoshiro128 } from '../core/random'

// An MLP's sizes and its weights as plain arrays, without tfjs: the empirical NTK computes on these arrays, and
// a worker thread draws them without loading tfjs (ntk/empirical-prefetch.ts). nn/mlp.ts wraps them in tensors.

/** An FC architecture with a concrete hidden width (a network that can be instantiated). */
export type FiniteFcArch = Omit<FcArch, 'width'> & { width: number }

/** Layer sizes [d, width × depth, outDim]. */
export function layerSizes(arch: FiniteFcArch, inDim: number, outDim: number): number[] {
  return [inDim, ...Array.from({ length: arch.depth }, () => arch.width), outDim]
}

/** Number of trainable parameters. */
export function parameterCount(arch: FiniteFcArch, inDim: number, outDim: number): number {
  const sizes = layerSizes(arch, inDim, outDim)
  let p = 0
  for (let l = 0; l + 1 < sizes.length; l++) p += sizes[l]! * sizes[l + 1]! + (arch.bStd === null ? 0 : sizes[l + 1]!)
  return p
}

/** One Dense layer's parameters as plain row-major arrays (W nIn × nOut, b 1 × nOut). */
export interface DenseWeights {
  w: Float32Array
  b: Float32Array | null
  nIn: number
  nOut: number
  wScale: number
  bScale: number
}

/**
 * Draws a network's parameters from the seeded PRNG (core/random.ts), layer by layer W then b, so the same
 * (arch, dims, seed) gives bit-identical weights on every backend. Normals by the ziggurat (Box–Muller took
 * ≈ 0.25 s of an `ntkw empirical` run for the 2.9 M weights of a 3×1024 network on 784 inputs). The
 * empirical NTK computes on these arrays directly (no tensors); initMlp wraps them.
 */
export function drawMlpWeights(arch: FiniteFcArch, inDim: number, outDim: number, seed: number): DenseWeights[] {
  if (!Number.isInteger(arch.width) || arch.width < 1) {
    throw new UserError('bad_width', `a finite network needs a positive integer width (got ${String(arch.width)})`, 'Pass --width W, e.g. --width 512.')
  }
  if (inDim < 1 || outDim < 1) throw new UserError('bad_shape', `network dimensions must be positive (input ${inDim}, output ${outDim})`)
  const rng = new Xoshiro128(seed)
  const sizes = layerSizes(arch, inDim, outDim)
  const ntk = arch.parameterization === 'ntk'
  const layers: DenseWeights[] = []
  for (let l = 0; l + 1 < sizes.length; l++) {
    const nIn = sizes[l]!
    const nOut = sizes[l + 1]!
    const w = rng.zigguratNormals(nIn * nOut, ntk ? 1 : arch.wStd / Math.sqrt(nIn))
    const b = arch.bStd !== null ? rng.zigguratNormals(nOut, ntk ? 1 : arch.bStd) : null
    layers.push({ w, b, nIn, nOut, wScale: ntk ? arch.wStd / Math.sqrt(nIn) : 1, bScale: ntk ? (arch.bStd ?? 0) : 1 })
  }
  return layers
}
