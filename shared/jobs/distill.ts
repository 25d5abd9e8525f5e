import { z } from 'zod'
import { KernelArch } from '../arch'
import { ModelArch } from '../models'
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
  /** an FC network, or {net: ARCH.json, wStd, bStd} read with infinite-width semantics */
  arch: KernelArch,
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

/** Where the teacher's logits come from. */
export const DistillTeacher = z.discriminatedUnion('type', [
  /** a project model (its logits on each batch) */
  z.object({ type: z.literal('model'), modelId: z.string().min(1) }),
  /**
   * an NTK/NNGP kernel machine on the same training rows: kernel ridge regression on one-hot targets, its
   * outputs f on the training rows serve as teacher logits z_t = f / temperature (f lies around [0, 1]; the
   * default 0.1 gives logit gaps near 10, like a trained network's)
   */
  z.object({
    type: z.literal('kernel'),
    /** an FC network, or {net: ARCH.json, wStd, bStd} read with infinite-width semantics (a conv kernel) */
    arch: KernelArch,
    kernel: z.enum(['ntk', 'nngp']).default('ntk'),
    diagReg: z.number().min(0).max(10).default(1e-3),
    temperature: z.number().positive().max(100).default(0.1),
  }),
])
export type DistillTeacher = z.infer<typeof DistillTeacher>

export const DISTILL_LOSSES = ['ce', 'kd', 'nkd', 'dkd', 'topkld', 'uskd'] as const
export const DistillLoss = z.enum(DISTILL_LOSSES)
export type DistillLoss = z.infer<typeof DistillLoss>

/** Loss parameters; absent fields take the loss's repository defaults (docs/distillation.md). */
export const DistillLossParams = z.object({
  temperature: z.number().positive().max(100).optional(),
  alpha: z.number().min(0).max(100).optional(),
  beta: z.number().min(0).max(100).optional(),
  gamma: z.number().min(0).max(100).optional(),
  k: z.number().int().min(1).max(100_000).optional(),
  lambda: z.number().min(0).max(100).optional(),
  /** USKD weight of the weak head's loss */
  mu: z.number().min(0).max(100).optional(),
})
export type DistillLossParams = z.infer<typeof DistillLossParams>

/** how one student is trained (a distill job's, a study's, and each (loss, seed) a study sends to a worker) */
const StudentTraining = {
  /** the student network (ARCH.json: MLP or small CNN), trained from seeded initial weights */
  student: ModelArch,
  /** weight of cross-entropy on the hard labels, added to the distillation loss */
  ceWeight: z.number().min(0).max(100).default(1),
  params: DistillLossParams.default({}),
  /** DKD warm-up: the DKD term is scaled by min(epoch/warmup, 1) (mdistiller: 20) */
  warmupEpochs: z.number().int().min(0).max(10_000).default(20),
  /** temperature of the reported KL(teacher ‖ student) on held-out data (the same for every loss) */
  klTemperature: z.number().positive().max(100).default(4),
  epochs: z.number().int().min(1).max(10_000).default(20),
  batchSize: z.number().int().min(1).max(65_536).default(128),
  optimizer: z.enum(['sgd', 'momentum', 'adam']).default('adam'),
  learningRate: z.number().positive().max(10).default(1e-3),
}

const DistillTraining = {
  data: LabData,
  teacher: DistillTeacher,
  ...StudentTraining,
  /** shape of one input row, e.g. [28, 28, 1] for a CNN on flattened images (absent: the rows as vectors) */
  inputShape: z.array(z.number().int().min(1)).min(1).max(3).optional(),
}

/** Knowledge distillation: one student trained with ceWeight·CE + one loss from a teacher; saved as a model. */
export const DistillSpec = z.object({
  kind: z.literal('distill'),
  ...Common,
  ...DistillTraining,
  loss: DistillLoss.default('kd'),
  saveModel: z.boolean().default(true),
  modelName: z.string().min(1).max(200).optional(),
})
export type DistillSpec = z.infer<typeof DistillSpec>

/** A distillation study: one teacher/student pair, several losses × several seeds; mean ± sd per loss. */
export const DistillStudySpec = z.object({
  kind: z.literal('distill-study'),
  ...Common,
  ...DistillTraining,
  losses: z.array(DistillLoss).min(1).max(6).default(['ce', 'kd', 'nkd', 'dkd', 'topkld', 'uskd']),
  /** seeds seed, seed + 1, ... */
  seeds: z.number().int().min(1).max(20).default(3),
})
export type DistillStudySpec = z.infer<typeof DistillStudySpec>

/**
 * One student of a distillation study as an `ntkw worker` receives it (issue 20): one loss, one seed, the
 * study's training settings. Its data and teacher logits travel beside it, once per study, by content hash.
 */
export const DistillStudentSpec = z
  .object({
    ...StudentTraining,
    loss: DistillLoss,
    seed: Common.seed,
  })
  .strict()
export type DistillStudentSpec = z.infer<typeof DistillStudentSpec>
