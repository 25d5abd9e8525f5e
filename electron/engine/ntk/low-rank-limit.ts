import type { FcArch } from '../../../shared/arch'
import type { Matrix } from '../core/matrix'
import { activationKernel } from '../activations/index'
import { fcLayers } from './layers'
import { computeTile, type PointBlock } from './tile'

function block(m: Matrix): PointBlock {
  const n = m.rows * m.cols
  const data = m.data instanceof Float32Array ? m.data.subarray(0, n) : Float32Array.from(m.data.subarray(0, n))
  return { data, rows: m.rows, d: m.cols }
}

/**
 * The NTK that a network with factorised hidden layers (nn/low-rank.ts) tends to as width and rank grow
 * (docs/math.md §5): the recursion of §1 with each hidden layer's weight term counted once per factor.
 * One in-memory tile: for the sizes of an experiment (a few thousand points), not for streaming.
 */
export function lowRankLimitNtk(x: Matrix, x2: Matrix | null, arch: FcArch): Float32Array {
  const layers = fcLayers(arch, activationKernel(arch.activation), { lowRankHidden: true })
  const a = block(x)
  return computeTile(layers, a, x2 ? block(x2) : a, ['ntk'], x2 === null).ntk!
}
