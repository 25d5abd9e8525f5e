import * as tf from '@tensorflow/tfjs-core'
import type { BackendBenchmarkResult } from '../../../../shared/jobs/results'
import type { JobRunner } from '../../core/job'

const ELEMENTWISE: { op: string; f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor }[] = [
  { op: 'mul', f: (a, b) => tf.mul(a, b) },
  { op: 'add', f: (a, b) => tf.add(a, b) },
  { op: 'relu', f: (a) => tf.relu(a) },
  { op: 'exp', f: (a) => tf.exp(a) },
]

/** Wall time of one op including reading it back (dataSync forces the backend to finish). */
function timeOnce(fn: () => tf.Tensor): number {
  const t0 = performance.now()
  const out = fn()
  out.dataSync()
  const ms = performance.now() - t0
  out.dispose()
  return ms
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

// Measures what the active backend really does on this machine: square matmul GFLOP/s (2n³ flops) and
// elementwise throughput, each the median of `repeats` timed runs after one warm-up.
export const run: JobRunner<'backend-benchmark'> = async (spec, ctx) => {
  const matmulWork = spec.matmulSizes.map((n) => 2 * n ** 3 * (spec.repeats + 1))
  const elemWork = spec.elementwiseSizes.map((s) => s * ELEMENTWISE.length * (spec.repeats + 1) * 30)
  const total = [...matmulWork, ...elemWork].reduce((a, b) => a + b, 0)
  let done = 0
  const result: BackendBenchmarkResult = { backend: ctx.backend, matmul: [], elementwise: [] }

  for (const [i, n] of spec.matmulSizes.entries()) {
    const a = tf.randomUniform([n, n], -1, 1, 'float32', spec.seed)
    const b = tf.randomUniform([n, n], -1, 1, 'float32', spec.seed + 1)
    try {
      const times: number[] = []
      for (let r = 0; r <= spec.repeats; r++) {
        ctx.throwIfCancelled()
        const ms = timeOnce(() => tf.matMul(a, b))
        if (r > 0) times.push(ms)
        done += matmulWork[i]! / (spec.repeats + 1)
        ctx.progress(done / total, `matmul ${n}×${n} (${r}/${spec.repeats})`)
        await ctx.yield()
      }
      const ms = median(times)
      const gflops = (2 * n ** 3) / (ms / 1000) / 1e9
      result.matmul.push({ n, ms, gflops })
      ctx.metric('matmul_gflops', n, gflops)
      ctx.log('info', `matmul ${n}: ${ms.toFixed(2)} ms, ${gflops.toFixed(2)} GFLOP/s`)
    } finally {
      a.dispose()
      b.dispose()
    }
  }

  for (const [i, size] of spec.elementwiseSizes.entries()) {
    const a = tf.randomUniform([size], -1, 1, 'float32', spec.seed + 2)
    const b = tf.randomUniform([size], -1, 1, 'float32', spec.seed + 3)
    try {
      for (const { op, f } of ELEMENTWISE) {
        const times: number[] = []
        for (let r = 0; r <= spec.repeats; r++) {
          ctx.throwIfCancelled()
          const ms = timeOnce(() => f(a, b))
          if (r > 0) times.push(ms)
          done += elemWork[i]! / ELEMENTWISE.length / (spec.repeats + 1)
          ctx.progress(done / total, `${op} on ${size.toLocaleString('en-US')} floats`)
          await ctx.yield()
        }
        const ms = median(times)
        const gelemPerS = size / (ms / 1000) / 1e9
        result.elementwise.push({ op, size, ms, gelemPerS })
        ctx.metric(`${op}_gelem_per_s`, size, gelemPerS)
      }
    } finally {
      a.dispose()
      b.dispose()
    }
  }
  ctx.progress(1, 'done')
  return result
}
