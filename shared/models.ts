import { z } from 'zod'
import { NetArch, NetLayer, type NetArchInput } from './arch/layers'

// Models: networks the workbench trained or imported, kept in the project in the TF.js Layers format
// (model.json + binary weight shards) plus the workbench's metadata.

const Int = z.number().int()
const Pos = Int.min(1)

// ARCH.json is defined once with the architecture vocabulary (shared/arch/layers.ts); these are its names
// on the models side.
/** One layer of an ARCH.json network (`ntkw train --arch`); Keras/TF.js layer semantics, channels last. */
export const ModelLayerSpec = NetLayer
export type ModelLayerSpec = NetLayer
/** ARCH.json: a sequential network; a Dense readout with one unit per class is appended unless readout is false. */
export const ModelArch = NetArch
export type ModelArch = NetArch
export type ModelArchInput = NetArchInput

export const LrSchedule = z.discriminatedUnion('type', [
  z.object({ type: z.literal('constant') }).strict(),
  /** lr · gamma^floor(epoch / every) */
  z.object({ type: z.literal('step'), every: Pos, gamma: z.number().positive().max(1).default(0.1) }).strict(),
  /** minLr + (lr − minLr)(1 + cos(π·epoch/epochs))/2 (Loshchilov & Hutter, SGDR, 2017) */
  z.object({ type: z.literal('cosine'), minLr: z.number().min(0).default(0) }).strict(),
])
export type LrSchedule = z.infer<typeof LrSchedule>

export const EarlyStopping = z
  .object({
    monitor: z.enum(['val_loss', 'val_accuracy']).default('val_loss'),
    /** epochs without improvement before stopping */
    patience: Pos.max(10_000).default(5),
    minDelta: z.number().min(0).default(0),
  })
  .strict()
export type EarlyStopping = z.infer<typeof EarlyStopping>

export const ModelSource = z.object({
  kind: z.enum(['train', 'import', 'distill', 'quantize', 'other']),
  runId: z.string().optional(),
  /** the imported file or folder */
  path: z.string().optional(),
  /** the model this one was derived from (quantized, distilled student, ...) */
  parentModelId: z.string().optional(),
})
export type ModelSource = z.infer<typeof ModelSource>

export const EpochRecord = z.object({
  epoch: Int,
  lr: z.number(),
  trainLoss: z.number(),
  trainAccuracy: z.number().nullable(),
  valLoss: z.number().nullable(),
  valAccuracy: z.number().nullable(),
  seconds: z.number(),
})
export type EpochRecord = z.infer<typeof EpochRecord>

/** What the workbench stores beside the TF.js files (and in model.json's userDefinedMetadata.ntkw). */
export const ModelMeta = z.object({
  name: z.string().max(200),
  source: ModelSource,
  /** input shape without the batch dimension */
  inputShape: z.array(Int),
  numClasses: Int.nullable(),
  classNames: z.array(z.string()).optional(),
  /**
   * the training data: `hash` as its run recorded it (of the data the reference selected: dataset, recipe, split);
   * for a project dataset also its name and `contentHash`, the dataset's own hash that the Datasets page shows
   */
  dataset: z.object({ hash: z.string().optional(), contentHash: z.string().optional(), ref: z.unknown().optional(), name: z.string().optional() }).optional(),
  /** how inputs were prepared (dataset recipe: scaling, shape, ...) */
  recipe: z.unknown().optional(),
  /** 'ntk-folded': trained in the NTK parameterization, σ/√fan-in folded into the stored weights */
  parameterization: z.enum(['standard', 'ntk-folded']).default('standard'),
  seed: Int.optional(),
  backend: z.string().optional(),
  training: z.record(z.string(), z.unknown()).optional(),
  history: z.array(EpochRecord).optional(),
  /** best epoch kept (best checkpoint) */
  bestEpoch: Int.optional(),
  metrics: z.record(z.string(), z.number()).default({}),
  params: Int,
  weightBytes: Int,
})
export type ModelMeta = z.infer<typeof ModelMeta>

export const ModelLayerRow = z.object({ name: z.string(), className: z.string(), outputShape: z.array(Int.nullable()), params: Int })
export type ModelLayerRow = z.infer<typeof ModelLayerRow>

export const ReliabilityBin = z.object({ lo: z.number(), hi: z.number(), count: Int, confidence: z.number(), accuracy: z.number() })

export const ModelEvaluation = z.object({
  n: Int,
  accuracy: z.number(),
  loss: z.number(),
  classes: Int,
  precision: z.array(z.number().nullable()),
  recall: z.array(z.number().nullable()),
  support: z.array(Int),
  /** confusion[true][predicted] */
  confusion: z.array(z.array(Int)),
  ece: z.number(),
  reliability: z.array(ReliabilityBin),
  params: Int,
  weightBytes: Int,
  latency: z.object({ backend: z.string(), batch: Int, msPerBatch: z.number(), samplesPerSecond: z.number() }),
  dataset: z.object({ hash: z.string().optional(), label: z.string().optional() }).optional(),
})
export type ModelEvaluation = z.infer<typeof ModelEvaluation>

export const ModelSummary = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: Int,
  source: ModelSource,
  params: Int,
  weightBytes: Int,
  inputShape: z.array(Int),
  numClasses: Int.nullable(),
  /** accuracy of the latest evaluation, else the held-out accuracy recorded at training */
  accuracy: z.number().nullable(),
  layers: Int,
  /** the project dataset it was trained on (id while it is known), so pages can offer that data with it */
  dataset: z.object({ id: z.string().optional(), name: z.string() }).optional(),
})
export type ModelSummary = z.infer<typeof ModelSummary>

export const WeightHistogram = z.object({ name: z.string(), min: z.number(), max: z.number(), counts: z.array(Int), mean: z.number(), std: z.number() })
export type WeightHistogram = z.infer<typeof WeightHistogram>

export const ModelDetail = ModelSummary.extend({
  meta: ModelMeta,
  layerTable: z.array(ModelLayerRow),
  evaluation: ModelEvaluation.nullable(),
  histograms: z.array(WeightHistogram),
})
export type ModelDetail = z.infer<typeof ModelDetail>
