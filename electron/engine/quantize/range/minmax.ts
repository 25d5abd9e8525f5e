import type { Range } from './types'

// Min-max calibration: the range spans the observed values, so nothing is clipped and the step is the
// largest of all calibrations (Nagel et al., "A White Paper on Neural Network Quantization", 2021, §3.1).
export function minMaxRange(values: ArrayLike<number>): Range {
  let lo = Infinity
  let hi = -Infinity
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  if (values.length === 0) return { lo: 0, hi: 0 }
  return { lo, hi }
}
