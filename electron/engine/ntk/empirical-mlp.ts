import type { ArrayActivation } from '../nn/forward-arrays'
import { drawMlpWeights, type FiniteFcArch } from '../nn/weights'
import { empiricalNtkArrays, type EmpiricalArrays, type EmpiricalOutputs } from './empirical-arrays'
import type { Prefetched } from './empirical-prefetch'

// One MLP's empirical NTK on plain arrays, without tfjs: what `ntkw empirical` computes for a ReLU network, so
// that such a job never loads tfjs (jobs/without-tfjs.ts). empirical-sample.ts is its tensor-side caller.

export interface SampleOptions {
  outDim: number
  outputs: EmpiricalOutputs
}

/**
 * The empirical NTK of the network of `arch` drawn from `seed`, on plain arrays (x: rows × cols row-major
 * float32, x2 with the same cols): its weights are drawn as arrays and never become tensors (empirical-arrays.ts).
 * `act`: the activation of `arch` for the array passes (nn/forward-arrays.ts loadArrayActivation). `prepared`:
 * this very network's weights and memory for its arrays, prepared on a worker thread (empirical-prefetch.ts).
 */
export function empiricalMlpArrays(arch: FiniteFcArch, act: ArrayActivation, x: { data: Float32Array; rows: number; cols: number }, x2: { data: Float32Array; rows: number } | null, seed: number, o: SampleOptions, prepared?: Prefetched | null): EmpiricalArrays {
  const layers = prepared?.layers ?? drawMlpWeights(arch, x.cols, o.outDim, seed)
  return empiricalNtkArrays(layers, act, x.data, x.rows, x2, { outputs: o.outputs, ...(prepared ? { scratch: prepared.scratch } : {}) })
}
