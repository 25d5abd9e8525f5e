import type { z } from 'zod'
import type { JobSpec } from '../../../shared/jobs/spec'

/**
 * JobSpec.safeParse, building only the schemas the spec's kind needs: a kernel or empirical-kernel spec is
 * checked by its own schema (shared/jobs/kernel-specs.ts), anything else by the whole contract. The result is
 * the same: zod's discriminated union runs exactly the option whose `kind` an object names (same data, same
 * issues); any other input goes to the union itself. Building every kind's schema (training, distillation,
 * datasets, ...) costs a kernel command ≈ 50–100 ms of start-up here (docs/performance.md).
 */
export async function parseJobSpec(input: unknown): Promise<z.ZodSafeParseResult<JobSpec>> {
  // zod's own test for "an object": its union looks the discriminator up only in such a value
  const kind = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as { kind?: unknown }).kind : undefined
  if (kind === 'kernel' || kind === 'empirical-kernel') {
    const { EmpiricalKernelSpec, KernelSpec } = await import('../../../shared/jobs/kernel-specs')
    return (kind === 'kernel' ? KernelSpec : EmpiricalKernelSpec).safeParse(input) as z.ZodSafeParseResult<JobSpec>
  }
  const { JobSpec } = await import('../../../shared/jobs/spec')
  return JobSpec.safeParse(input)
}
