import { z } from 'zod'
import { FcArch } from '../arch'
import { DataRef } from './data-ref'
import { LabData } from './lab'

// Distillation job specs (the Distill page and `ntkw self-distill`).

const Common = {
  name: z.string().max(200).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
}

/**
 * Kernel self-distillation (Borup & Andersen 2021): step τ fits α·y + (1 − α)·ŷ^(τ−1) by kernel ridge regression
 * with the NTK/NNGP of `arch`. Data: a project dataset's split (`data`), or arrays (`xTrain`, `yTrain`, `xTest`,
 * optional `yTest`), as the CLI passes them.
 */
export const SelfDistillSpec = z.object({
  kind: z.literal('self-distill'),
  ...Common,
  data: LabData.optional(),
  xTrain: DataRef.optional(),
  yTrain: DataRef.optional(),
  xTest: DataRef.optional(),
  yTest: DataRef.optional(),
  arch: FcArch,
  kernel: z.enum(['ntk', 'nngp']).default('ntk'),
  /** relative ridge: λ = diagReg · trace(K)/n (as `predict`) */
  diagReg: z.number().positive().max(10).default(1e-2),
  /** constant weights of the ground-truth targets, one curve each */
  alphas: z.array(z.number().min(0).max(1)).min(1).max(8).default([0.2, 0.5, 0.8]),
  /** distillation steps 1..steps (step 1 = kernel ridge regression) */
  steps: z.number().int().min(1).max(200).default(10),
  /** also the per-step optimal α, chosen in closed form on held-out rows of the train part */
  optimal: z.boolean().default(true),
  /** share of the train part held out to choose the optimal α (every curve then fits the remaining rows) */
  validationFraction: z.number().min(0.05).max(0.5).default(0.2),
  /**
   * share of training labels replaced by a uniformly random class (seeded; one-hot targets only): the noisy-label
   * setting where self-distillation's extra regularisation pays off. Test labels stay clean.
   */
  labelNoise: z.number().min(0).max(0.9).default(0),
  /** save the test predictions (steps, m, k) of the first α as the 'predictions' artifact */
  savePredictions: z.boolean().default(false),
  /** save the curves and shrinkage data as the 'self-distill' JSON artifact (the app's charts read it) */
  saveSummary: z.boolean().default(true),
})
export type SelfDistillSpec = z.infer<typeof SelfDistillSpec>
