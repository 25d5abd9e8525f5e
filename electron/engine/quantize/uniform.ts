import { roundHalfEven } from './rounding'

// Uniform quantization (Jacob et al., "Quantization and Training of Neural Networks for Efficient
// Integer-Arithmetic-Only Inference", CVPR 2018, eq. 1; Nagel et al., "A White Paper on Neural Network
// Quantization", 2021, §2.2):
//   q = clamp(round(x/s) + z, 0, 2^b − 1),   x̂ = s·(q − z)
// Affine: s = (hi − lo)/(2^b − 1) over a range widened to contain 0, z = round(−lo/s), so x = 0 is exact.
// Symmetric: z = 2^(b−1), s = max|x|/(2^(b−1) − 1): the restricted signed grid ±(2^(b−1) − 1) (code 0 unused),
// exact 0 and the same number of levels on both sides.

export interface UniformParams {
  /** float32-representable step */
  scale: number
  /** integer zero point in [0, qmax] */
  zeroPoint: number
  /** largest code, 2^b − 1 */
  qmax: number
  /** smallest code used: 0 (affine) or 1 (symmetric) */
  qmin: number
}

export function affineParams(lo: number, hi: number, bits: number): UniformParams {
  const qmax = 2 ** bits - 1
  const a = Math.min(lo, 0)
  const b = Math.max(hi, 0)
  if (!(b > a)) return { scale: 1, zeroPoint: 0, qmax, qmin: 0 }
  const scale = Math.fround((b - a) / qmax)
  const zeroPoint = Math.min(qmax, Math.max(0, roundHalfEven(-a / scale)))
  return { scale, zeroPoint, qmax, qmin: 0 }
}

export function symmetricParams(absMax: number, bits: number): UniformParams {
  const half = 2 ** (bits - 1)
  const scale = absMax > 0 ? Math.fround(absMax / (half - 1)) : 1
  return { scale, zeroPoint: half, qmax: 2 * half - 1, qmin: 1 }
}

export function quantizeCode(x: number, p: UniformParams): number {
  const q = roundHalfEven(x / p.scale) + p.zeroPoint
  return q < p.qmin ? p.qmin : q > p.qmax ? p.qmax : q
}

export function dequantizeCode(q: number, p: { scale: number; zeroPoint: number }): number {
  return Math.fround(p.scale * (q - p.zeroPoint))
}

/** Σ (x − x̂)² over values, in float64 (the objective of the range searches). */
export function uniformSquaredError(values: ArrayLike<number>, p: UniformParams): number {
  let e = 0
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!
    const d = x - dequantizeCode(quantizeCode(x, p), p)
    e += d * d
  }
  return e
}
