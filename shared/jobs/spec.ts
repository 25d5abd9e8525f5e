import { z } from 'zod'
import { FcArch, KernelArch } from '../arch'
import { DataRef } from './data-ref'
import { Common, EmpiricalKernelSpec, KernelKind, KernelSpec } from './kernel-specs'
import { EarlyStopping, LrSchedule, ModelArch } from '../models'
import { LabKernelSpec, LabSpectrumSpec, TrainVsTheorySpec, WidthSweepSpec } from './lab'
import { DistillSpec, DistillStudySpec, SelfDistillSpec } from './distill'
import { QuantizeSpec } from './quantize'
export { EmpiricalKernelSpec, KernelSpec } from './kernel-specs'
export { QuantizeSpec, type QuantizeCell, type QuantizeJobResult } from './quantize'
import { ApproxOptions, FeaturesSpec, LabEfficiencySpec } from './efficient'

export { LabData, LabKernelSpec, LabSpectrumSpec, TrainVsTheorySpec, WidthSweepSpec } from './lab'
export { DistillLoss, DistillSpec, DistillStudySpec, DistillTeacher, DISTILL_LOSSES, SelfDistillSpec } from './distill'
export { ApproxOptions, FeatureMethod, FeaturesSpec, LabEfficiencySpec } from './efficient'
import { ImportOptions, Recipe } from '../dataset'

// Every computation is a job. A JobSpec is plain JSON: saved in the project as an experiment, sent to the
// engine, and accepted by `ntkw run SPEC.json`. Each kind validates its own fields.

export const BackendBenchmarkSpec = z.object({
  kind: z.literal('backend-benchmark'),
  ...Common,
  /** square matmul sizes n (n×n·n×n) */
  matmulSizes: z.array(z.number().int().min(16).max(4096)).min(1).max(8).default([256, 512, 1024]),
  /** elementwise sizes (number of float32 elements) */
  elementwiseSizes: z.array(z.number().int().min(1024).max(1 << 26)).min(1).max(8).default([1 << 20, 1 << 22]),
  /** timed repetitions per size (after one warm-up) */
  repeats: z.number().int().min(1).max(100).default(3),
})

export const DatasetImportSpec = z.object({
  kind: z.literal('dataset-import'),
  ...Common,
  /** a file, an image folder, or 'example:mnist' / 'example:iris' / 'example:moons' / 'example:spirals' */
  path: z.string().min(1),
  format: z.enum(['auto', 'csv', 'tsv', 'npy', 'npz', 'idx', 'images', 'json', 'jsonl']).default('auto'),
  options: ImportOptions.default(ImportOptions.parse({})),
  /** transform recipe stored with the dataset (split, scaling, ...) */
  recipe: Recipe.optional(),
  /** project file to store the dataset in; absent: the dataset is written as x.npy / y.npy / schema.json artifacts */
  project: z.string().min(1).optional(),
})

export const PredictSpec = z.object({
  kind: z.literal('predict'),
  ...Common,
  xTrain: DataRef,
  yTrain: DataRef,
  xTest: DataRef,
  yTest: DataRef.optional(),
  /** an FC network, or {net: ARCH.json, wStd, bStd} read with infinite-width semantics */
  arch: KernelArch,
  kernel: KernelKind.default('ntk'),
  /** training times (gradient flow, f₀ = 0); absent means t = ∞ (Cholesky solve) */
  times: z.array(z.number().min(0).finite()).min(1).max(1000).optional(),
  learningRate: z.number().positive().finite().default(1),
  /** relative diagonal regularisation: ε = diagReg · trace(K)/N */
  diagReg: z.number().min(0).finite().default(0),
  /** also compute the predictive variance K** − K*ᵀ(K + εI)⁻¹K* (GP inference, t = ∞ only) */
  variance: z.boolean().default(false),
  /** also save the predictions on the training points ('train-predictions') */
  trainPredictions: z.boolean().default(false),
  /** tile edge and worker threads for the kernel computation (0 = one per core) */
  tileSize: z.number().int().min(64).max(8192).default(1024),
  workers: z.number().int().min(0).max(64).default(0),
  /** approximate the kernel by features (issue 12): absent means the exact kernel */
  approx: ApproxOptions.optional(),
})

export const TrainSpec = z.object({
  kind: z.literal('train'),
  ...Common,
  xTrain: DataRef,
  yTrain: DataRef,
  xTest: DataRef.optional(),
  yTest: DataRef.optional(),
  /** a finite MLP in the NTK or standard parameterization, trained by steps (NTK Lab); or give `network` */
  arch: FcArch.extend({ width: z.number().int().min(1).max(1 << 16) }).optional(),
  /** a layers network (ARCH.json: MLP or small CNN) trained by epochs on class labels and saved as a model */
  network: ModelArch.optional(),
  /** instead of `network`: a TF.js model.json modelTopology (trained from fresh seeded weights) */
  topology: z.record(z.string(), z.unknown()).optional(),
  /** absent: gd for `arch`, adam for `network` */
  optimizer: z.enum(['gd', 'sgd', 'momentum', 'adam']).optional(),
  loss: z.enum(['mse', 'cross-entropy']).default('mse'),
  /** absent: 1 for `arch`, 1e-3 for `network` */
  learningRate: z.number().positive().optional(),
  steps: z.number().int().min(1).max(10_000_000).default(1000),
  batchSize: z.number().int().min(1).optional(),
  /** record the empirical NTK every this many steps to measure kernel drift (0 = never) */
  kernelEvery: z.number().int().min(0).default(0),
  /** kernel drift is measured on the first this many training points */
  kernelPoints: z.number().int().min(2).max(4096).default(128),
  /** evaluate metrics every this many steps (absent: about 200 points per run) */
  evalEvery: z.number().int().min(1).optional(),
  /**
   * y holds integer class labels in one column (one-hot encoded for training, accuracy reported).
   * Absent: true for cross-entropy with a one-column y, false otherwise (one-hot y rows still report accuracy).
   */
  labels: z.boolean().optional(),
  // ---- `network` training (epochs; the model is saved in the project or the output folder) ----
  epochs: z.number().int().min(1).max(100_000).default(15),
  /** momentum coefficient of the 'momentum' optimizer */
  momentum: z.number().min(0).max(0.9999).default(0.9),
  schedule: LrSchedule.default({ type: 'constant' }),
  /** decoupled weight decay on Dense/Conv2D kernels */
  weightDecay: z.number().min(0).max(1).default(0),
  /** validation set; else `validationSplit` of the training rows (seeded), else none */
  xVal: DataRef.optional(),
  yVal: DataRef.optional(),
  validationSplit: z.number().min(0).max(0.9).default(0),
  earlyStopping: EarlyStopping.optional(),
  /** keep the weights of the best epoch (validation loss, else training loss) */
  keepBest: z.boolean().default(true),
  /** save the trained network as a model (default: yes for `network`, no for `arch`) */
  saveModel: z.boolean().optional(),
  modelName: z.string().min(1).max(200).optional(),
  /** shape of one input row, e.g. [28, 28] for flattened images (absent: the data's own shape) */
  inputShape: z.array(z.number().int().min(1)).min(1).max(3).optional(),
  classNames: z.array(z.string().max(100)).max(4096).optional(),
})

export const ModelImportSpec = z.object({
  kind: z.literal('model-import'),
  ...Common,
  /** a TF.js Layers model folder (model.json + .bin shards), its model.json, or an ONNX classifier (.onnx) */
  path: z.string().min(1).max(4096),
  modelName: z.string().min(1).max(200).optional(),
})

export const ModelEvaluateSpec = z.object({
  kind: z.literal('model-evaluate'),
  ...Common,
  /** a model of the project */
  modelId: z.string().min(1).max(64),
  x: DataRef,
  /** integer class ids or one-hot rows */
  y: DataRef,
  /** rows per inference batch (also the latency batch) */
  batchSize: z.number().int().min(1).max(65536).default(256),
})

// Kernel Inducing Points (Nguyen, Chen & Lee, ICLR 2021): distil (x, y) into supportPerClass points per class.
export const KipSpec = z.object({
  kind: z.literal('kip'),
  ...Common,
  /** training points [n, d] */
  x: DataRef,
  /** integer class labels 0 … C−1, one column */
  y: DataRef,
  /** held-out points and labels: kernel-regression test accuracy of the support set every evalEvery steps */
  xTest: DataRef.optional(),
  yTest: DataRef.optional(),
  supportPerClass: z.number().int().min(1).max(1000).default(10),
  kernel: KernelKind.default('ntk'),
  /** an FC network, or {net: ARCH.json, wStd, bStd}: a convolutional kernel (flatten readout) from the layer modules */
  arch: KernelArch,
  /** relative diagonal regularisation of K_ss: ε = diagReg · trace(K_ss)/|s| */
  diagReg: z.number().min(0).finite().default(1e-6),
  steps: z.number().int().min(0).max(1_000_000).default(1000),
  learningRate: z.number().positive().finite().default(0.01),
  /** class-balanced target batch size */
  batchSize: z.number().int().min(2).max(100_000).default(1000),
  learnLabels: z.boolean().default(false),
  init: z.enum(['real', 'noise']).default('real'),
  /** test accuracy and a 'support' snapshot (images + labels) every this many steps */
  evalEvery: z.number().int().min(1).default(50),
  /** image shape [h, w] or [h, w, channels] for the support grid; absent: inferred (square, or square × 3) */
  imageShape: z.array(z.number().int().min(1)).min(2).max(3).optional(),
  /**
   * Transfer check: train a finite network of this architecture (the kernel's, at this width; Adam, MSE, readout
   * initialised at zero so f₀ = 0 as in kernel regression) on the distilled
   * set and on as many random real training images, and report both test accuracies (needs xTest, yTest).
   */
  transfer: z
    .object({
      width: z.number().int().min(1).max(1 << 14).default(512),
      steps: z.number().int().min(1).max(1_000_000).default(1000),
      learningRate: z.number().positive().finite().default(0.001),
    })
    .optional(),
  /** name of the project dataset the distilled set is saved as (default: "KIP <k>/class <kernel>") */
  saveAs: z.string().min(1).max(200).optional(),
  /** project file to save the distilled set in (the app fills in the open project); absent: artifacts only */
  project: z.string().min(1).optional(),
})

export const JobSpec = z.discriminatedUnion('kind', [
  BackendBenchmarkSpec,
  DatasetImportSpec,
  KernelSpec,
  EmpiricalKernelSpec,
  PredictSpec,
  TrainSpec,
  ModelImportSpec,
  ModelEvaluateSpec,
  LabKernelSpec,
  WidthSweepSpec,
  TrainVsTheorySpec,
  LabSpectrumSpec,
  DistillSpec,
  DistillStudySpec,
  SelfDistillSpec,
  KipSpec,
  QuantizeSpec,
  FeaturesSpec,
  LabEfficiencySpec,
])
export type JobSpec = z.infer<typeof JobSpec>
/** what a caller may write: defaults not yet applied */
export type JobSpecInput = z.input<typeof JobSpec>
export type JobKind = JobSpec['kind']
export type JobSpecOf<K extends JobKind> = Extract<JobSpec, { kind: K }>

export const JOB_KINDS = JobSpec.options.map((o) => o.shape.kind.value) as JobKind[]

export function jobSchemaOf(kind: JobKind): z.ZodType {
  const found = JobSpec.options.find((o) => o.shape.kind.value === kind)
  if (!found) throw new Error(`unknown job kind '${kind}'`)
  return found
}
