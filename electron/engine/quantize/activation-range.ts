import { klRange } from './range/kl'
import { minMaxRange } from './range/minmax'
import { mseRange, paramsFor } from './range/mse'
import { percentileRange } from './range/percentile'
import type { RangeCalibration } from './types'
import type { FakeQuantGrid } from './fake-quant'

// Activation quantization grid from a layer's outputs on calibration data (Nagel et al. 2021 §3.1; TensorRT
// entropy calibration for 'kl'). Non-negative outputs (after ReLU) get an affine grid [0, hi], so every code
// is spent on values that occur; signed outputs get a symmetric grid, unless `force` asks for affine everywhere
// (the ONNX QDQ export: QuantizeLinear saturates to the full uint8 range, which the restricted symmetric grid
// ±(2^(b−1) − 1) does not match, and ONNX Runtime's quantizer uses asymmetric activation grids too).

export function activationGrid(samples: Float32Array, bits: number, cal: RangeCalibration, force?: 'affine'): FakeQuantGrid {
  let nonNegative = true
  for (let i = 0; i < samples.length; i++) if (samples[i]! < 0) { nonNegative = false; break }
  const scheme = nonNegative || force === 'affine' ? 'affine' : 'symmetric'
  const range =
    cal.kind === 'minmax' ? minMaxRange(samples) : cal.kind === 'percentile' ? percentileRange(samples, cal.p) : cal.kind === 'mse' ? mseRange(samples, scheme, bits) : klRange(samples, bits)
  const p = paramsFor(range, scheme, bits)
  return { scale: p.scale, zeroPoint: p.zeroPoint, qmin: p.qmin, qmax: p.qmax }
}
