import { affineParams, symmetricParams, uniformSquaredError, type UniformParams } from '../uniform'
import { minMaxRange } from './minmax'
import type { Range } from './types'

// MSE-optimal clipping (Banner et al., "Post training 4-bit quantization of convolutional networks for
// rapid-deployment", NeurIPS 2019; Nagel et al. 2021 §3.1): the range α·[lo, hi] of the min-max range that
// minimises Σ (x − Q_α(x))². The error is not convex in α (rounding makes it jagged), so a grid over
// α ∈ (0, 1] comes first and a golden-section search refines the best grid cell.

const GRID = 100
const GOLDEN = (Math.sqrt(5) - 1) / 2

export function paramsFor(range: Range, scheme: 'symmetric' | 'affine', bits: number): UniformParams {
  return scheme === 'symmetric' ? symmetricParams(Math.max(Math.abs(range.lo), Math.abs(range.hi)), bits) : affineParams(range.lo, range.hi, bits)
}

export function mseRange(values: ArrayLike<number>, scheme: 'symmetric' | 'affine', bits: number, base: Range = minMaxRange(values)): Range {
  const at = (a: number): Range => ({ lo: base.lo * a, hi: base.hi * a })
  const err = (a: number) => uniformSquaredError(values, paramsFor(at(a), scheme, bits))
  let best = 1
  let bestErr = err(1)
  for (let k = 1; k < GRID; k++) {
    const a = k / GRID
    const e = err(a)
    if (e < bestErr) {
      bestErr = e
      best = a
    }
  }
  let lo = Math.max(best - 1 / GRID, 1e-6)
  let hi = Math.min(best + 1 / GRID, 1)
  let x1 = hi - GOLDEN * (hi - lo)
  let x2 = lo + GOLDEN * (hi - lo)
  let e1 = err(x1)
  let e2 = err(x2)
  for (let it = 0; it < 24; it++) {
    if (e1 < e2) {
      hi = x2
      x2 = x1
      e2 = e1
      x1 = hi - GOLDEN * (hi - lo)
      e1 = err(x1)
    } else {
      lo = x1
      x1 = x2
      e1 = e2
      x2 = lo + GOLDEN * (hi - lo)
      e2 = err(x2)
    }
  }
  for (const [a, e] of [
    [x1, e1],
    [x2, e2],
  ] as const) {
    if (e < bestErr) {
      bestErr = e
      best = a
    }
  }
  return at(best)
}
