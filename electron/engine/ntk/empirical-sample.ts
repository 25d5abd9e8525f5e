import * as tf from '@tensorflow/tfjs-core'
import { isNetKernelArch, planKernel, type FiniteKernelArch } from '../../../shared/arch'
import type { FiniteFcArch } from '../nn/mlp'
import { UserError } from '../../../shared/errors'
import { disposeFiniteNet, initFiniteNet } from '../layers/finite-net'
import { arrayActivation } from '../nn/mlp'
import type { EmpiricalArrays } from './empirical-arrays'
import { empiricalMlpArrays, type SampleOptions } from './empirical-mlp'
import { empiricalNetNtk } from './empirical-net'
import type { Prefetched } from './empirical-prefetch'

export type { SampleOptions } from './empirical-mlp'

/**
 * The empirical NTK of the one network of `arch` drawn from `seed`: the step a Monte-Carlo mean
 * (meanOverSamples) repeats per sample and a width sweep per (width, seed), and the unit an `ntkw worker`
 * computes for them (issue 20). An ARCH.json is planned for the rows' `shape`.
 */
export function empiricalSample(arch: FiniteKernelArch, shape: number[], x: tf.Tensor2D, x2: tf.Tensor2D | undefined, seed: number, o: SampleOptions): tf.Tensor {
  if (isNetKernelArch(arch)) {
    const net = initFiniteNet(planKernel(arch.net, { wStd: arch.wStd, bStd: arch.bStd }, shape), seed, o.outDim)
    try {
      return empiricalNetNtk(net, x, x2, { outputs: o.outputs })
    } finally {
      disposeFiniteNet(net)
    }
  }
  if (x2 && x2.shape[1] !== x.shape[1]) throw new UserError('bad_shape', `x2 has shape [${x2.shape.join(', ')}] but the network takes ${x.shape[1]} features`, 'x and x2 must be 2-D arrays (points × features) with the same number of features.')
  const k = empiricalMlpSample(arch, { data: x.dataSync() as Float32Array, rows: x.shape[0], cols: x.shape[1] }, x2 ? { data: x2.dataSync() as Float32Array, rows: x2.shape[0] } : null, seed, o)
  return tf.tensor(k.data, k.shape)
}

/** empiricalSample of an MLP on plain arrays: empirical-mlp.ts with the activation's array form. */
export function empiricalMlpSample(arch: FiniteFcArch, x: { data: Float32Array; rows: number; cols: number }, x2: { data: Float32Array; rows: number } | null, seed: number, o: SampleOptions, prepared?: Prefetched | null): EmpiricalArrays {
  return empiricalMlpArrays(arch, arrayActivation(arch.activation), x, x2, seed, o, prepared)
}
