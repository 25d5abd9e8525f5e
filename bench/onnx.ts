import * as tf from '@tensorflow/tfjs-core'
import * as ort from 'onnxruntime-node'
import { exampleDataset } from '../electron/engine/data/examples'
import { buildModel } from '../electron/engine/models/build'
import { filesToModel, modelToFiles } from '../electron/engine/models/io'
import { exportOnnx } from '../electron/engine/onnx/export'
import { buildFromPlan, planOnnxImport } from '../electron/engine/onnx/import'
import { quantizeForOnnx } from '../electron/engine/onnx/qdq'
import { initBackend } from '../electron/engine/runtime/backend'
import { MNIST_CNN } from './models'
import { QUICK, timeMs, type BenchResult } from './types'

// ONNX, on a MNIST-sized CNN (conv16-pool-conv32-pool-dense64-dense10, seeded weights):
//   inference throughput of the float export under ONNX Runtime (onnxruntime-node, CPU, one thread) against the same
//     model in tfjs on the active backend (ratio = ORT samples/s / tfjs samples/s);
//   the int8 QDQ export (per channel, activation quantization) under ONNX Runtime against the float export
//     (ratio = QDQ samples/s / float samples/s: what the fused integer kernels buy);
//   export time (TF.js files → model.onnx bytes) against the TF.js serialisation itself (model.save to
//     memory), and import time (model.onnx → TF.js model) against loading the TF.js files.

export async function run(): Promise<BenchResult[]> {
  const backend = (await initBackend()).active
  const n = QUICK ? 256 : 1024
  const d = await exampleDataset('example:mnist')
  const s = d.xScale ?? 1
  const x = Float32Array.from(d.x.subarray(0, n * 784), (v) => v * s)
  const model = buildModel(MNIST_CNN, { inputShape: [28, 28, 1], outputs: 10, seed: 0 })
  const files = await modelToFiles(model)
  const xt = tf.tensor(x, [n, 28, 28, 1])
  const out: BenchResult[] = []
  try {
    const floatBytes = exportOnnx(files).bytes
    const calib = tf.slice(xt, 0, Math.min(256, n))
    const q = await quantizeForOnnx(model, { granularity: { kind: 'channel' }, scheme: 'symmetric', calibration: { kind: 'minmax' }, activations: { calibration: { kind: 'minmax' } }, calibX: calib })
    calib.dispose()
    const qdqBytes = exportOnnx(files, { plan: q.plan }).bytes
    q.model.dispose()

    const tfjsMs = await timeMs(() => tf.tidy(() => (model.apply(xt, { training: false }) as tf.Tensor).dataSync()))
    // one intra-op thread: tfjs wasm runs on one here too, and the figure does not depend on what else runs
    const opts = { intraOpNumThreads: 1 }
    const session = await ort.InferenceSession.create(floatBytes, opts)
    const qsession = await ort.InferenceSession.create(qdqBytes, opts)
    const feed = { input: new ort.Tensor('float32', x, [n, 28, 28, 1]) }
    const ortMs = await timeMs(() => session.run(feed))
    const qdqMs = await timeMs(() => qsession.run(feed))
    await session.release()
    await qsession.release()
    out.push({
      name: 'onnx-float-inference',
      value: (n * 1000) / ortMs,
      unit: 'samples/s',
      baseline: { name: `tfjs ${backend} model.apply`, value: (n * 1000) / tfjsMs },
      ratio: tfjsMs / ortMs,
      meta: { rows: n, backend, ortThreads: 1, ratioMeaning: 'ORT samples/s ÷ tfjs samples/s' },
    })
    out.push({
      name: 'onnx-qdq-int8-inference',
      value: (n * 1000) / qdqMs,
      unit: 'samples/s',
      baseline: { name: 'ORT float export', value: (n * 1000) / ortMs },
      ratio: ortMs / qdqMs,
      meta: { rows: n, bytes: qdqBytes.byteLength, floatBytes: floatBytes.byteLength, ratioMeaning: 'QDQ samples/s ÷ float samples/s, both ORT' },
    })

    const exportMs = await timeMs(() => exportOnnx(files), 5)
    const saveMs = await timeMs(() => modelToFiles(model), 5)
    out.push({ name: 'onnx-export', value: exportMs, unit: 'ms', baseline: { name: 'TF.js model.save to memory', value: saveMs }, ratio: saveMs / exportMs })
    const importMs = await timeMs(() => buildFromPlan(planOnnxImport(floatBytes)).dispose(), 5)
    const loadMs = await timeMs(async () => (await filesToModel(files)).dispose(), 5)
    out.push({ name: 'onnx-import', value: importMs, unit: 'ms', baseline: { name: 'tf.loadLayersModel of the TF.js files', value: loadMs }, ratio: loadMs / importMs })
  } finally {
    xt.dispose()
    model.dispose()
  }
  return out
}
