import path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../shared/errors'
import { readModelFolder } from '../models/format'
import { filesToModel, inputShapeOf } from '../models/io'
import { compareOnEval, npyTensor, type QuantizeFolderOptions, type QuantizeSummary } from '../quantize/quantize-folder'
import { calibrationLabel, granularityLabel } from '../quantize/quantize-model'
import { quantizeForOnnx } from './qdq'
import { writeOnnxFolder } from './write'

// `ntkw quantize --format onnx`: the model's Dense/Conv2D layers in ONNX's QDQ form (qdq.ts), written as
// DIR/model.onnx, with the same JSON summary as the other formats; the quantized evaluation is the QDQ
// graph's arithmetic (what ONNX Runtime computes on the file).

export async function quantizeFolderOnnx(o: QuantizeFolderOptions): Promise<QuantizeSummary> {
  const spec = o.spec
  if (spec.bits !== 8 || spec.method !== 'uniform') {
    throw new UserError('not_expressible_in_onnx', `--format onnx holds 8-bit uniform weights (int8/uint8), not ${spec.method === 'uniform' ? `${spec.bits} bits` : `--method ${spec.method}`}`, 'Use --bits 8 --method uniform, or --format ntkw for 2–7 bits, power grids and k-means codebooks.')
  }
  if (o.activations && o.activations.bits !== 8) throw new UserError('not_expressible_in_onnx', `--format onnx quantizes activations to 8 bits, not ${o.activations.bits}`, 'Use --activations 8.')
  const files = readModelFolder(o.model)
  const model = await filesToModel(files, o.model)
  const inputShape = inputShapeOf(model)
  const tensors: tf.Tensor[] = []
  try {
    const calibX = o.calibX ? npyTensor(o.calibX, inputShape, '--calib-x') : undefined
    if (calibX) tensors.push(calibX)
    const r = await quantizeForOnnx(model, {
      granularity: spec.granularity,
      scheme: spec.scheme,
      calibration: spec.calibration,
      activations: o.activations ? { calibration: o.activations.calibration } : null,
      ...(calibX ? { calibX } : {}),
      biasCorrection: Boolean(o.biasCorrection),
    })
    try {
      const written = writeOnnxFolder(o.out, files, { plan: r.plan, name: path.basename(path.dirname(o.model)), source: o.model })
      // stored bytes: 1 per weight code, 4 per scale and 1 per zero point; int32 or float32 biases and other vectors 4 per value
      let weightBytes = 0
      for (const c of r.qm.choices) {
        const w = c.quantized ? r.plan.layers.get(c.name.slice(0, c.name.lastIndexOf('/')))?.weight : undefined
        weightBytes += w ? w.codes.length + 5 * w.scales.length : c.floatBytes
      }
      const summary: QuantizeSummary = {
        model: o.model,
        out: o.out,
        format: 'onnx',
        bits: 8,
        scheme: spec.scheme,
        granularity: granularityLabel(spec.granularity),
        calibration: calibrationLabel(spec.calibration),
        method: 'uniform',
        activations: o.activations ? { bits: 8, calibration: calibrationLabel(o.activations.calibration) } : null,
        biasCorrection: Boolean(o.biasCorrection),
        weightBytes,
        floatBytes: r.qm.floatBytes,
        compression: r.qm.floatBytes / weightBytes,
        sizeRatio: weightBytes / r.qm.floatBytes,
        layers: r.qm.choices,
        files: [written.file],
      }
      const evaluation = compareOnEval(model, r.forward, o, inputShape, tensors)
      if (evaluation) summary.evaluation = evaluation
      return summary
    } finally {
      r.model.dispose()
    }
  } finally {
    tf.dispose(tensors)
    model.dispose()
  }
}
