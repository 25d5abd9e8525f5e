import { tfjs } from '../core/tfjs'
import type { GemmShape, GemmVariant } from './variants'

// The fallback provider: tfjs matMul on the active backend. tfjs-wasm's transposed-operand path is ~10×
// slower than transposing first (docs/performance.md "tfjs backends"), so transposes are explicit.
export function tfjsGemm(v: GemmVariant, a: Float32Array, b: Float32Array, { m, k, n }: GemmShape, c: Float32Array | undefined, out: Float32Array | undefined): Float32Array {
  const size = m * n
  const y = out ?? new Float32Array(size)
  // read on first use: a process whose GEMM is MLAS never loads tfjs for it (core/tfjs.ts)
  const tf = tfjs()
  const p = tf.tidy(() => {
    const ta = v.transA ? tf.transpose(tf.tensor2d(a.subarray(0, m * k), [k, m])) : tf.tensor2d(a.subarray(0, m * k), [m, k])
    const tb = v.transB ? tf.transpose(tf.tensor2d(b.subarray(0, k * n), [n, k])) : tf.tensor2d(b.subarray(0, k * n), [k, n])
    return tf.matMul(ta, tb)
  })
  const prod = p.dataSync() as Float32Array
  p.dispose()
  if (!v.beta) y.set(prod.subarray(0, size))
  else if (v.alpha < 0) for (let i = 0; i < size; i++) y[i] = c![i]! - prod[i]!
  else for (let i = 0; i < size; i++) y[i] = c![i]! + prod[i]!
  return y
}
