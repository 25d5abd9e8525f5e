import type { FcArch } from '../../../shared/arch'
import { abReluShape } from '../activations/abrelu-shape'
import { gemm } from '../blas/gemm'
import { fusedFcPlan, fusedFcTile, type FusedFcPlan } from './fc-fused'
import type { KernelName, PointBlock, TileKernels } from './tile'

// The fused FC tile's own pieces, without tfjs: on MLAS (a CPU backend) a ReLU-family FC kernel tile is a GEMM
// and typed-array loops, so a kernel worker thread computing only such tiles never loads tfjs or starts its
// wasm backend (ntk/kernel-worker.ts). tile.ts computes every other tile, and this one on tfjs's matMul.

/** The fused plan of an FC network with its own activation: fcLayers(arch).fused (ntk/layers.ts), without tfjs. */
export function fusedPlanOf(arch: FcArch): FusedFcPlan | null {
  const shape = abReluShape(arch.activation)
  return shape ? fusedFcPlan(arch, shape, false) : null
}

/** q⁰ = ‖x‖²/d per point, in float64 (the backend ops round it to float32 as they take it). */
function inputVariances(b: PointBlock): Float64Array {
  const q = new Float64Array(b.rows)
  const inv = 1 / b.d
  for (let i = 0; i < b.rows; i++) {
    let s = 0
    const o = i * b.d
    for (let k = 0; k < b.d; k++) {
      const v = b.data[o + k]!
      s += v * v
    }
    q[i] = s * inv
  }
  return q
}

/** q per block key, kept for a job: recomputing it cost each worker ≈ 75 ms of an n = 8 000 kernel (d = 784) */
export class VarianceCache {
  private readonly q = new Map<string, Float64Array>()

  variances(b: PointBlock): Float64Array {
    if (b.key === undefined) return inputVariances(b)
    let q = this.q.get(b.key)
    if (!q) {
      q = inputVariances(b)
      this.q.set(b.key, q)
    }
    return q
  }

  dispose(): void {
    this.q.clear()
  }
}

/** x·x′ᵀ of a tile on MLAS, which takes the column block as it is (transB) */
export function mlasGram(rowsBlock: PointBlock, colsBlock: PointBlock): Float32Array {
  return gemm(rowsBlock.data, colsBlock.data, { m: rowsBlock.rows, k: rowsBlock.d, n: colsBlock.rows }, { transB: true })
}

/**
 * A tile through the fused recursion (ntk/fc-fused.ts) from its Gram matrix x·x′ᵀ (float32, from the engine's
 * GEMM as on every path): every layer per entry in float64, written once as float32.
 */
export function fusedTileOf(plan: FusedFcPlan, gram: Float32Array, rowsBlock: PointBlock, colsBlock: PointBlock, kernels: readonly KernelName[], selfDiagonal: boolean, q: Pick<VarianceCache, 'variances'>): TileKernels {
  const n = rowsBlock.rows * colsBlock.rows
  const out = { nngp: kernels.includes('nngp') ? new Float32Array(n) : null, ntk: kernels.includes('ntk') ? new Float32Array(n) : null }
  fusedFcTile(plan, gram, rowsBlock.d, q.variances(rowsBlock), q.variances(colsBlock), selfDiagonal && rowsBlock.rows === colsBlock.rows, out)
  return { ...(out.nngp ? { nngp: out.nngp } : {}), ...(out.ntk ? { ntk: out.ntk } : {}) }
}
