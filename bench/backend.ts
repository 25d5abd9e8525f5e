import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../electron/engine/runtime/backend'
import { QUICK, timeMs, type BenchResult } from './types'

function gflops(n: number, ms: number): number {
  return (2 * n ** 3) / (ms / 1000) / 1e9
}

async function matmulMs(n: number): Promise<number> {
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1)
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2)
  const ms = await timeMs(() => tf.tidy(() => tf.matMul(a, b)).dataSync(), 3, 1)
  a.dispose()
  b.dispose()
  return ms
}

/** The textbook i-k-j triple loop in plain JS, float32: the baseline any tfjs backend must beat. */
function naiveMatmulMs(n: number): number {
  const a = new Float32Array(n * n).map(() => Math.random())
  const b = new Float32Array(n * n).map(() => Math.random())
  const c = new Float32Array(n * n)
  const t = performance.now()
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!
      for (let j = 0; j < n; j++) c[i * n + j]! += aik * b[k * n + j]!
    }
  return performance.now() - t
}

// The active backend (wasm here) against tfjs-cpu and a plain-JS loop, matmul at the same sizes.
export async function run(): Promise<BenchResult[]> {
  const info = await initBackend('auto')
  const n = QUICK ? 256 : 1024
  const active = await matmulMs(n)
  const naive = naiveMatmulMs(QUICK ? 256 : 512)
  const naiveG = gflops(QUICK ? 256 : 512, naive)
  await import('@tensorflow/tfjs-backend-cpu')
  await tf.setBackend('cpu')
  const cpuN = QUICK ? 256 : 512
  const cpu = await matmulMs(cpuN)
  await tf.setBackend(info.active)
  return [
    {
      name: `matmul ${n}x${n} on ${info.active}`,
      value: gflops(n, active),
      unit: 'GFLOP/s',
      baseline: { name: `tfjs-cpu matmul ${cpuN}`, value: gflops(cpuN, cpu) },
      ratio: gflops(n, active) / gflops(cpuN, cpu),
      meta: { ms: active, ratioMeaning: 'active GFLOP/s / baseline GFLOP/s' },
    },
    {
      name: `matmul ${n}x${n} on ${info.active} vs plain JS loop`,
      value: gflops(n, active),
      unit: 'GFLOP/s',
      baseline: { name: `plain JS i-k-j loop ${QUICK ? 256 : 512}`, value: naiveG },
      ratio: gflops(n, active) / naiveG,
      meta: { ratioMeaning: 'active GFLOP/s / baseline GFLOP/s' },
    },
  ]
}
