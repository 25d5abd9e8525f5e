import { z } from 'zod'
import { KernelArch } from '../arch'

// NTK Lab experiments: each is a JobSpec over a project dataset's recorded split (train / test parts,
// first N rows of each part in the dataset's seeded order).

export const LabData = z.object({
  datasetId: z.string().min(1),
  /** rows taken from the dataset's train part */
  train: z.number().int().min(2).max(20_000).default(256),
  /** rows taken from the dataset's test part */
  test: z.number().int().min(1).max(20_000).default(256),
})
export type LabData = z.infer<typeof LabData>

const Common = {
  name: z.string().max(200).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
}

/**
 * Kernel: NTK and NNGP side by side — heatmaps sorted by class, spectra, kernel regression on the test split.
 * The architecture is FC or an ARCH.json network (conv, pooling) read with infinite-width semantics.
 */
export const LabKernelSpec = z.object({
  kind: z.literal('lab-kernel'),
  ...Common,
  data: LabData,
  arch: KernelArch,
  diagReg: z.number().min(0).max(10).default(1e-4),
  /** edge of the block-averaged heatmap sent to the UI */
  heatmapSize: z.number().int().min(8).max(256).default(128),
})

/**
 * Width sweep: relative error of the empirical NTK against the analytic one, vs width (docs/math.md §2). With
 * an ARCH.json network the widths are channel counts: every conv2d's filters and dense layer's units.
 */
export const WidthSweepSpec = z.object({
  kind: z.literal('width-sweep'),
  ...Common,
  data: LabData,
  arch: KernelArch,
  widths: z.array(z.number().int().min(1).max(1 << 14)).min(2).max(16).default([64, 128, 256, 512, 1024]),
  seedsPerWidth: z.number().int().min(1).max(50).default(3),
})

/** Training vs theory: finite networks trained by GD against the closed-form NTK dynamics, plus kernel drift. */
export const TrainVsTheorySpec = z.object({
  kind: z.literal('train-vs-theory'),
  ...Common,
  data: LabData,
  /** FC (widths = hidden units), or an ARCH.json network (widths = every conv2d's filters and dense's units) */
  arch: KernelArch,
  widths: z.array(z.number().int().min(1).max(1 << 14)).min(1).max(8).default([128, 512, 2048]),
  steps: z.number().int().min(1).max(100_000).default(500),
  /** absent: NK/λ_max, half the stability limit of gradient descent on this kernel */
  learningRate: z.number().positive().max(1e6).optional(),
  /** evaluation points per curve (log-spaced steps) */
  evalPoints: z.number().int().min(4).max(500).default(60),
  /** kernel drift measured on this many training points (0 = no drift curve) */
  driftPoints: z.number().int().min(0).max(1024).default(64),
  diagReg: z.number().min(0).max(10).default(0),
})

/** Spectrum and early stopping: label energy per eigendirection, per-mode residual decay, best stopping time. */
export const LabSpectrumSpec = z.object({
  kind: z.literal('lab-spectrum'),
  ...Common,
  data: LabData,
  arch: KernelArch,
  kernel: z.enum(['ntk', 'nngp']).default('ntk'),
  /** absent: NK/λ_max (times are then in units of the fastest mode's time scale) */
  learningRate: z.number().positive().max(1e6).optional(),
  /** log-spaced times from tMin to tMax (in gradient-descent steps) */
  tMin: z.number().positive().default(0.1),
  tMax: z.number().positive().default(1e5),
  timePoints: z.number().int().min(8).max(400).default(80),
  /** modes shown in the residual-decay chart */
  modes: z.number().int().min(1).max(16).default(6),
})
