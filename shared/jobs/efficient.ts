import { z } from 'zod'
import { FcArch } from '../arch'
import { DataRef } from './data-ref'
import { LabData } from './lab'

// Efficient NTK (issue 12): feature maps Φ with ΦΦᵀ ≈ K, and kernel regression in feature space.

export const FeatureMethod = z.enum(['rf', 'nystrom'])
export type FeatureMethod = z.infer<typeof FeatureMethod>

/**
 * How `predict` approximates the kernel: random features (rf) or Nyström landmarks, m of them; auto: the
 * exact kernel where it is estimated cheaper (time, and memory first), else random features with m.
 */
export const ApproxOptions = z.object({
  method: z.enum(['rf', 'nystrom', 'auto']),
  /** requested feature dimension m (rf) or number of landmarks (nystrom) */
  features: z.number().int().min(4).max(1 << 16),
  /** seed of the map (rf draws, landmark choice); absent: the job's seed */
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  /** primal m×m (streamed over row blocks), dual n×n, or the cheaper one */
  solver: z.enum(['auto', 'primal', 'dual']).default('auto'),
})
export type ApproxOptions = z.infer<typeof ApproxOptions>

export const FeaturesSpec = z.object({
  kind: z.literal('features'),
  name: z.string().max(200).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  x: DataRef,
  arch: FcArch,
  kernel: z.enum(['ntk', 'nngp']).default('ntk'),
  method: FeatureMethod,
  features: z.number().int().min(4).max(1 << 16),
  /** worker threads for Nyström's analytic kernels (0 = one per core) */
  workers: z.number().int().min(0).max(64).default(0),
})

/**
 * Efficiency experiment (NTK Lab): approximation error ‖Θ̃ − Θ‖_F/‖Θ‖_F and kernel-regression accuracy
 * against the feature dimension m per method, next to the exact kernel; wall time of exact against
 * approximate regression over training-set sizes, with the crossover.
 */
export const LabEfficiencySpec = z.object({
  kind: z.literal('lab-efficiency'),
  name: z.string().max(200).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  data: LabData,
  arch: FcArch,
  kernel: z.enum(['ntk', 'nngp']).default('ntk'),
  methods: z.array(FeatureMethod).min(1).max(2).default(['rf', 'nystrom']),
  /** feature dimensions m (rf) / landmark counts (nystrom; those above n are skipped) */
  features: z.array(z.number().int().min(4).max(1 << 15)).min(1).max(12).default([64, 128, 256, 512, 1024]),
  diagReg: z.number().min(0).max(10).default(1e-4),
  /**
   * ridge of the feature regressions: 'auto' picks it per m by generalised cross-validation on the training
   * rows (it grows where m ≈ n, removing the interpolation peak); 'same' uses diagReg, as the exact kernel
   */
  featureRidge: z.enum(['auto', 'same']).default('auto'),
  /** training-set sizes (first rows of the train part) timed exact vs approximate; empty: no timing chart */
  timingSizes: z.array(z.number().int().min(8).max(20_000)).max(8).default([64, 128, 256, 512]),
  /** method and m of the approximate side of the timing chart */
  timingMethod: FeatureMethod.default('rf'),
  timingFeatures: z.number().int().min(4).max(1 << 15).default(256),
  /**
   * low-rank layers (Ailon & Shit): networks of this width whose hidden weights are rank-r products, per r:
   * empirical NTK against its analytic limit, kernel-regression accuracy, parameters and time, beside the
   * full-width network. Absent: not run.
   */
  lowRank: z
    .object({
      width: z.number().int().min(8).max(4096).default(512),
      ranks: z.array(z.number().int().min(1).max(4096)).min(1).max(10).default([2, 8, 32, 128]),
    })
    .optional(),
})
