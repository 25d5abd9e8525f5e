import { UserError } from '../errors'
import { activationUsage, KIP_ACTIVATION_NAMES } from './activation-names'
import type { KernelPlan } from './kernel-plan'

// What KIP can differentiate in the support points: plans whose state stays on the spatial diagonal (conv,
// dense, activations with a gradient-safe dual map, flatten). The engine refuses with this before any work
// (layers/plan-tensor.ts); the KIP page shows it before Run.

/** Why KIP cannot take this plan, naming the layer; null when it can. */
export function kipPlanRefusal(plan: KernelPlan): UserError | null {
  for (const s of plan.steps) {
    const where = s.layer >= 0 ? `layer ${s.layer + 1} (${s.op === 'avgpool' ? 'avgpool2d' : s.op})` : s.op
    if (s.op === 'avgpool' || s.op === 'globalavgpool') {
      return new UserError('bad_arch', `${where}: KIP differentiates convolutional kernels that read out by flatten only (pooling needs the full position-pair covariance, not differentiated here yet)`, 'Use conv2d layers and flatten (CNN-GP / CNTK with flatten readout) for KIP.')
    }
    if (s.op === 'activation' && !KIP_ACTIVATION_NAMES.includes(s.activation.name)) {
      return new UserError('bad_arch', `${where}: activation ${s.activation.name} has no gradient-safe dual map for KIP`, `Use one of: ${activationUsage(KIP_ACTIVATION_NAMES)}.`)
    }
  }
  return null
}
