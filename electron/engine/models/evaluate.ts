import * as tf from '@tensorflow/tfjs-core'
import type * as tfl from '@tensorflow/tfjs-layers'
import type { ModelEvaluation } from '../../../shared/models'
import { countParams } from './build'
import { accuracy, argmaxRows } from '../core/metrics'
import { crossEntropySum } from './metrics'

// Classifier evaluation on a labelled set. Loss and accuracy follow metrics.ts. Per class c:
//   precision_c = TP_c / (TP_c + FP_c), recall_c = TP_c / (TP_c + FN_c) (null when the denominator is 0).
// Calibration (Guo, Pleiss, Sun & Weinberger, "On Calibration of Modern Neural Networks", 2017): with the
// confidence p̂_i = max_k softmax(f(x_i))_k binned into M equal-width bins B_m over [0, 1],
//   ECE = Σ_m |B_m|/n · |acc(B_m) − conf(B_m)|,
// and the reliability diagram is (conf(B_m), acc(B_m)) per bin.

export interface EvaluateOptions {
  batch?: number
  bins?: number
  /** batches timed for the latency figure (after one warm-up) */
  latencyRepeats?: number
  /** lets the caller yield/cancel between batches */
  onBatch?: (done: number, total: number) => void | Promise<void>
}

/** Softmax probabilities and logits, batched. */
export function predictLogits(model: tfl.LayersModel, x: tf.Tensor, batch = 512): Float32Array {
  const n = x.shape[0]!
  const parts: Float32Array[] = []
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i)
    parts.push(tf.tidy(() => (model.apply(tf.slice(x, i, m), { training: false }) as tf.Tensor).dataSync() as Float32Array))
  }
  const k = parts.length ? parts[0]!.length / Math.min(batch, n) : 0
  const out = new Float32Array(n * k)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export function calibration(probs: Float32Array, labels: Int32Array, k: number, bins = 15): { ece: number; reliability: ModelEvaluation['reliability'] } {
  const n = labels.length
  const count = new Array<number>(bins).fill(0)
  const conf = new Array<number>(bins).fill(0)
  const hit = new Array<number>(bins).fill(0)
  for (let i = 0; i < n; i++) {
    let best = 0
    for (let j = 1; j < k; j++) if (probs[i * k + j]! > probs[i * k + best]!) best = j
    const p = probs[i * k + best]!
    const m = Math.min(bins - 1, Math.floor(p * bins))
    count[m]!++
    conf[m]! += p
    if (best === labels[i]) hit[m]!++
  }
  let ece = 0
  const reliability = count.map((c, m) => {
    const confidence = c ? conf[m]! / c : 0
    const accuracy = c ? hit[m]! / c : 0
    ece += (c / n) * Math.abs(accuracy - confidence)
    return { lo: m / bins, hi: (m + 1) / bins, count: c, confidence, accuracy }
  })
  return { ece, reliability }
}

export function confusionStats(pred: Int32Array, labels: Int32Array, k: number): Pick<ModelEvaluation, 'confusion' | 'precision' | 'recall' | 'support'> {
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0))
  for (let i = 0; i < labels.length; i++) confusion[labels[i]!]![pred[i]!]!++
  const precision: (number | null)[] = []
  const recall: (number | null)[] = []
  const support: number[] = []
  for (let c = 0; c < k; c++) {
    const tp = confusion[c]![c]!
    let col = 0
    let row = 0
    for (let j = 0; j < k; j++) {
      col += confusion[j]![c]!
      row += confusion[c]![j]!
    }
    precision.push(col ? tp / col : null)
    recall.push(row ? tp / row : null)
    support.push(row)
  }
  return { confusion, precision, recall, support }
}

/** Full evaluation of a classifier on (x, labels). `weightBytes` is the stored size of the weights. */
export async function evaluateModel(model: tfl.LayersModel, x: tf.Tensor, labels: Int32Array, weightBytes: number, backend: string, o: EvaluateOptions = {}): Promise<ModelEvaluation> {
  const n = labels.length
  const batch = o.batch ?? 256
  const k = model.outputs[0]!.shape[model.outputs[0]!.shape.length - 1] ?? 1
  const probs = new Float32Array(n * k)
  const logitsAll = new Float32Array(n * k)
  let lossSum = 0
  const total = Math.ceil(n / batch)
  for (let b = 0; b < total; b++) {
    const i = b * batch
    const m = Math.min(batch, n - i)
    // read asynchronously: a WebGPU result cannot be read synchronously in Node
    const [loss, logits, soft] = tf.tidy(() => {
      const logits = model.apply(tf.slice(x, i, m), { training: false }) as tf.Tensor2D
      const yb = tf.tensor1d(labels.subarray(i, i + m), 'int32')
      return [crossEntropySum(logits, yb), logits, tf.softmax(logits)]
    })
    try {
      lossSum += (await loss.data())[0]!
      logitsAll.set((await logits.data()) as Float32Array, i * k)
      probs.set((await soft.data()) as Float32Array, i * k)
    } finally {
      tf.dispose([loss, logits, soft])
    }
    await o.onBatch?.(b + 1, total)
  }
  // accuracy and predictions by the engine's one definition (core/metrics.ts: argmax, ties to the lowest index)
  const pred = argmaxRows(logitsAll, n, k)
  const acc = accuracy(logitsAll, labels, k)
  const cal = calibration(probs, labels, k, o.bins ?? 15)
  // latency: one batch of `batch` rows (or all rows when fewer), median of the timed repeats
  const lb = Math.min(batch, n)
  const xb = tf.slice(x, 0, lb)
  const times: number[] = []
  try {
    for (let r = 0; r <= (o.latencyRepeats ?? 5); r++) {
      const t0 = performance.now()
      const y = model.apply(xb, { training: false }) as tf.Tensor
      await y.data()
      y.dispose()
      if (r > 0) times.push(performance.now() - t0)
    }
  } finally {
    xb.dispose()
  }
  times.sort((a, b) => a - b)
  const ms = times[Math.floor(times.length / 2)] ?? 0
  return {
    n,
    accuracy: acc,
    loss: lossSum / n,
    classes: k,
    ...confusionStats(pred, labels, k),
    ece: cal.ece,
    reliability: cal.reliability,
    params: countParams(model),
    weightBytes,
    latency: { backend, batch: lb, msPerBatch: ms, samplesPerSecond: ms > 0 ? (lb * 1000) / ms : 0 },
  }
}
