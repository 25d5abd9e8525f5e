import * as tf from '@tensorflow/tfjs-core'
import type * as tfl from '@tensorflow/tfjs-layers'
import { UserError } from '../../../shared/errors'
import { readNpy } from '../io/npy'
import { inputTensor, labelIds } from '../models/data'
import { readModelFolder } from '../models/format'
import { filesToModel, inputShapeOf, outputUnitsOf } from '../models/io'
import { APP_VERSION } from '../runtime/version'
import { writeQuantizedExport, type WrittenExport } from './export/write-export'
import { evaluateForward, quantizePtq, type ActivationQuant, type ForwardEvaluation } from './ptq'
import { quantizationAwareTraining } from './qat'
import { tfjsInexpressible } from './export/tfjs-manifest'
import { calibrationLabel, granularityLabel, type LayerChoice, type ModelQuantSpec } from './quantize-model'

// `ntkw quantize`: model folder + scheme (+ calibration data) → DIR/model.json in the chosen format and a JSON
// summary; with evaluation data, float and quantized accuracy, loss and confusion side by side.

export interface QuantizeFolderOptions {
  model: string
  out: string
  spec: Omit<ModelQuantSpec, 'format'> & { format: 'tfjs' | 'ntkw' | 'auto' }
  activations?: ActivationQuant | null
  calibX?: string
  biasCorrection?: boolean
  evalX?: string
  evalY?: string
  /** quantization-aware training of the exported scheme first (the quantize job's `qat`), on these files */
  qat?: QatFolderOptions | null
}

export interface QatFolderOptions {
  x: string
  y: string
  epochs: number
  learningRate: number
  batchSize: number
  seed: number
  /** KD from the float model: α·T²·KL + (1 − α)·CE */
  teacher: { temperature: number; alpha: number } | null
}

export interface QuantizeSummary {
  model: string
  out: string
  format: 'tfjs' | 'ntkw' | 'onnx'
  bits: number | 'float16'
  scheme: string
  granularity: string
  calibration: string
  method: string
  activations: { bits: number; calibration: string } | null
  biasCorrection: boolean
  weightBytes: number
  floatBytes: number
  /** float bytes / quantized bytes */
  compression: number
  /** quantized bytes / float bytes */
  sizeRatio: number
  layers: LayerChoice[]
  files: string[]
  evaluation?: { float: Omit<ForwardEvaluation, 'predictions'>; quantized: Omit<ForwardEvaluation, 'predictions'>; accuracyDrop: number; confusionDelta: number[][]; agreement: number }
  /** with QAT: its settings, loss per epoch, and (with --eval-x/--eval-y) the accuracy of plain PTQ of the same scheme */
  qat?: Omit<QatFolderOptions, 'x' | 'y'> & { history: { epoch: number; trainLoss: number; trainAccuracy: number }[]; ptqAccuracy: number | null }
}

export function npyTensor(file: string, inputShape: number[], flag: string): tf.Tensor {
  const a = readNpy(file)
  return inputTensor({ data: a.data as ArrayLike<number>, shape: a.shape }, inputShape, flag)
}

export async function quantizeFolder(o: QuantizeFolderOptions): Promise<QuantizeSummary> {
  const spec: ModelQuantSpec = {
    ...o.spec,
    format: o.spec.format === 'auto' ? (o.spec.bits === 'float16' || !tfjsInexpressible({ bits: o.spec.bits, method: o.spec.method, granularity: o.spec.granularity }) ? 'tfjs' : 'ntkw') : o.spec.format,
  }
  const files = readModelFolder(o.model)
  const model: tfl.LayersModel = await filesToModel(files, o.model)
  const inputShape = inputShapeOf(model)
  const tensors: tf.Tensor[] = []
  try {
    const calibX = o.calibX ? npyTensor(o.calibX, inputShape, '--calib-x') : undefined
    if (calibX) tensors.push(calibX)
    if (o.qat && (o.activations || o.biasCorrection)) throw new UserError('usage', '--qat trains the weight grids only: it does not combine with --activations or --bias-correction', 'Drop those flags, or quantize without --qat.')
    const ptq = await quantizePtq(model, { spec, ...(calibX ? { calibX } : {}), activations: o.activations ?? null, biasCorrection: Boolean(o.biasCorrection) })
    const trained = o.qat ? await trainQat(model, spec, o.qat, inputShape, tensors) : null
    const r = trained ? { ...ptq, qm: trained.qm, model: trained.model, forward: (x: tf.Tensor) => trained.model.apply(x, { training: false }) as tf.Tensor } : ptq
    const extra = r.activationGrids.size
      ? { ntkwActivationQuant: [...r.activationGrids].map(([index, g]) => ({ layer: model.layers[index]!.name, ...g })) }
      : {}
    const written: WrittenExport = writeQuantizedExport(o.out, files.modelJson.modelTopology, r.qm, `NTK Workbench ${APP_VERSION}`, extra)
    const summary: QuantizeSummary = {
      model: o.model,
      out: o.out,
      format: spec.format,
      bits: spec.bits,
      scheme: spec.method === 'uniform' ? spec.scheme : spec.method === 'power' ? 'symmetric' : 'codebook',
      granularity: granularityLabel(spec.granularity),
      calibration: spec.method === 'kmeans' ? 'lloyd-max' : calibrationLabel(spec.calibration),
      method: spec.bits === 'float16' ? 'float16' : spec.method,
      activations: o.activations ? { bits: o.activations.bits, calibration: calibrationLabel(o.activations.calibration) } : null,
      biasCorrection: Boolean(o.biasCorrection),
      weightBytes: written.weightBytes,
      floatBytes: r.qm.floatBytes,
      compression: r.qm.floatBytes / written.weightBytes,
      sizeRatio: written.weightBytes / r.qm.floatBytes,
      layers: r.qm.choices,
      files: written.files,
    }
    const evaluation = compareOnEval(model, r.forward, o, inputShape, tensors)
    if (evaluation) summary.evaluation = evaluation
    if (trained) {
      const { x: _x, y: _y, ...settings } = o.qat!
      const ptqEval = evaluation ? compareOnEval(model, ptq.forward, o, inputShape, tensors) : undefined
      summary.qat = { ...settings, history: trained.history, ptqAccuracy: ptqEval?.quantized.accuracy ?? null }
      ptq.model.dispose()
    }
    r.model.dispose()
    return summary
  } finally {
    tf.dispose(tensors)
    model.dispose()
  }
}

/** QAT (straight-through estimator, qat.ts) of the export's scheme on --qat-x/--qat-y, loss per epoch. */
async function trainQat(model: tfl.LayersModel, spec: ModelQuantSpec, o: QatFolderOptions, inputShape: number[], tensors: tf.Tensor[]) {
  const x = npyTensor(o.x, inputShape, '--qat-x')
  tensors.push(x)
  const ya = readNpy(o.y)
  const labels = labelIds({ data: ya.data as ArrayLike<number>, shape: ya.shape, integer: !/^f/.test(ya.dtype) }, outputUnitsOf(model), '--qat-y')
  if (labels.length !== x.shape[0]) throw new UserError('shape_mismatch', `--qat-y has ${labels.length} labels for ${x.shape[0]} rows of --qat-x`, 'Pass the labels of the same training rows.')
  const history: { epoch: number; trainLoss: number; trainAccuracy: number }[] = []
  const r = await quantizationAwareTraining(model, { spec, x, labels, epochs: o.epochs, learningRate: o.learningRate, batchSize: o.batchSize, seed: o.seed, teacher: o.teacher, onEpoch: (e) => void history.push(e) })
  return { ...r, history }
}

/** With --eval-x/--eval-y: float and quantized evaluations side by side (accuracy, loss, confusion, agreement). */
export function compareOnEval(
  model: tfl.LayersModel,
  forward: (x: tf.Tensor) => tf.Tensor,
  o: { evalX?: string; evalY?: string },
  inputShape: number[],
  tensors: tf.Tensor[],
): QuantizeSummary['evaluation'] | undefined {
  if (!o.evalX && !o.evalY) return undefined
  if (!o.evalX || !o.evalY) throw new UserError('usage', '--eval-x and --eval-y go together', 'Pass both the test inputs and their labels.')
  const xe = npyTensor(o.evalX, inputShape, '--eval-x')
  tensors.push(xe)
  const ya = readNpy(o.evalY)
  const k = outputUnitsOf(model)
  const labels = labelIds({ data: ya.data as ArrayLike<number>, shape: ya.shape, integer: !/^f/.test(ya.dtype) }, k, '--eval-y')
  if (labels.length !== xe.shape[0]) throw new UserError('shape_mismatch', `--eval-y has ${labels.length} labels for ${xe.shape[0]} rows of --eval-x`)
  const f = evaluateForward((x) => model.apply(x, { training: false }) as tf.Tensor, xe, labels, k)
  const q = evaluateForward(forward, xe, labels, k)
  let agree = 0
  for (let i = 0; i < labels.length; i++) if (f.predictions[i] === q.predictions[i]) agree++
  const strip = ({ predictions: _p, ...rest }: ForwardEvaluation) => rest
  return {
    float: strip(f),
    quantized: strip(q),
    accuracyDrop: f.accuracy - q.accuracy,
    confusionDelta: q.confusion.map((row, i) => row.map((v, j) => v - f.confusion[i]![j]!)),
    agreement: agree / labels.length,
  }
}
