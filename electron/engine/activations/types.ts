import type * as tf from '@tensorflow/tfjs-core'

/**
 * One tile of the pairwise kernel state entering an activation (docs/math.md §1): Σ is rows×cols, q1 the
 * variances of the row points as a [rows, 1] column, q2 those of the column points as a [1, cols] row.
 * `pin` is set on tiles that hold the diagonal of a kernel of x with itself: 1 where row = column and −1
 * elsewhere, so correlations of a point with itself are exactly 1 despite float32 rounding (which would
 * otherwise make acos(1 − ulp) ≈ 3.5e-4 and bias Ṫ by ~1e-4).
 */
export interface PairTile {
  s: tf.Tensor2D
  q1: tf.Tensor2D
  q2: tf.Tensor2D
  pin: tf.Tensor2D | null
}

/** T(Σ, q1, q2) and, when asked, Ṫ(Σ, q1, q2): the NNGP and derivative (NTK) dual maps of φ. */
export interface DualMaps {
  t: tf.Tensor2D
  /** rows×cols, or a scalar when Ṫ is constant */
  tDot: tf.Tensor | null
}

/**
 * An activation φ for both finite networks (forward φ and φ′ as tfjs ops) and infinite ones (the dual
 * maps T, Ṫ on kernel tiles and the diagonal map q ← T(q, q, q)).
 */
export interface ActivationKernel {
  readonly name: string
  /** set on the ABReLU family (φ = a·min(x, 0) + b·max(x, 0)): FC kernel tiles then run one fused loop (ntk/fc-fused.ts) */
  readonly abRelu?: { a: number; b: number }
  /** φ(x), elementwise */
  phi(x: tf.Tensor): tf.Tensor
  /** φ′(x), elementwise (a.e. for kinks) */
  dphi(x: tf.Tensor): tf.Tensor
  /** T and, if `needDot`, Ṫ on a tile */
  dual(k: PairTile, needDot: boolean): DualMaps
  /** q ← T(q, q, q) on a vector of variances (any shape) */
  diag(q: tf.Tensor2D): tf.Tensor2D
  /**
   * The same dual maps at one entry in float64, for the spatial (convolutional) kernels, whose per-position
   * loops run on plain typed arrays (layers/activation.ts): writes T to out[0] and Ṫ to out[1]. T(q, q, q)
   * is the diagonal map. Absent on the quadrature activations, which only the FC kernel takes.
   */
  dualAt?(s: number, q1: number, q2: number, out: Float64Array): void
  /**
   * dualAt over a run of n entries in place: Σ ← T, Θ ← Θ·Ṫ (ntk null: Σ only), the k-th entry with variances
   * q1[o1 + k·step1], q2[o2 + k]. A hand-inlined loop where the per-entry call measured 2× slower (ReLU family).
   */
  dualRun?(sig: Float64Array, ntk: Float64Array | null, off: number, n: number, q1: Float64Array, o1: number, step1: number, q2: Float64Array, o2: number): void
}
