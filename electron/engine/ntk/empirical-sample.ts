import * as tf from '@tensorflow/tfjs-core'
import { isNetKernelArch, planKernel, type FiniteKernelArch } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'
import { disposeFiniteNet, initFiniteNet } from '../layers/finite-net'
import { arrayActivation } from '../nn/forward-arrays'
import { drawMlpWeights } from '../nn/mlp'
import { empiricalNtkArrays, type EmpiricalOutputs } from './empirical'
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
  // an MLP computes on arrays from the draw on (empirical.ts), its weights never becoming tensors
  if (x2 && x2.shape[1] !== x.shape[1]) throw new UserError('bad_shape', `x2 has shape [${x2.shape.join(', ')}] but the network takes ${x.shape[1]} features`, 'x and x2 must be 2-D arrays (points × features) with the same number of features.')
  const layers = drawMlpWeights(arch, x.shape[1], o.outDim, seed)
  const k = empiricalNtkArrays(layers, arrayActivation(arch.activation), x.dataSync() as Float32Array, x.shape[0], x2 ? { data: x2.dataSync() as Float32Array, rows: x2.shape[0] } : null, { outputs: o.outputs })
  return tf.tensor(k.data, k.shape)
}
