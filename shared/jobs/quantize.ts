import { z } from 'zod'
import { DataRef } from './data-ref'

// The quantize job: one model, a sweep of schemes evaluated against the float model, optional per-layer
// sensitivity, mixed precision under a byte budget, the quantized network's NTK shift, and an export.

export const QuantBits = z.union([z.number().int().min(2).max(8), z.literal(16), z.literal('float16')])
export const QuantGranularity = z.string().regex(/^(tensor|channel|group:[1-9]\d*)$/, 'tensor, channel or group:G')
export const QuantCalibration = z.string().regex(/^(minmax|mse|kl|percentile:\d+(\.\d+)?)$/, 'minmax, mse, kl or percentile:P')
export const QuantMethod = z.enum(['uniform', 'power', 'kmeans'])

/** Quantization-aware training of one scheme (the quantize job's `qat`; `ntkw quantize --qat` takes its defaults). */
export const QatSpec = z.object({
  bits: z.number().int().min(2).max(8),
  granularity: QuantGranularity.default('channel'),
  calibration: QuantCalibration.default('mse'),
  xTrain: DataRef,
  yTrain: DataRef,
  epochs: z.number().int().min(1).max(1000).default(3),
  learningRate: z.number().positive().max(1).default(1e-4),
  batchSize: z.number().int().min(1).max(65536).default(128),
  /** KD from the float model: α·T²·KL + (1 − α)·CE */
  teacher: z.object({ temperature: z.number().positive().max(100).default(4), alpha: z.number().min(0).max(1).default(0.7) }).optional(),
})

export const QuantizeSpec = z.object({
  kind: z.literal('quantize'),
  name: z.string().max(200).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  /** a project model id, or the path of a TF.js model.json */
  model: z.string().min(1),
  /** evaluation inputs and labels (accuracy, loss, confusion of every cell) */
  xEval: DataRef,
  yEval: DataRef,
  /** calibration inputs (power method, activations, bias correction, KL) */
  xCalib: DataRef.optional(),
  /** at most this many calibration rows are used */
  calibRows: z.number().int().min(16).max(20_000).default(512),
  bits: z.array(QuantBits).min(1).max(10).default([2, 3, 4, 8]),
  granularities: z.array(QuantGranularity).min(1).max(6).default(['tensor']),
  calibrations: z.array(QuantCalibration).min(1).max(6).default(['minmax']),
  methods: z.array(QuantMethod).min(1).max(3).default(['uniform']),
  scheme: z.enum(['symmetric', 'affine']).default('symmetric'),
  biasCorrection: z.boolean().default(false),
  /** widths tried one layer at a time (empty: no sensitivity analysis) */
  sensitivityBits: z.array(z.number().int().min(2).max(8)).max(7).default([]),
  /** mixed precision under this fraction of the float bytes (needs sensitivityBits) */
  mixedBudget: z.number().gt(0).max(1).optional(),
  /** points of the evaluation set used as NTK probe (0: no NTK comparison; ReLU MLPs only) */
  ntkProbe: z.number().int().min(0).max(1000).default(0),
  histogramBins: z.number().int().min(8).max(200).default(60),
  /** quantization-aware training of one scheme (STE), optionally distilled from the float model */
  qat: QatSpec.optional(),
  /** export one scheme: to a folder, and (stock TF.js format) as a project model */
  export: z
    .object({
      bits: QuantBits,
      granularity: QuantGranularity.default('tensor'),
      calibration: QuantCalibration.default('minmax'),
      method: QuantMethod.default('uniform'),
      scheme: z.enum(['symmetric', 'affine']).default('affine'),
      format: z.enum(['tfjs', 'ntkw']).default('tfjs'),
      dir: z.string().min(1).optional(),
    })
    .optional(),
})
export type QuantizeSpec = z.infer<typeof QuantizeSpec>

/**
 * One cell of a quantize job's sweep (a method × bits × granularity × calibration) with the job's settings
 * it depends on: what an `ntkw worker` receives for it (issue 20); the model and data travel beside it.
 */
export const QuantizeCellSpec = z
  .object({
    bits: QuantBits,
    granularity: QuantGranularity,
    calibration: QuantCalibration,
    method: QuantMethod,
    scheme: z.enum(['symmetric', 'affine']),
    biasCorrection: z.boolean(),
    /** rows of the evaluation set used as NTK probe (0: no NTK comparison) */
    ntkProbe: z.number().int().min(0).max(1000),
  })
  .strict()
export type QuantizeCellSpec = z.infer<typeof QuantizeCellSpec>

export interface QuantizeCell {
  bits: number | 'float16'
  granularity: string
  calibration: string
  method: string
  accuracy: number | null
  loss: number | null
  weightBytes: number | null
  /** quantized / float bytes */
  sizeRatio: number | null
  /** ‖Θ_q − Θ‖_F / ‖Θ‖_F on the probe set (null: not computed) */
  ntkShift: number | null
  /** quantized − float confusion counts */
  confusionDelta: number[][] | null
  /** why the cell could not be computed (e.g. a group size that does not divide a layer) */
  error: string | null
  /** per kernel layer: the dequantised grid levels (per-tensor cells with ≤ 256 levels, else null) */
  levels: Record<string, number[] | null>
  exponents: Record<string, number>
}

export interface QuantizeJobResult {
  modelName: string
  float: { accuracy: number; loss: number; weightBytes: number; confusion: number[][] }
  cells: QuantizeCell[]
  histograms: { layer: string; min: number; max: number; counts: number[] }[]
  sensitivity: { layer: string; bits: number; accuracy: number; drop: number; bytes: number }[] | null
  mixed: { budgetBytes: number; bits: Record<string, number>; bytes: number; predictedAccuracy: number; measuredAccuracy: number } | null
  export: {
    format: 'tfjs' | 'ntkw'
    /** the written model.json (null: not written to disk) */
    dir: string | null
    /** every written file with its size on disk (model.json's is its own, not the weights') */
    files: { name: string; bytes: number }[]
    /** stock @tensorflow/tfjs loads it (int8/float16 tfjs); the packed format needs the bundled loader */
    stockLoadable: boolean
    modelId: string | null
    weightBytes: number
    accuracy: number
  } | null
  qat?: { bits: number; granularity: string; ptqAccuracy: number; accuracy: number; weightBytes: number; history: { epoch: number; trainLoss: number; trainAccuracy: number }[] } | null
}
