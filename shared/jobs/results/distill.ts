import type { ArtifactInfo } from '../events'
import type { KernelName } from './kernel'

// What the distillation job kinds (distill, distill-study, self-distill) return, and the JSON report each
// stores beside its result (artifacts 'distill', 'distill-study', 'self-distill').

export interface HeldOutMetrics {
  studentAccuracy: number
  teacherAccuracy: number
  agreement: number
  /** KL(teacher ‖ student) at the spec's klTemperature */
  kl: number
}

export interface DistillEpoch extends HeldOutMetrics {
  epoch: number
  trainLoss: number
  /** the DKD warm-up factor applied in this epoch (1 for other losses) */
  weight: number
  seconds: number
}

/** the points a run really used: the dataset's split can hold fewer than the spec asked for */
export interface SizesUsed {
  train: number
  test: number
}

export interface DistillJobResult {
  /** absent on runs recorded before it was reported */
  used?: SizesUsed
  modelId: string | null
  loss: string
  final: DistillEpoch
  teacherAccuracy: number
  seconds: number
}

/** the 'distill' report */
export interface DistillReport {
  loss: string
  params: Record<string, number>
  ceWeight: number
  teacher: string
  teacherAccuracy: number
  history: DistillEpoch[]
  final: DistillEpoch
  modelId: string | null
}

export interface StudyRun {
  loss: string
  seed: number
  history: DistillEpoch[]
}

export interface StudyRow {
  loss: string
  params: Record<string, number>
  runs: number
  accuracy: { mean: number; sd: number }
  agreement: { mean: number; sd: number }
  kl: { mean: number; sd: number }
}

export interface DistillStudyResult {
  /** absent on runs recorded before it was reported */
  used?: SizesUsed
  teacherAccuracy: number
  table: StudyRow[]
  seconds: number
}

/** the 'distill-study' report */
export interface DistillStudyReport {
  teacher: string
  teacherAccuracy: number
  klTemperature: number
  ceWeight: number
  epochs: number
  seeds: number
  table: StudyRow[]
  runs: StudyRun[]
}

export interface SelfDistillCurve {
  /** constant α, or null for the optimal schedule */
  alpha: number | null
  /** the α applied at each step (step 1: ridge regression, reported as 1) */
  alphaPerStep: number[]
  /** unclipped closed-form α* per step (optimal schedule only) */
  alphaRaw?: number[]
  trainMse: number[]
  testMse: number[] | null
  trainAccuracy: number[] | null
  testAccuracy: number[] | null
  /** test MSE / accuracy of ridge regression with λ/α, the τ → ∞ limit (constant α > 0 only) */
  limitTestMse?: number | null
  limitTestAccuracy?: number | null
}

/** the 'self-distill' report */
export interface SelfDistillReport {
  n: number
  m: number
  k: number
  validation: number
  lambda: number
  diagReg: number
  kernel: KernelName
  steps: number
  curves: SelfDistillCurve[]
  shrinkage: { eigenvalues: number[]; lambda: number; taus: (number | 'inf')[]; byAlpha: { alpha: number; curves: number[][] }[] }
  spectrum: { min: number; max: number; clippedNegative: number }
}

export interface SelfDistillResult {
  n: number
  m: number
  k: number
  validation: number
  lambda: number
  steps: number
  /** final test MSE per curve ('optimal' or the α), null without test targets */
  finalTestMse: Record<string, number | null>
  seconds: number
  artifacts: ArtifactInfo[]
}
