import type { JobSpec } from '../../../shared/jobs/spec'
import { isNetKernelArch } from '../../../shared/arch/kernel-arch'

/**
 * Jobs that compute on plain arrays and the engine's GEMM alone, never on tfjs tensors: the empirical NTK of
 * a ReLU MLP (ntk/empirical-arrays.ts; another activation's φ runs through its tfjs ops, an ARCH.json network
 * on tensors). Their runner modules import no tfjs, so, with the backend known without it
 * (runtime/backend-plan.ts), such a job never loads tfjs. Whether the GEMM is MLAS is backendWithoutTfjs's
 * to check (tfjs's matMul is the other provider).
 */
export function computesWithoutTfjs(spec: JobSpec): boolean {
  return spec.kind === 'empirical-kernel' && !isNetKernelArch(spec.arch) && spec.arch.activation.name === 'relu'
}
