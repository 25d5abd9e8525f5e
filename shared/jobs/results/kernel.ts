import type { ArtifactInfo } from '../events'

// What the kernel-side job kinds (backend-benchmark, kernel, empirical-kernel, predict, features) return when
// they succeed: the `result` of their run, as the engine fills it and every front end reads it.

export type KernelName = 'ntk' | 'nngp'

export interface BackendBenchmarkResult {
  backend: string
  matmul: { n: number; ms: number; gflops: number }[]
  elementwise: { op: string; size: number; ms: number; gelemPerS: number }[]
}

export interface KernelStats {
  min: number
  max: number
  mean: number
  /** statistics of K(x_i, x_i); only for a kernel of x with itself */
  diag: { min: number; max: number; mean: number } | null
}

export interface KernelJobResult {
  rows: number
  cols: number
  kernels: Partial<Record<KernelName, KernelStats>>
  seconds: number
  workers: number
  tileSize: number
  /** seconds per phase: reading the inputs, the tiled run (compute summed over threads, storing on the
   *  coordinating thread, waiting for the first tile), the views (heatmap, spectrum) */
  phases: { loadS: number; tilesWallS: number; computeS: number; storeS: number; firstTileS: number; viewsS: number }
  artifacts: ArtifactInfo[]
}

export interface EmpiricalKernelResult {
  /** [n, n2] for 'trace', [K, n, n2] for 'per-output' */
  shape: number[]
  samples: number
  /** hidden width of an FC network; null for an ARCH.json network (see channels) */
  width: number | null
  /** ARCH.json networks: filters/units of each conv and dense layer, readout last */
  channels?: number[]
  parameters: number
  seconds: number
  artifact: ArtifactInfo
}

export interface PredictMetrics {
  /** training time, or null for t = ∞ */
  t: number | null
  trainMse: number
  testMse?: number
  testAccuracy?: number
}

export interface PredictJobResult {
  nTrain: number
  nTest: number
  outputs: number
  kernel: KernelName
  times: number[] | null
  diagReg: number
  solve?: { shift: number; relResidual: number; initialRelResidual: number; iterations: number; varianceClipped: number }
  eigen?: { min: number; max: number; clippedNegative: number }
  metrics: PredictMetrics[]
  /** approximate kernel (spec.approx): the map and where the time went */
  approx?: { method: 'rf' | 'nystrom'; requested: number; features: number; seed: number; solver: 'primal' | 'dual'; featureSeconds: number; solveSeconds: number }
  /** approx.method auto: which path ran and why (estimated seconds and bytes of both) */
  auto?: { use: 'exact' | 'rf'; reason: string; exactSeconds: number; rfSeconds: number; exactBytes: number; rfBytes: number }
  seconds: number
  artifacts: ArtifactInfo[]
}

export interface FeaturesJobResult {
  n: number
  inDim: number
  /** the requested m and the feature dimension m′ written */
  requested: number
  dim: number
  method: 'rf' | 'nystrom'
  kernel: KernelName
  seed: number
  seconds: number
  artifacts: ArtifactInfo[]
}
