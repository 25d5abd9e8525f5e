import type { JobKind } from '../spec'
import type { QuantizeJobResult } from '../quantize'
import type { BackendBenchmarkResult, EmpiricalKernelResult, FeaturesJobResult, KernelJobResult, PredictJobResult } from './kernel'
import type { EfficiencyReport, LabEfficiencyResult, LabKernelResult, LabSpectrumResult, SpectrumReport, TrainVsTheoryResult, WidthSweepResult } from './lab'
import type { DatasetImportResult, KipJobResult, ModelEvaluateResult, ModelImportResult, TrainJobResult } from './models'
import type { DistillJobResult, DistillReport, DistillStudyReport, DistillStudyResult, SelfDistillReport, SelfDistillResult } from './distill'

export * from './kernel'
export * from './lab'
export * from './models'
export * from './distill'

// The one definition of what each job kind returns. The engine's runners are typed against it
// (`JobRunner<K>` returns `JobResultOf<K>`), the CLI and the renderer read runs through it, so a field renamed
// on one side does not compile on the other (indexing it by JobKind fails to compile while a kind lacks an
// entry). Results are plain JSON stored with the run.
export interface JobResultMap {
  'backend-benchmark': BackendBenchmarkResult
  'dataset-import': DatasetImportResult
  kernel: KernelJobResult
  'empirical-kernel': EmpiricalKernelResult
  predict: PredictJobResult
  train: TrainJobResult
  'model-import': ModelImportResult
  'model-evaluate': ModelEvaluateResult
  'lab-kernel': LabKernelResult
  'width-sweep': WidthSweepResult
  'train-vs-theory': TrainVsTheoryResult
  'lab-spectrum': LabSpectrumResult
  distill: DistillJobResult
  'distill-study': DistillStudyResult
  'self-distill': SelfDistillResult
  kip: KipJobResult
  quantize: QuantizeJobResult
  features: FeaturesJobResult
  'lab-efficiency': LabEfficiencyResult
}
export type JobResultOf<K extends JobKind> = JobResultMap[K]

// The JSON reports a kind stores as artifacts beside its result (artifact name → content): the curves its
// charts draw. Kinds absent here store none that a page reads.
export interface JobReportMap {
  'width-sweep': { width_sweep: WidthSweepResult }
  'train-vs-theory': { train_vs_theory: TrainVsTheoryResult }
  'lab-spectrum': { spectrum: SpectrumReport }
  'lab-efficiency': { efficiency: EfficiencyReport }
  distill: { distill: DistillReport }
  'distill-study': { 'distill-study': DistillStudyReport }
  'self-distill': { 'self-distill': SelfDistillReport }
  quantize: { quantize: QuantizeJobResult }
}
export type ReportKind = keyof JobReportMap
export type ReportsOf<K extends ReportKind> = JobReportMap[K]

/** A run as stored: its kind and its result (RunDetail, or a `done` event with the run's kind). */
interface StoredRun {
  summary: { kind: string }
  result: unknown
}

/**
 * The result of a run read as its kind's contract type; null while the run has none (not finished, failed) or
 * when the run is of another kind. Runs of older versions may lack fields added since: optional fields are
 * marked so in the contract.
 */
export function resultOf<K extends JobKind>(run: StoredRun | null | undefined, kind: K): JobResultOf<K> | null {
  if (!run || run.summary.kind !== kind || run.result === null || typeof run.result !== 'object') return null
  return run.result as JobResultOf<K>
}

/** One JSON report of a run (artifacts read by name, as `artifacts.json` returns them), typed by kind. */
export function reportOf<K extends ReportKind, N extends keyof JobReportMap[K] & string>(
  reports: Record<string, unknown>,
  _kind: K,
  name: N,
): JobReportMap[K][N] | null {
  const v = reports[name]
  return v && typeof v === 'object' ? (v as JobReportMap[K][N]) : null
}
