import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../electron/engine/runtime/backend'
import { cholesky } from '../electron/engine/linalg/cholesky'
import { refinedSolve } from '../electron/engine/linalg/refine'
import { constantAlphaWeights, dualCoefficients, spectralProblem, trainPredictions } from '../electron/engine/distill/self-distill/solve'
import { distillStudent } from '../electron/engine/distill/kd/train'
import { mlpArch } from '../electron/engine/models/build'
import { QUICK, timeMs, type BenchResult } from './types'

// Distillation: (1) kernel self-distillation for A values of α × S steps through one eigendecomposition
// against the straightforward route, one refined Cholesky solve per step (factor shared); (2) the cost of a KD
// loss in training against CE alone, same student, data and epochs.

function spd(n: number, seed: number): Float32Array {
  return tf.tidy(() => {
    const g = tf.randomNormal([n, Math.max(8, n >> 1)], 0, 1, 'float32', seed)
    return tf.add(tf.mul(tf.matMul(g, tf.transpose(g)), 1 / Math.max(8, n >> 1)), tf.mul(tf.eye(n), 0.05)).dataSync() as Float32Array
  })
}

export async function run(): Promise<BenchResult[]> {
  await initBackend()
  const out: BenchResult[] = []
  const n = QUICK ? 300 : 800
  const k = 10
  const steps = 30
  const alphas = [0.2, 0.5, 0.8, 1]
  const g = spd(n, 1)
  const y = Float64Array.from({ length: n * k }, (_, i) => ((i * 7919) % 13) / 13 - 0.5)
  let mean = 0
  for (let i = 0; i < n; i++) mean += g[i * n + i]!
  const lambda = (1e-2 * mean) / n
  const closed = await timeMs(async () => {
    const sp = await spectralProblem(g, n, y, k, 1e-2)
    for (const a of alphas) for (const w of constantAlphaWeights(sp, a, steps)) { trainPredictions(sp, w); dualCoefficients(sp, w) }
  }, 1, 0)
  const iterated = await timeMs(async () => {
    const f = await cholesky(g, n, { shift: lambda })
    for (const a of alphas) {
      let t = Float64Array.from(y)
      for (let s = 0; s < steps; s++) {
        const beta = (await refinedSolve(g, f, t, k)).x
        const yhat = new Float64Array(n * k)
        for (let r = 0; r < n; r++) for (let j = 0; j < n; j++) { const v = g[r * n + j]!; for (let q = 0; q < k; q++) yhat[r * k + q]! += v * beta[j * k + q]! }
        t = Float64Array.from(y, (v, i) => a * v + (1 - a) * yhat[i]!)
      }
    }
  }, 1, 0)
  out.push({ name: `self-distillation ${alphas.length} α × ${steps} steps, n = ${n}`, value: closed, unit: 'ms', baseline: { name: 'refined Cholesky solve per step', value: iterated }, ratio: iterated / closed })

  // KD training cost against CE alone
  const rows = QUICK ? 1000 : 4000
  const x = { data: Float32Array.from({ length: rows * 784 }, (_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5), rows, cols: 784 }
  const labels = Int32Array.from({ length: rows }, (_, i) => i % 10)
  const teacher = Float32Array.from({ length: rows * 10 }, (_, i) => (i % 10 === labels[Math.floor(i / 10)] ? 5 : 0))
  const held = { data: x.data.subarray(0, 200 * 784), rows: 200, cols: 784 }
  const common = { x, labels, teacherTrain: teacher, xHeldOut: held, labelsHeldOut: labels.subarray(0, 200), teacherHeldOut: teacher.subarray(0, 2000), k: 10, rowShape: [784], student: mlpArch([32], 'relu'), params: {}, ceWeight: 1, warmupEpochs: 20, klTemperature: 4, epochs: 2, batchSize: 128, optimizer: 'adam' as const, learningRate: 1e-3, seed: 0 }
  const once = async (loss: 'ce' | 'kd') => (await distillStudent({ ...common, loss })).model.dispose()
  const ce = await timeMs(() => once('ce'), 1, 1)
  const kd = await timeMs(() => once('kd'), 1, 0)
  out.push({ name: `KD student 784-32-10, ${rows} rows × 2 epochs`, value: kd, unit: 'ms', baseline: { name: 'CE only', value: ce }, ratio: ce / kd, meta: { ratioMeaning: 'CE time / KD time: the share of CE speed KD keeps' } })
  return out
}
