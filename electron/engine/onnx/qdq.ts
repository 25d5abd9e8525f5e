import * as tf from '@tensorflow/tfjs-core'
import type * as tfl from '@tensorflow/tfjs-layers'
import { UserError } from '../../../shared/errors'
import { activationGrid } from '../quantize/activation-range'
import type { FakeQuantGrid } from '../quantize/fake-quant'
import { forwardWithHook, kernelLayers, layerInputs } from '../quantize/model-layers'
import { checkCalibration, quantizePtq } from '../quantize/ptq'
import type { QuantizedModel } from '../quantize/quantize-model'
import { roundHalfEven } from '../quantize/rounding'
import type { Granularity, QuantizedWeight, RangeCalibration, Scheme } from '../quantize/types'
import type { QdqLayer, QdqPlan } from './qdq-plan'

// int8 post-training quantization in ONNX's QDQ form, and the workbench's evaluation of exactly that graph.
// ONNX operator definitions (opset 13, https://onnx.ai/onnx/operators/):
//   QuantizeLinear    y = saturate(round_half_even(x / y_scale) + y_zero_point)   (uint8: [0, 255])
//   DequantizeLinear  y = (x − x_zero_point) · x_scale                           (per axis with `axis`)
// Weights: the workbench's uniform 8-bit quantizer (symmetric → int8 with zero point 0 and levels ±127, as
// ONNX Runtime's quantizer does for weights; affine → uint8 with a zero point), per tensor or per output
// channel. Biases (with activation quantization): q_b = round(b / (x_scale·w_scale)) in int32, the scale
// computed in float32 as ONNX Runtime's quantize_static computes it. Activations: an affine uint8 grid on the
// input of every Dense/Conv2D layer from --calib-x (ranges by the chosen calibration).
// The evaluation runs the same arithmetic in tfjs: dequantized weights and biases are the float32 products
// DequantizeLinear computes, and each layer input goes through QuantizeLinear→DequantizeLinear with a true
// division (x / s, not x · (1/s)), round half to even and the uint8 saturation.

export interface OnnxQuantOptions {
  granularity: Granularity
  scheme: Scheme
  calibration: RangeCalibration
  /** activation quantization (8 bits, static ranges from calibX) */
  activations: { calibration: RangeCalibration } | null
  calibX?: tf.Tensor
  biasCorrection?: boolean
}

export interface OnnxQuantResult {
  plan: QdqPlan
  qm: QuantizedModel
  /** the quantized graph's logits, computed as ONNX's QDQ operators define them */
  forward: (x: tf.Tensor) => tf.Tensor
  /** the model holding the dequantized weights and biases */
  model: tfl.LayersModel
}

/** QuantizeLinear → DequantizeLinear of a tensor on a uint8 grid. */
export function qdq(x: tf.Tensor, g: { scale: number; zeroPoint: number }): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.sub(tf.clipByValue(tf.add(tf.round(tf.div(x, g.scale)), g.zeroPoint), 0, 255), g.zeroPoint), g.scale))
}

function weightCodes(q: QuantizedWeight): NonNullable<QdqLayer['weight']> {
  const symmetric = q.scheme === 'symmetric'
  const z = q.zeroPoints!
  if (symmetric && z.some((v) => v !== 128)) throw new Error('symmetric 8-bit codes are expected to have zero point 128')
  return {
    dtype: symmetric ? 'int8' : 'uint8',
    codes: Int32Array.from(q.codes, (c) => (symmetric ? c - 128 : c)),
    scales: Float32Array.from(q.scales!),
    zeroPoints: symmetric ? new Int32Array(z.length) : Int32Array.from(z),
  }
}

export async function quantizeForOnnx(model: tfl.LayersModel, o: OnnxQuantOptions): Promise<OnnxQuantResult> {
  if (o.granularity.kind === 'group') throw new UserError('not_expressible_in_onnx', '--format onnx takes --granularity tensor or channel', 'Opset-13 DequantizeLinear has one scale per tensor or per output channel; use --format ntkw for group scales.')
  if (o.activations && !o.calibX) throw new UserError('calibration_needed', 'activation quantization needs calibration data', 'Pass --calib-x X.npy (a few hundred training inputs).')
  if (o.calibX) checkCalibration(model, o.calibX)
  const ptq = await quantizePtq(model, {
    spec: { bits: 8, scheme: o.scheme, granularity: o.granularity, calibration: o.calibration, method: 'uniform', format: 'ntkw' },
    ...(o.calibX ? { calibX: o.calibX } : {}),
    activations: null,
    biasCorrection: Boolean(o.biasCorrection),
  })
  const layers = kernelLayers(model)
  const grids = new Map<number, FakeQuantGrid>()
  if (o.activations) {
    const inputs = layerInputs(model, o.calibX!, layers.map((l) => l.index))
    try {
      for (const l of layers) grids.set(l.index, activationGrid(inputs.get(l.index)!.dataSync() as Float32Array, 8, o.activations.calibration, 'affine'))
    } finally {
      tf.dispose([...inputs.values()])
    }
  }
  const packed = new Map((ptq.qm.packed ?? []).map((p) => [p.name, p]))
  const plan: QdqPlan = { layers: new Map() }
  for (const l of layers) {
    const p = packed.get(l.kernelName)
    if (!p || p.kind !== 'quantized') throw new Error(`no 8-bit codes for ${l.kernelName}`)
    const weight = weightCodes(p.q)
    const entry: QdqLayer = { weight }
    const grid = grids.get(l.index)
    const mine = ptq.model.getLayer(l.layer.name)
    const biasVar = l.biasName ? mine.weights.find((w) => w.originalName === l.biasName) : undefined
    if (grid) entry.input = { scale: grid.scale, zeroPoint: grid.zeroPoint }
    if (biasVar) {
      const b = biasVar.read().dataSync() as Float32Array
      if (grid) {
        // int32 bias on the accumulator's grid: scale x_scale·w_scale (float32), zero point 0
        const scales = Float32Array.from(weight.scales, (s) => Math.fround(grid.scale * s))
        const codes = new Int32Array(b.length)
        const deq = new Float32Array(b.length)
        for (let c = 0; c < b.length; c++) {
          const s = scales[scales.length === 1 ? 0 : c]!
          codes[c] = Math.max(-2147483648, Math.min(2147483647, roundHalfEven(b[c]! / s)))
          deq[c] = Math.fround(codes[c]! * s)
        }
        entry.bias = { codes, scales }
        tf.tidy(() => {
          biasVar.write(tf.tensor(deq, biasVar.shape as number[]))
        })
      } else entry.floatBias = Float32Array.from(b)
    }
    plan.layers.set(l.layer.name, entry)
  }
  const forward = (x: tf.Tensor) => forwardWithHook(ptq.model, x, (i, h) => (grids.has(i) ? qdq(h, grids.get(i)!) : undefined))
  return { plan, qm: ptq.qm, forward, model: ptq.model }
}
