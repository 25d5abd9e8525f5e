import { UserError } from '../../../../shared/errors'
import type { Range } from './types'

// Percentile calibration (McKinstry et al., "Discovering Low-Precision Networks Close to Full-Precision
// Networks for Efficient Embedded Inference", 2018; Wu et al., "Integer Quantization for Deep Learning
// Inference", 2020): clip at the P-th and (100 − P)-th percentiles, linear interpolation between order
// statistics as numpy.percentile's default.
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length
  if (n === 0) return 0
  const pos = (p / 100) * (n - 1)
  const i = Math.floor(pos)
  const f = pos - i
  return i + 1 < n ? sorted[i]! + f * (sorted[i + 1]! - sorted[i]!) : sorted[n - 1]!
}

export function percentileRange(values: ArrayLike<number>, p: number): Range {
  if (!(p > 50 && p <= 100)) throw new UserError('bad_percentile', `percentile ${p}: expected a number in (50, 100]`, 'e.g. --calib percentile:99.99')
  const sorted = Float64Array.from(values).sort()
  return { lo: percentile(sorted, 100 - p), hi: percentile(sorted, p) }
}
