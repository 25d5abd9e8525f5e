import * as tf from '@tensorflow/tfjs-core'
import type * as tfl from '@tensorflow/tfjs-layers'
import { UserError } from '../../../shared/errors'
import { filesToModel, modelToFiles } from '../models/io'
import { accuracyCount, crossEntropySum } from '../models/metrics'
import { activationGrid } from './activation-range'
import { correctBias } from './bias-correction'
import { fakeQuant, type FakeQuantGrid } from './fake-quant'
import { meanInputChannels } from './layer-error'
import { forwardWithHook, kernelLayers, layerInputs, type KernelLayer } from './model-layers'
import { quantizeModel, type ModelQuantSpec, type NamedWeight, type QuantizedModel } from './quantize-model'
import { quantizeWeight } from './quantize-weight'
import type { QuantizedWeight, RangeCalibration } from './types'

// Post-training quantization of a layers model (Nagel et al., "A White Paper on Neural Network Quantization",
// 2021, §3): weights by the chosen quantizer; with calibration data, biases absorb the quantization shift
// (bias correction) and activations get a fake-quant grid in front of every Dense/Conv2D layer calibrated on
// that layer's float inputs. The power exponent (PowerQuant/NUPES) is searched layer by layer, in order, on the
// output error the layer causes: ‖f_q(X) − f(X)‖² of the network's logits on calibration data, with the
// earlier layers already quantized and the later ones float. On the MNIST MLP this picked better exponents
// than the layer-local ‖X(Ŵ − W)‖² (layer-error.ts), whose minimum is jagged in a and ignores how the error
// propagates (measured: 94.5 % vs 93.95 % at 3 bits per-tensor; docs/performance.md).

export interface ActivationQuant {
  bits: number
  calibration: RangeCalibration
}

export interface PtqOptions {
  spec: ModelQuantSpec
  /** calibration inputs [n, ...inputShape] */
  calibX?: tf.Tensor
  activations?: ActivationQuant | null
  biasCorrection?: boolean
  bitsFor?: Map<string, number>
  skip?: Set<string>
}

export interface PtqResult {
  qm: QuantizedModel
  /** a separate model holding the dequantised weights */
  model: tfl.LayersModel
  /** fake-quant grid in front of layer index (activation quantization), empty without it */
  activationGrids: Map<number, FakeQuantGrid>
  /** logits with activation fake-quant applied (the model itself when there is none) */
  forward: (x: tf.Tensor) => tf.Tensor
  /** bias names replaced by bias correction */
  correctedBiases: string[]
}

export function namedWeights(model: tfl.LayersModel): NamedWeight[] {
  return model.weights.map((w) => {
    const t = w.read()
    return { name: w.originalName, shape: [...t.shape], values: Float32Array.from(t.dataSync()) }
  })
}

export async function cloneModel(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  return filesToModel(await modelToFiles(model))
}

export function setNamedWeights(model: tfl.LayersModel, weights: NamedWeight[]): void {
  const byName = new Map(weights.map((w) => [w.name, w]))
  const ts = model.weights.map((w) => {
    const v = byName.get(w.originalName)
    if (!v) throw new Error(`no value for weight ${w.originalName}`)
    return tf.tensor(v.values, v.shape)
  })
  model.setWeights(ts)
  tf.dispose(ts)
}

export function checkCalibration(model: tfl.LayersModel, x: tf.Tensor, flag = '--calib-x'): void {
  const want = model.inputs[0]!.shape.slice(1)
  const got = x.shape.slice(1)
  if (got.length !== want.length || got.some((v, i) => v !== want[i])) {
    throw new UserError('calibration_shape', `${flag}: calibration data has rows of shape [${got.join(', ')}], the model takes [${want.join(', ')}]`, 'Use inputs shaped like the training data (the same features or image size), e.g. a slice of the training set.')
  }
}

export async function quantizePtq(model: tfl.LayersModel, o: PtqOptions): Promise<PtqResult> {
  const needCalib = o.spec.method === 'power' || o.biasCorrection || o.activations
  if (needCalib && !o.calibX) {
    const what = o.activations ? 'activation quantization' : o.biasCorrection ? 'bias correction' : 'the power method (its exponent minimises each layer’s output error)'
    throw new UserError('calibration_needed', `${what} needs calibration data`, 'Pass --calib-x X.npy (a few hundred training inputs).')
  }
  if (o.calibX) checkCalibration(model, o.calibX)
  const layers = kernelLayers(model)
  const weights = namedWeights(model)
  const byName = new Map(weights.map((w) => [w.name, w]))
  const inputs = o.calibX ? layerInputs(model, o.calibX, layers.map((l) => l.index)) : new Map<number, tf.Tensor>()
  try {
    const precomputed = o.spec.method === 'power' && o.spec.bits !== 'float16' ? await powerSearch(model, layers, byName, o) : new Map<string, QuantizedWeight>()
    const qm = quantizeModel(weights, o.spec, { precomputed, ...(o.bitsFor ? { bitsFor: o.bitsFor } : {}), ...(o.skip ? { skip: o.skip } : {}) })
    const correctedBiases: string[] = []
    if (o.biasCorrection) {
      const q = new Map(qm.weights.map((w) => [w.name, w]))
      for (const l of layers) {
        if (!l.biasName || o.skip?.has(l.kernelName)) continue
        const w = byName.get(l.kernelName)!
        const b = q.get(l.biasName)!
        const corrected = correctBias(w.values, q.get(l.kernelName)!.values, w.shape, b.values, meanInputChannels(inputs.get(l.index)!))
        b.values = corrected
        correctedBiases.push(l.biasName)
        // keep the exported bias in step (biases are stored float32)
        const t = qm.tfjs?.find((e) => e.spec.name === l.biasName)
        if (t) {
          t.values = corrected
          t.bytes = new Uint8Array(Float32Array.from(corrected).buffer)
        }
        const p = qm.packed?.find((e) => e.name === l.biasName)
        if (p && p.kind === 'float32') p.values = corrected
      }
    }
    const activationGrids = new Map<number, FakeQuantGrid>()
    if (o.activations) {
      for (const l of layers) {
        const x = inputs.get(l.index)!
        activationGrids.set(l.index, activationGrid(x.dataSync() as Float32Array, o.activations.bits, o.activations.calibration))
      }
    }
    const qmodel = await cloneModel(model)
    setNamedWeights(qmodel, qm.weights)
    const forward =
      activationGrids.size === 0
        ? (x: tf.Tensor) => qmodel.apply(x, { training: false }) as tf.Tensor
        : (x: tf.Tensor) => forwardWithHook(qmodel, x, (i, h) => (activationGrids.has(i) ? fakeQuant(h, activationGrids.get(i)!) : undefined))
    return { qm, model: qmodel, activationGrids, forward, correctedBiases }
  } finally {
    tf.dispose([...inputs.values()])
  }
}

async function powerSearch(model: tfl.LayersModel, layers: KernelLayer[], byName: Map<string, NamedWeight>, o: PtqOptions): Promise<Map<string, QuantizedWeight>> {
  const out = new Map<string, QuantizedWeight>()
  const work = await cloneModel(model)
  const x = o.calibX!
  const target = model.apply(x, { training: false }) as tf.Tensor
  try {
    for (const l of layers) {
      if (o.skip?.has(l.kernelName)) continue
      const w = byName.get(l.kernelName)!
      const mine = work.getLayer(l.layer.name).weights.find((v) => v.originalName === l.kernelName)!
      const bits = o.bitsFor?.get(l.kernelName) ?? (o.spec.bits as number)
      const objective = (values: Float32Array): number => {
        tf.tidy(() => {
          mine.write(tf.tensor(values, w.shape))
        })
        return tf.tidy(() => {
          const d = tf.sub(work.apply(x, { training: false }) as tf.Tensor, target)
          return tf.sum(tf.mul(d, d)).dataSync()[0]!
        })
      }
      const q = quantizeWeight(w.values, w.shape, { bits, scheme: 'symmetric', granularity: o.spec.granularity, calibration: o.spec.calibration, method: 'power' }, { name: l.kernelName, objective })
      tf.tidy(() => {
        mine.write(tf.tensor(q.values, w.shape))
      })
      out.set(l.kernelName, q)
    }
  } finally {
    target.dispose()
    work.dispose()
  }
  return out
}

export interface ForwardEvaluation {
  n: number
  accuracy: number
  loss: number
  confusion: number[][]
  predictions: Int32Array
}

/** Accuracy, loss (models/metrics.ts definitions) and confusion of a forward function, in batches. */
export function evaluateForward(forward: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, labels: Int32Array, classes: number, batch = 500): ForwardEvaluation {
  const n = labels.length
  let loss = 0
  let correct = 0
  const predictions = new Int32Array(n)
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i)
    tf.tidy(() => {
      const logits = forward(tf.slice(x, i, m)) as tf.Tensor2D
      const yb = tf.tensor1d(labels.subarray(i, i + m), 'int32')
      loss += crossEntropySum(logits, yb).dataSync()[0]!
      correct += accuracyCount(logits, yb).dataSync()[0]!
      predictions.set(tf.argMax(logits, 1).dataSync() as Int32Array, i)
    })
  }
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0))
  for (let i = 0; i < n; i++) confusion[labels[i]!]![predictions[i]!]!++
  return { n, accuracy: correct / n, loss: loss / n, confusion, predictions }
}
