import { availableParallelism } from 'node:os'
import { estimateKernelCost, formatKernelCost, type KernelPlan } from '../../shared/arch'
import { npyShape } from './arch-file'

/** `ntkw kernel --arch … --dry-run`: the plan step by step and the up-front estimate, nothing computed. */
export function dryRunReport(plan: KernelPlan, x: string, x2: string | undefined, workers: number, kind: 'ntk' | 'nngp'): string {
  const n1 = npyShape(x)[0]!
  const n2 = x2 ? npyShape(x2)[0]! : null
  const threads = workers === 0 ? Math.max(1, availableParallelism()) : workers
  const cost = estimateKernelCost(plan, n1, n2, { threads, kernels: kind === 'ntk' ? 2 : 1 })
  const lines = plan.steps.map((s, i) => {
    const what = s.op === 'conv' ? `conv ${s.size.join('×')} ${s.padding} σ_w ${s.wStd} σ_b ${s.bStd ?? 'none'}` : s.op === 'dense' ? `dense σ_w ${s.wStd} σ_b ${s.bStd ?? 'none'}` : s.op === 'activation' ? `activation ${s.activation.name}` : s.op === 'avgpool' ? `avgpool ${s.pool.join('×')}` : s.op
    const from = s.layer >= 0 ? `layer ${s.layer + 1}` : 'added'
    return `  ${String(i + 1).padStart(2)}. ${what.padEnd(36)} [${s.inShape.join(', ')}] → [${s.outShape.join(', ')}]  (${from})`
  })
  const spatial = plan.needsFullCovariance ? 'full P×P covariance up to the last pooling layer, then the diagonal' : 'spatial diagonal only (no pooling)'
  return [
    `input [${plan.input.join(', ')}], ${n2 === null ? `${n1} points with themselves` : `${n1} × ${n2} points`}, ${kind.toUpperCase()}`,
    ...lines,
    `tracks: ${spatial}`,
    `estimate: ${formatKernelCost(cost)}`,
    '',
  ].join('\n')
}
