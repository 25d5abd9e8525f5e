import type * as tf from '@tensorflow/tfjs-core'
import { isNetKernelArch, planKernel, type FiniteKernelArch } from '../../../shared/arch'
import { disposeFiniteNet, initFiniteNet } from '../layers/finite-net'
import { disposeMlp, initMlp } from '../nn/mlp'
import { empiricalNtk, type EmpiricalOutputs } from './empirical'
import { empiricalNetNtk } from './empirical-net'

export interface SampleOptions {
  outDim: number
  outputs: EmpiricalOutputs
}

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
  const net = initMlp(arch, x.shape[1], o.outDim, seed)
  try {
    return empiricalNtk(net, x, x2, { outputs: o.outputs })
  } finally {
    disposeMlp(net)
  }
}
