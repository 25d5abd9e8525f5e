// Shapes shared by the quantizers. A weight tensor is viewed as a matrix [R, C] with C = its last axis (the
// output channels of a Keras Dense kernel [in, out] or Conv2D kernel [kh, kw, in, out]) and R = the product of
// the leading axes. Granularity decides which elements share one set of quantization parameters (a "slice").

export type Granularity = { kind: 'tensor' } | { kind: 'channel' } | { kind: 'group'; size: number }
export type Scheme = 'symmetric' | 'affine'
export type RangeCalibration = { kind: 'minmax' } | { kind: 'percentile'; p: number } | { kind: 'mse' } | { kind: 'kl' }
export type Method = 'uniform' | 'power' | 'kmeans'

export interface WeightQuantSpec {
  /** 2..16 */
  bits: number
  scheme: Scheme
  granularity: Granularity
  calibration: RangeCalibration
  method: Method
}

/**
 * A quantized weight. Codes are unsigned integers in [0, 2^bits − 1], one per element in C order. Slice k has
 * scale s_k and zero point z_k (uniform, power) or a codebook of 2^bits centroids (kmeans). Dequantisation
 * (in float32, exactly what the packed-format loader computes):
 *   uniform  x̂ = s·(q − z)
 *   power    t = s·(q − z),  x̂ = sign(t)·|t|^(1/a)
 *   kmeans   x̂ = codebook_k[q]
 */
export interface QuantizedWeight {
  shape: number[]
  bits: number
  method: Method
  scheme: Scheme
  granularity: Granularity
  codes: Uint16Array
  /** one per slice (uniform, power) */
  scales: Float32Array | null
  zeroPoints: Float32Array | null
  /** slices × 2^bits centroids (kmeans) */
  codebooks: Float32Array | null
  /** power exponent a (power) */
  exponent: number | null
  /** dequantised values, float32 */
  values: Float32Array
}

export interface Matrix2D {
  rows: number
  cols: number
}

/** [R, C] view of a weight shape: C = last axis, R = the rest (a 1-D tensor is one row). */
export function matrixView(shape: readonly number[]): Matrix2D {
  if (shape.length === 0) return { rows: 1, cols: 1 }
  const cols = shape[shape.length - 1]!
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1)
  return { rows, cols }
}
