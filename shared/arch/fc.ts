import { z } from 'zod'
import { ActivationSpec } from './activations'
import { DEFAULT_B_STD, DEFAULT_PARAMETERIZATION, DEFAULT_W_STD } from './defaults'

export const Parameterization = z.enum(['ntk', 'standard'])
export type Parameterization = z.infer<typeof Parameterization>

// A fully-connected network: `depth` hidden Dense+activation pairs, then a Dense readout (docs/math.md §1).
export const FcArch = z.object({
  depth: z.number().int().min(0).max(64),
  /** hidden width; 'inf' means the analytic infinite-width limit */
  width: z.union([z.number().int().min(1).max(1 << 16), z.literal('inf')]).default('inf'),
  activation: ActivationSpec,
  wStd: z.number().positive().finite().default(DEFAULT_W_STD),
  /** null or absent: no bias */
  bStd: z.number().min(0).finite().nullable().default(DEFAULT_B_STD),
  parameterization: Parameterization.default(DEFAULT_PARAMETERIZATION),
})
export type FcArch = z.infer<typeof FcArch>
