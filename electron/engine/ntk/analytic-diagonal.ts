import * as tf from '@tensorflow/tfjs-core'
import type { FcArch } from '../../../shared/arch'
import type { Matrix } from '../core/matrix'
import { backendInfo, initBackend } from '../runtime/backend'
import { validateKernelInputs, type KernelName } from './analytic'
import { fcLayers } from './layers'
import { disposeState, type KernelState } from './state'

/**
 * K(x_i, x_i) for every point, in O(n·d): the pair recursion of docs/math.md §1 run on the n diagonal pairs
 * at once, as [n, 1] columns (q1 = q2 = Σ = ‖x‖²/d, correlation pinned to 1). For predictive variances
 * of test points without forming their n×n kernel.
 */
export async function analyticKernelDiagonal(
  x: Matrix,
  arch: FcArch,
  kernels: KernelName[],
): Promise<Partial<Record<KernelName, Float32Array>>> {
  const wanted = validateKernelInputs(x, null, arch, kernels)
  if (!backendInfo()) await initBackend()
  const n = x.rows
  const d = x.cols
  const q = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    let s = 0
    for (let k = 0; k < d; k++) s += x.data[i * d + k]! ** 2
    q[i] = s / d
  }
  let state: KernelState = {
    nngp: tf.tensor2d(q, [n, 1]),
    ntk: null,
    q1: tf.tensor2d(q, [n, 1]),
    q2: tf.tensor2d(q, [n, 1]),
    width: d,
    trackNtk: wanted.includes('ntk'),
    pin: tf.ones([n, 1]) as tf.Tensor2D,
  }
  try {
    state = fcLayers(arch).apply(state)
    const out: Partial<Record<KernelName, Float32Array>> = {}
    if (wanted.includes('nngp')) out.nngp = Float32Array.from(state.nngp.dataSync())
    if (wanted.includes('ntk')) out.ntk = Float32Array.from(state.ntk!.dataSync())
    return out
  } finally {
    disposeState(state)
  }
}
