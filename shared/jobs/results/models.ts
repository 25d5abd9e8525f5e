import type { DatasetSchema, DatasetSummary } from '../../dataset'

// What the data and model job kinds (dataset-import, train, model-import, model-evaluate, kip) return.

/** an import into a project answers with the stored dataset; an import to files with what was written */
export type DatasetImportResult =
  | DatasetSummary
  | { name: string; format: string; hash: string; rows: number; xShape: number[]; task: DatasetSchema['task']; classes: string[]; notes: string[] }

/** `train` with `arch`: a finite MLP trained by steps (NTK Lab) */
export interface TrainMlpResult {
  final: { trainLoss: number; testLoss: number | null; accuracy: number | null }
  steps: number
  outDim: number
  classification: boolean
  parameters: number
  /** the saved model (saveModel) */
  modelId: string | null
  seconds: number
}

/** `train` with `network` or `topology`: a layers model trained by epochs and saved as a model */
export interface TrainModelResult {
  modelId: string | null
  modelPath: string | null
  epochs: number
  bestEpoch: number
  stoppedEarly: boolean
  cancelled: boolean
  params: number
  final: { trainLoss: number | null; trainAccuracy: number | null; valLoss: number | null; valAccuracy: number | null; testAccuracy: number | null; testLoss: number | null }
  samplesPerSecond: number
  seconds: number
}

export type TrainJobResult = TrainMlpResult | TrainModelResult

export interface ModelImportResult {
  modelId: string
  name: string
  params: number
  weightBytes: number
}

export interface ModelEvaluateResult {
  modelId: string
  accuracy: number
  loss: number
  n: number
  ece: number
}

export interface KipJobResult {
  stepsDone: number
  stopped: boolean
  supportSize: number
  classes: number
  initialAccuracy: number | null
  finalAccuracy: number | null
  finalLoss: number | null
  secondsPerStep: number
  /** the distilled set saved as a project dataset (spec.project) */
  dataset: DatasetSummary | null
  /** test accuracy of a finite network trained on the distilled set and on as many random real points */
  transfer: { distilled: number; random: number; width: number; steps: number } | null
}
