import type { KernelName } from './kernel'

// What the NTK Lab's job kinds return (`result`) and the JSON report each stores beside it (an artifact read
// by the lab's charts). The report holds the curves; the result the few numbers a list or a comparison shows.

export interface LabKernelSide {
  testAccuracy: number | null
  testMse: number
  trainMse: number
  shift: number
  relResidual: number
  lambdaMax: number
  lambdaMin: number
  /** effective rank (Σλ)²/Σλ² */
  effectiveRank: number
}

export interface LabKernelResult {
  n: number
  m: number
  k: number
  /** number of classes of the training labels, null for regression targets */
  classes: number | null
  ntk: LabKernelSide
  nngp: LabKernelSide
}

/** result and 'width_sweep' report of a width sweep */
export interface WidthSweepResult {
  points: number
  widths: number[]
  /** relative error per width, one entry per seed */
  errors: number[][]
  mean: number[]
  std: number[]
  /** least-squares line through (log w, log err); NaN when it cannot be fitted */
  fit: { slope: number; intercept: number; r2: number }
  idealSlope: number
}

export interface TrainVsTheoryWidth {
  width: number
  finalTrainLoss: number
  finalTestLoss: number
  theoryFinalTrainLoss: number
  theoryFinalTestLoss: number
  /** max |finite − theory| train loss over the run, relative to the starting loss */
  maxRelativeGap: number
  finalKernelDrift: number | null
}

/** result and 'train_vs_theory' report of a training-vs-theory experiment */
export interface TrainVsTheoryResult {
  n: number
  m: number
  k: number
  learningRate: number
  steps: number
  evalSteps: number[]
  widths: TrainVsTheoryWidth[]
  infinite: { finalTrainLoss: number; finalTestLoss: number }
}

export interface LabSpectrumResult {
  n: number
  m: number
  k: number
  kernel: KernelName
  learningRate: number
  tStar: number
  minTestLoss: number
  finalTestLoss: number
  lambdaMax: number
  lambdaMin: number
}

export interface SpectrumMode {
  rank: number
  lambda: number
  energyFraction: number
  residual: number[]
}

/** the 'spectrum' report: the eigen-decomposition, label energy per mode and the loss curves over time */
export interface SpectrumReport extends Omit<LabSpectrumResult, 'lambdaMax' | 'lambdaMin'> {
  eigenvalues: number[]
  labelEnergy: number[]
  times: number[]
  modes: SpectrumMode[]
  trainLoss: number[]
  testLoss: number[]
  testAccuracy: number[] | null
}

export interface EfficiencyCurve {
  method: 'rf' | 'nystrom'
  /** requested m, the feature dimension m′, ‖Θ̃ − Θ‖_F/‖Θ‖_F, test accuracy (null: regression targets), seconds */
  m: number[]
  dim: number[]
  error: number[]
  accuracy: (number | null)[]
  seconds: number[]
  /** relative ridge of each regression (auto: chosen by GCV); absent on runs recorded before it was */
  ridge?: number[]
}

export interface LowRankPoint {
  rank: number
  params: number
  distance: number
  accuracy: number | null
  seconds: number
}

export interface LowRankStudy {
  width: number
  points: LowRankPoint[]
  /** the full-width network of the same architecture (rank = 'full') */
  full: Omit<LowRankPoint, 'rank'>
  /** ‖Θ_std − Θ_lim‖_F/‖Θ_lim‖_F: how far apart the two infinite limits are */
  limitGap: number
}

/** the 'efficiency' report of an efficiency study */
export interface EfficiencyReport {
  n: number
  nTest: number
  kernel: KernelName
  diagReg: number
  curves: EfficiencyCurve[]
  exact: { accuracy: number | null; seconds: number }
  timing: {
    n: number[]
    exactSeconds: number[]
    approxSeconds: number[]
    /** float32 bytes of the largest arrays each path holds: exact n² kernel + n² factor; approx m′² + block·m′ + n·m′ */
    exactBytes: number[]
    approxBytes: number[]
    method: 'rf' | 'nystrom'
    features: number
    /** first n (interpolated on log n) where the approximate path is faster; null if none in range */
    crossover: number | null
  }
  /** absent when the spec asked for no low-rank study */
  lowRank?: LowRankStudy
}

export interface LabEfficiencyResult {
  n: number
  nTest: number
  exactAccuracy: number | null
  crossover: number | null
  curves: Pick<EfficiencyCurve, 'method' | 'm' | 'error' | 'accuracy'>[]
  lowRank?: { width: number; ranks: number[]; distance: number[]; accuracy: (number | null)[]; full: LowRankStudy['full'] }
}
