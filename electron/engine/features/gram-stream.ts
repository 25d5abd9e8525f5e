import * as tf from '@tensorflow/tfjs-core'

// G = ΦᵀΦ (m×m) summed over row blocks Φ_b of Φ without an m×m tensor on the backend. Each block adds its
// column tiles of the upper triangle, G[0:j₁, j₀:j₁] += Φ_bᵀ[0:j₁, :] Φ_b[:, j₀:j₁] (tiles of T columns), read
// back and summed into one Float32Array here; the lower triangle is mirrored once at the end. The tiles
// cost (1 + T/m)/2 of the full product's flops (G is symmetric), and the backend holds Φ_b, Φ_bᵀ and one
// m×T tile at a time. Why: the former G ← G + Φ_bᵀΦ_b on tfjs kept three m×m float32 tensors alive per
// block in the wasm heap, which never shrinks (0.8 GB at m = 8 192; docs/performance.md).

export class GramAccumulator {
  readonly g: Float32Array
  private done = false

  constructor(
    readonly m: number,
    private readonly tile = 1024,
  ) {
    this.g = new Float32Array(m * m)
  }

  /** G += Φ_bᵀ Φ_b for a row-major rows × m block. */
  add(phi: Float32Array, rows: number): void {
    if (this.done) throw new Error('GramAccumulator: add after finish')
    const { m, tile, g } = this
    const p = tf.tensor2d(phi, [rows, m])
    const pt = tf.transpose(p) // explicit transpose: the transposed-operand matMul is ~11× slower on wasm
    try {
      for (let j0 = 0; j0 < m; j0 += tile) {
        const j1 = Math.min(m, j0 + tile)
        const w = j1 - j0
        const part = tf.tidy(() => tf.matMul(j1 === m ? pt : tf.slice(pt, [0, 0], [j1, rows]), w === m ? p : tf.slice(p, [0, j0], [rows, w])))
        const t = part.dataSync() as Float32Array
        part.dispose()
        for (let r = 0; r < j1; r++) {
          const o = r * m + j0
          const s = r * w
          for (let c = 0; c < w; c++) g[o + c] = g[o + c]! + t[s + c]!
        }
      }
    } finally {
      p.dispose()
      pt.dispose()
    }
  }

  /** The full symmetric G (upper triangle mirrored down). */
  finish(): Float32Array {
    if (!this.done) {
      const { m, g } = this
      for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) g[j * m + i] = g[i * m + j]!
      this.done = true
    }
    return this.g
  }
}
