import { gemm, gemmInfo, type GemmOptions } from '../blas/gemm'
import type { GemmShape } from '../blas/variants'

// blas/gemm's `parallel: true` runs MLAS with every core, but its bits equal the one-thread product's (what
// an `ntkw worker` thread computes, and what local and remote runs are compared on) only for some shapes.
// MLAS splits the output by rows when N < M and by columns otherwise, and picks its K-block size from the
// column count each thread sees: when K > 128 and a thread's share of the columns is ≤ 64 (or so), the
// products are summed over K in other blocks, so another float32 rounding. Measured with onnxruntime-node
// 1.31 (every shape M ∈ {8…1000}, K ∈ {100…784}, N ∈ {16…1024} with either transpose): the two differ only
// for N > M, K ≥ 129 and N ≤ 129. Columns split among T threads stay above 64 each from N ≥ 96·T on, with
// room for MLAS's 16-column alignment. Until blas/gemm.ts makes the promise itself, the array passes of the
// empirical NTK ask for both cores only where it holds.
export function parallelKeepsBits({ m, k, n }: GemmShape, transA = false): boolean {
  return transA || k <= 128 || n < m || n >= 96 * gemmInfo().threads
}

/** gemm on both cores where that gives the one-thread bits (parallelKeepsBits), else on one */
export function gemmSameBits(a: Float32Array, b: Float32Array, shape: GemmShape, o: Omit<GemmOptions, 'parallel'> = {}): Float32Array {
  return gemm(a, b, shape, { ...o, parallel: parallelKeepsBits(shape, o.transA) })
}
