import * as tf from '@tensorflow/tfjs-core'
import type { FeatureMap, Points } from './types'

// Approximation error of a feature map against the exact kernel K (n×n, row-major):
//   ‖ΦΦᵀ − K‖_F / ‖K‖_F,
// with ΦΦᵀ formed block row by block row (never more than a block × n of it at once).

export async function featuresOfAll(map: FeatureMap, x: Points, yieldNow?: () => Promise<void>): Promise<Float32Array> {
  const dim = map.dim
  const out = new Float32Array(x.rows * dim)
  for (let r0 = 0; r0 < x.rows; r0 += map.blockRows) {
    const rows = Math.min(map.blockRows, x.rows - r0)
    const src = x.data.subarray(r0 * x.cols, (r0 + rows) * x.cols)
    out.set(await map.apply(src instanceof Float32Array ? src : Float32Array.from(src), rows), r0 * dim)
    await yieldNow?.()
  }
  return out
}

export function relativeKernelError(phi: Float32Array, n: number, dim: number, exact: Float32Array): number {
  let num = 0
  let den = 0
  const block = 512
  const all = tf.tensor2d(phi, [n, dim])
  const allT = tf.transpose(all)
  try {
    for (let r0 = 0; r0 < n; r0 += block) {
      const rows = Math.min(block, n - r0)
      const g = tf.tidy(() => tf.matMul(tf.slice(all, [r0, 0], [rows, dim]), allT).dataSync() as Float32Array)
      for (let i = 0; i < rows * n; i++) {
        const e = exact[r0 * n + i]!
        const d = g[i]! - e
        num += d * d
        den += e * e
      }
    }
  } finally {
    all.dispose()
    allT.dispose()
  }
  return Math.sqrt(num / den)
}
