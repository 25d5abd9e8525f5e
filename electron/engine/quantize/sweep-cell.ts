import * as tf from '@tensorflow/tfjs-core'
import type * as tfl from '@tensorflow/tfjs-layers'
import type { QuantizeCellOutcome } from '../../../shared/cluster'
import type { QuantizeCellSpec } from '../../../shared/jobs/quantize'
import { UserError } from '../../../shared/errors'
import type { Matrix } from '../core/matrix'
import { inputTensor, labelIds } from '../models/data'
import { inputShapeOf, outputUnitsOf } from '../models/io'
import { parseCalibrationText, parseGranularityText } from './parse'
import { evaluateForward, namedWeights, quantizePtq } from './ptq'
import { isKernel, type ModelQuantSpec, type NamedWeight } from './quantize-model'
import { quantizedNtkShift } from './quantized-ntk'

// One cell of a quantize job's sweep (a method × bits × granularity × calibration), computed the same way by
// the local job and by an `ntkw worker` (issue 20): the quantized model's evaluation, per-layer levels and
// exponents, and its NTK shift on the probe rows. The job turns outcomes into QuantizeCells in sweep order.

/** The model and data every cell of a sweep is evaluated on. */
export interface SweepEnv {
  model: tfl.LayersModel
  xEval: tf.Tensor
  labels: Int32Array
  k: number
  calibX: tf.Tensor | null
  floatWeights: NamedWeight[]
  /** the NTK probe rows (null: no NTK comparison) */
  probe: tf.Tensor | null
  dispose(): void
}

/** Evaluation tensors of a sweep: calibration rows capped at calibRows, the first ntkProbe rows as NTK probe. */
export function sweepEnv(model: tfl.LayersModel, data: { xEval: Matrix; yEval: Matrix; calib: Matrix | null }, o: { calibRows: number; ntkProbe: number }): SweepEnv {
  const inputShape = inputShapeOf(model)
  const k = outputUnitsOf(model)
  const { xEval: xm, yEval: ym, calib: cm } = data
  const held: tf.Tensor[] = []
  try {
    const xEval = inputTensor({ data: xm.data, shape: [xm.rows, xm.cols] }, inputShape, 'evaluation x')
    held.push(xEval)
    const labels = labelIds({ data: ym.data, shape: ym.cols === 1 ? [ym.rows] : [ym.rows, ym.cols] }, k, 'evaluation y')
    let calibX: tf.Tensor | null = null
    if (cm) {
      const rows = Math.min(cm.rows, o.calibRows)
      calibX = inputTensor({ data: cm.data.subarray(0, rows * cm.cols), shape: [rows, cm.cols] }, inputShape, 'calibration x')
      held.push(calibX)
    }
    const probe = o.ntkProbe > 0 ? tf.slice(xEval, 0, Math.min(o.ntkProbe, labels.length)) : null
    if (probe) held.push(probe)
    return { model, xEval, labels, k, calibX, floatWeights: namedWeights(model), probe, dispose: () => tf.dispose(held) }
  } catch (e) {
    tf.dispose(held)
    throw e
  }
}

/** One cell's outcome; a scheme that does not apply (a UserError) is an outcome with `error`, not a throw. */
export async function quantizeCell(c: QuantizeCellSpec, env: SweepEnv, withNtk = true): Promise<QuantizeCellOutcome> {
  const out: QuantizeCellOutcome = { error: null, accuracy: null, loss: null, weightBytes: null, confusion: null, levels: {}, exponents: {}, ntkShift: null, ntkError: null }
  try {
    const qspec: ModelQuantSpec = { bits: c.bits, scheme: c.scheme, granularity: parseGranularityText(c.granularity), calibration: parseCalibrationText(c.calibration), method: c.method, format: 'ntkw' }
    const r = await quantizePtq(env.model, { spec: qspec, ...(env.calibX ? { calibX: env.calibX } : {}), biasCorrection: c.biasCorrection && Boolean(env.calibX) })
    try {
      const e = evaluateForward(r.forward, env.xEval, env.labels, env.k)
      out.accuracy = e.accuracy
      out.loss = e.loss
      out.weightBytes = r.qm.bytes
      out.confusion = e.confusion
      for (const w of r.qm.weights) {
        if (!isKernel(w)) continue
        const levels = c.granularity === 'tensor' ? [...new Set(w.values)].sort((a, b) => a - b) : null
        out.levels[w.name] = levels && levels.length <= 256 ? levels : null
      }
      for (const ch of r.qm.choices) if (ch.exponent !== undefined) out.exponents[ch.name] = ch.exponent
      if (env.probe && withNtk) {
        try {
          out.ntkShift = quantizedNtkShift(env.model, env.floatWeights, r.qm.weights, env.probe).relative
        } catch (err) {
          out.ntkError = (err as Error).message
        }
      }
    } finally {
      r.model.dispose()
    }
  } catch (err) {
    if (!(err instanceof UserError)) throw err
    out.error = err.message
  }
  return out
}
