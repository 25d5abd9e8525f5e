import * as tf from '@tensorflow/tfjs-core'
import { adapterLabel, FcArch } from '../shared/index'
import { initBackend } from '../electron/engine/runtime/backend'
import { computeAnalyticKernels } from '../electron/engine/ntk/analytic'
import { buildModel, mlpArch } from '../electron/engine/models/build'
import { trainModel } from '../electron/engine/models/train'
import { QUICK, timeMs, type BenchResult } from './types'

// WebGPU against wasm in the same process, on the same work: matmul, the analytic NTK+NNGP (wasm with
// its default threads, webgpu on its one device) and an epoch of MLP training. ratio = wasm time / webgpu
// time (> 1: webgpu faster). Every read is `await data()`, the only read-back WebGPU has in Node.
// Where no GPU exists run it on SwiftShader:
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium npm run bench webgpu

async function matmulMs(n: number): Promise<number> {
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1)
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2)
  const ms = await timeMs(async () => {
    const c = tf.matMul(a, b)
    await c.data()
    c.dispose()
  }, 3, 1)
  tf.dispose([a, b])
  return ms
}

function points(n: number, d: number): Float32Array {
  let s = 9
  return Float32Array.from({ length: n * d }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5)
}

const ARCH = FcArch.parse({ depth: 3, activation: { name: 'relu' }, wStd: 1.4, bStd: 0.1 })

async function kernelMs(n: number, d: number): Promise<number> {
  const x = points(n, d)
  return timeMs(() => computeAnalyticKernels({ data: x, rows: n, cols: d }, null, ARCH, { kernels: ['ntk', 'nngp'] }), 3, 1)
}

async function trainSamplesPerSecond(n: number, d: number): Promise<number> {
  const x = tf.tensor2d(points(n, d), [n, d])
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10)
  const model = buildModel(mlpArch([256, 256], 'relu'), { inputShape: [d], outputs: 10, seed: 0 })
  await trainModel({ model, x: tf.slice(x, 0, 256), labels: labels.subarray(0, 256), epochs: 1, batchSize: 128, optimizer: 'adam', learningRate: 1e-3, seed: 0 }) // warm-up: shaders, kernels
  const r = await trainModel({ model, x, labels, epochs: 1, batchSize: 128, optimizer: 'adam', learningRate: 1e-3, seed: 1 })
  model.dispose()
  x.dispose()
  return n / r.history[0]!.seconds
}

interface Workload {
  name: string
  unit: 'ms' | 'samples/s'
  measure: () => Promise<number>
}

export async function run(): Promise<BenchResult[]> {
  const sizes = QUICK ? [256] : [256, 512, 1024]
  const kn = QUICK ? 256 : 512
  const tn = QUICK ? 1024 : 4096
  const work: Workload[] = [
    ...sizes.map((n): Workload => ({ name: `matmul ${n}×${n}`, unit: 'ms', measure: () => matmulMs(n) })),
    { name: `analytic NTK+NNGP, depth-3 ReLU, n = ${kn}, d = 64`, unit: 'ms', measure: () => kernelMs(kn, 64) },
    { name: `MLP 64-256-256-10 training, ${tn} rows, batch 128`, unit: 'samples/s', measure: () => trainSamplesPerSecond(tn, 64) },
  ]
  const wasm = await initBackend('wasm')
  if (wasm.choice !== 'wasm') throw new Error('the wasm baseline could not be initialised')
  const base: number[] = []
  for (const w of work) base.push(await w.measure())
  const gpu = await initBackend('webgpu')
  if (gpu.choice !== 'webgpu') {
    const why = gpu.tried.find((t) => t.name === 'webgpu')?.reason ?? 'unknown'
    process.stderr.write(`bench webgpu: skipped, no WebGPU device: ${why}\n`)
    return [{ name: 'webgpu vs wasm: skipped (no WebGPU device)', value: 0, unit: '', meta: { reason: why } }]
  }
  const adapter = gpu.adapter ? adapterLabel(gpu.adapter) : 'unknown adapter'
  const out: BenchResult[] = []
  for (const [i, w] of work.entries()) {
    const v = await w.measure()
    const ratio = w.unit === 'ms' ? base[i]! / v : v / base[i]!
    out.push({
      name: `${w.name} on webgpu`,
      value: Math.round(v * 10) / 10,
      unit: w.unit,
      baseline: { name: `${w.name} on wasm`, value: Math.round(base[i]! * 10) / 10 },
      ratio: Math.round(ratio * 1000) / 1000,
      meta: { adapter, software: gpu.adapter?.software ?? null, ratioMeaning: 'wasm time / webgpu time (> 1: webgpu faster)' },
    })
  }
  await initBackend('auto')
  return out
}
