// Run by webgpu-backend.test.ts in a child process started with the SwiftShader Vulkan driver in its
// environment (a process cannot change where it loads libvulkan from once started). Prints one JSON line.
import * as tf from '@tensorflow/tfjs-core'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { backendInfo, initBackend } from '../../../electron/engine/runtime/backend'
import { executeJob } from '../../../electron/engine/jobs/execute'
import { DirArtifactSink } from '../../../electron/engine/jobs/dir-sink'
import { createDataResolver } from '../../../electron/engine/jobs/data-resolver'
import { writeNpy } from '../../../electron/engine/io/npy'
import type { JobEvent, JobSpecInput } from '../../../shared/index'
import { computeAnalyticKernels } from '../../../electron/engine/ntk/analytic'
import { buildModel, mlpArch } from '../../../electron/engine/models/build'
import { trainModel } from '../../../electron/engine/models/train'
import { FcArch } from '../../../shared/arch'

interface GpuMemory {
  numTensors: number
  numBytesInGPU?: number
}

function gpuBuffers(): { used: number; free: number } {
  const m = (tf.backend() as unknown as { bufferManager: { getNumUsedBuffers(): number; getNumFreeBuffers(): number } }).bufferManager
  return { used: m.getNumUsedBuffers(), free: m.getNumFreeBuffers() }
}

const info = await initBackend('webgpu')
const out: Record<string, unknown> = { active: info.active, adapter: info.adapter }

// Memory: kernels and training, several rounds; tensors and GPU bytes in use must come back to where they were.
const rng = (() => {
  let s = 7
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5
})()
const n = 48
const d = 12
const x = new Float32Array(n * d).map(() => rng())
const labels = Int32Array.from({ length: n }, (_, i) => i % 3)
const before = tf.memory() as GpuMemory
const rounds: { numTensors: number; bytesInGpu: number; usedBuffers: number }[] = []
for (let r = 0; r < 3; r++) {
  await computeAnalyticKernels({ data: x, rows: n, cols: d }, null, FcArch.parse({ depth: 2, activation: { name: 'relu' }, wStd: 1.4, bStd: 0.1 }), { kernels: ['ntk', 'nngp'] })
  const model = buildModel(mlpArch([16], 'relu'), { inputShape: [d], outputs: 3, seed: r })
  const xt = tf.tensor2d(x, [n, d])
  await trainModel({ model, x: xt, labels, epochs: 1, batchSize: 16, optimizer: 'adam', learningRate: 1e-3, seed: r })
  xt.dispose()
  model.dispose()
  const m = tf.memory() as GpuMemory
  rounds.push({ numTensors: m.numTensors, bytesInGpu: m.numBytesInGPU ?? -1, usedBuffers: gpuBuffers().used })
}
out.memory = { before: { numTensors: before.numTensors, bytesInGpu: before.numBytesInGPU ?? -1 }, rounds }

// Device loss in the middle of a kernel job: the job fails saying so; the next job falls back to the next
// backend and records it, and `ntkw info` would say why webgpu is no longer used.
const dir = mkdtempSync(path.join(tmpdir(), 'ntkw-webgpu-child-'))
const xPath = path.join(dir, 'x.npy')
writeNpy(xPath, new Float32Array(200 * d).map(() => rng()), [200, d])
const spec: JobSpecInput = { kind: 'kernel', x: { type: 'npy', path: xPath }, arch: { depth: 2, activation: { name: 'relu' } }, kernels: ['ntk'], tileSize: 64, heatmapSize: 0, spectrumPoints: 0 }
const device = (tf.backend() as unknown as { device: GPUDevice }).device
const job = (onEvent: (e: JobEvent) => void) =>
  executeJob(spec, { runId: 'r', signal: new AbortController().signal, emit: onEvent, artifacts: new DirArtifactSink(dir), data: createDataResolver() })
const firstEvents: JobEvent[] = []
let destroyed = false
const lostRun = await job((e) => {
  firstEvents.push(e)
  if (e.type === 'progress' && !destroyed) {
    destroyed = true
    device.destroy()
  }
})
out.lostRun = { outcome: lostRun, started: firstEvents.find((e) => e.type === 'started') }
const nextEvents: JobEvent[] = []
const nextRun = await job((e) => nextEvents.push(e))
const after = backendInfo()!
out.nextRun = { state: nextRun.state, started: nextEvents.find((e) => e.type === 'started'), webgpu: after.tried.find((t) => t.name === 'webgpu'), active: after.active }
rmSync(dir, { recursive: true, force: true })
process.stdout.write(JSON.stringify(out) + '\n')
