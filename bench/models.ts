import * as tf from '@tensorflow/tfjs-core'
import * as tfl from '@tensorflow/tfjs-layers'
import { initBackend } from '../electron/engine/runtime/backend'
import { buildModel, parseArch } from '../electron/engine/models/build'
import { inputTensor } from '../electron/engine/models/data'
import { trainModel } from '../electron/engine/models/train'
import { ensureWasmTrainingKernels } from '../electron/engine/runtime/wasm-training-kernels'
import { exampleDataset } from '../electron/engine/data/examples'
import { QUICK, type BenchResult } from './types'

// Training throughput of layers models on MNIST digits (samples/s), each against a straightforward
// baseline measured in the same run:
//   MLP 784-256-256-10: our loop (trainModel) vs plain tfjs-layers model.fit on the stock wasm kernels
//     (run first, before our kernels are registered), and model.fit again after (isolating the loop);
//   CNN conv16-pool-conv32-pool-dense64: our loop on the active backend (wasm: our Conv2DBackpropFilter)
//     vs model.fit on the cpu backend, the way to train a CNN without it. Seconds per epoch of 8 000 rows
//     are extrapolated from the timed rows.

async function mnist(n: number): Promise<{ x: Float32Array; y: Int32Array }> {
  const d = await exampleDataset('example:mnist')
  const x = new Float32Array(n * 784)
  const s = d.xScale ?? 1
  for (let i = 0; i < x.length; i++) x[i] = d.x[i]! * s
  const raw = d.y!
  const y = Int32Array.from(raw.kind === 'classes' ? raw.indices.slice(0, n) : raw.kind === 'numeric' ? Array.from(raw.values.slice(0, n), Number) : [])
  return { x, y }
}

const MLP = parseArch({ layers: [{ type: 'dense', units: 256, activation: 'relu' }, { type: 'dense', units: 256, activation: 'relu' }] })
/** conv16-pool-conv32-pool-dense64 on 28×28 digits (the readout to 10 classes is added by buildModel) */
export const MNIST_CNN = parseArch({
  input: [28, 28, 1],
  layers: [
    { type: 'conv2d', filters: 16, kernel: 3, activation: 'relu' },
    { type: 'maxpool2d' },
    { type: 'conv2d', filters: 32, kernel: 3, activation: 'relu' },
    { type: 'maxpool2d' },
    { type: 'flatten' },
    { type: 'dense', units: 64, activation: 'relu' },
  ],
})

async function fitSamplesPerSecond(model: tfl.LayersModel, x: tf.Tensor, labels: Int32Array, batch: number): Promise<number> {
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10)
  model.compile({ optimizer: tf.train.adam(1e-3), loss: (a: tf.Tensor, b: tf.Tensor) => tf.losses.softmaxCrossEntropy(a, b) })
  await model.fit(tf.slice(x, 0, Math.min(batch * 2, labels.length)), tf.slice(y, 0, Math.min(batch * 2, labels.length)), { batchSize: batch, epochs: 1, verbose: 0 }) // warm-up
  const t = performance.now()
  await model.fit(x, y, { batchSize: batch, epochs: 1, verbose: 0, shuffle: true })
  const s = (performance.now() - t) / 1000
  y.dispose()
  return labels.length / s
}

async function oursSamplesPerSecond(model: tfl.LayersModel, x: tf.Tensor, labels: Int32Array, batch: number): Promise<number> {
  await trainModel({ model, x: tf.slice(x, 0, Math.min(batch * 2, labels.length)), labels: labels.subarray(0, Math.min(batch * 2, labels.length)), epochs: 1, batchSize: batch, optimizer: 'adam', learningRate: 1e-3, seed: 0 })
  const r = await trainModel({ model, x, labels, epochs: 1, batchSize: batch, optimizer: 'adam', learningRate: 1e-3, seed: 1 })
  return labels.length / r.history[0]!.seconds
}

export async function run(): Promise<BenchResult[]> {
  const backend = await initBackend()
  const nMlp = QUICK ? 1024 : 4096
  const nCnn = QUICK ? 256 : 1024
  const d = await mnist(Math.max(nMlp, nCnn))
  const out: BenchResult[] = []
  const batch = 128

  // MLP
  const xm = inputTensor({ data: d.x.subarray(0, nMlp * 784), shape: [nMlp, 784] }, [784])
  const ym = d.y.subarray(0, nMlp)
  const fresh = (): tfl.LayersModel => buildModel(MLP, { inputShape: [784], outputs: 10, seed: 0 })
  let m = fresh()
  const fitStock = await fitSamplesPerSecond(m, xm, ym, batch)
  m.dispose()
  ensureWasmTrainingKernels()
  m = fresh()
  const fitPatched = await fitSamplesPerSecond(m, xm, ym, batch)
  m.dispose()
  m = fresh()
  const ours = await oursSamplesPerSecond(m, xm, ym, batch)
  m.dispose()
  xm.dispose()
  out.push({
    name: `MLP 784-256-256-10 training, batch ${batch}, ${nMlp} MNIST rows (${backend.active})`,
    value: ours,
    unit: 'samples/s',
    baseline: { name: 'tfjs-layers model.fit on the stock kernels', value: fitStock },
    ratio: ours / fitStock,
    target: '≥ model.fit',
    meta: { fitWithOurKernels: fitPatched, loopVsFitSameKernels: ours / fitPatched, secondsPerEpoch8000: 8000 / ours },
  })

  // CNN
  const xc = inputTensor({ data: d.x.subarray(0, nCnn * 784), shape: [nCnn, 784] }, [28, 28, 1])
  const yc = d.y.subarray(0, nCnn)
  const cnnOurs = await oursSamplesPerSecond(buildModel(MNIST_CNN, { inputShape: [28, 28, 1], outputs: 10, seed: 0 }), xc, yc, 64)
  const xData = xc.dataSync().slice()
  xc.dispose()
  const active = tf.getBackend()
  await initBackend('cpu')
  const xcCpu = tf.tensor(xData, [nCnn, 28, 28, 1])
  const cnnCpu = await fitSamplesPerSecond(buildModel(MNIST_CNN, { inputShape: [28, 28, 1], outputs: 10, seed: 0 }), xcCpu, yc, 64)
  xcCpu.dispose()
  await initBackend(backend.choice)
  out.push({
    name: `CNN conv16-pool-conv32-pool-dense64 training, batch 64, ${nCnn} MNIST rows (${active})`,
    value: cnnOurs,
    unit: 'samples/s',
    baseline: { name: 'tfjs-layers model.fit on the cpu backend (stock wasm cannot train Conv2D)', value: cnnCpu },
    ratio: cnnOurs / cnnCpu,
    meta: { secondsPerEpoch8000: 8000 / cnnOurs, baselineSecondsPerEpoch8000: 8000 / cnnCpu },
  })
  return out
}
