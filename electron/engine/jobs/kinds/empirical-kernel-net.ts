import type { KernelPlan } from '../../../../shared/arch'
import { disposeFiniteNet, finiteParamCount, initFiniteNet } from '../../layers/finite-net'

// The tensor side of the empirical-kernel job, loaded only for an ARCH.json network (its layers compute on
// tfjs tensors): an MLP's job computes on plain arrays and, being ReLU, never loads tfjs (jobs/without-tfjs.ts).
export { empiricalSample } from '../../ntk/empirical-sample'

/** the trainable parameters of the network `plan` draws from `seed` */
export function parameterCount(plan: KernelPlan, seed: number, outDim: number): number {
  const net = initFiniteNet(plan, seed, outDim)
  try {
    return finiteParamCount(net)
  } finally {
    disposeFiniteNet(net)
  }
}
