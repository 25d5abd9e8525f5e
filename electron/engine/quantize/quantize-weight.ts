import { UserError } from '../../../shared/errors'
import { sliceLayout } from './granularity'
import { lloydMax, nearestCentroid } from './kmeans'
import { POWER_EXPONENTS, powerForward, powerInverse } from './power'
import { klRange } from './range/kl'
import { minMaxRange } from './range/minmax'
import { mseRange, paramsFor } from './range/mse'
import { percentileRange } from './range/percentile'
import type { Range } from './range/types'
import type { QuantizedWeight, RangeCalibration, Scheme, WeightQuantSpec } from './types'
import { dequantizeCode, quantizeCode } from './uniform'

// One weight tensor → codes + parameters + dequantised values, for any method × granularity × calibration.

export interface QuantizeWeightOptions {
  /** name used in error messages */
  name?: string
  /** power method: the error to minimise over exponents (default Σ (w − ŵ)²); e.g. the layer's output error */
  objective?: (values: Float32Array) => number
  /** power method: exponents to try (default 0.2, 0.25, ..., 1.5) */
  exponents?: readonly number[]
}

export function checkBits(bits: number, method: WeightQuantSpec['method']): void {
  const ok = Number.isInteger(bits) && ((bits >= 2 && bits <= 8) || (bits === 16 && method === 'uniform'))
  if (!ok) {
    throw new UserError('bad_bits', `${bits} bits: ${method} quantization takes ${method === 'uniform' ? '2..8 or 16' : '2..8'} bits`, method === 'uniform' ? 'e.g. --bits 8 (2..8, or 16)' : `e.g. --bits 4 (${method}: 2..8)`)
  }
}

function calibrate(values: Float64Array, cal: RangeCalibration, scheme: Scheme, bits: number): Range {
  switch (cal.kind) {
    case 'minmax':
      return minMaxRange(values)
    case 'percentile':
      return percentileRange(values, cal.p)
    case 'mse':
      return mseRange(values, scheme, bits)
    case 'kl':
      return klRange(values, bits)
  }
}

function gather(values: ArrayLike<number>, idx: Int32Array, out: Float64Array, map?: (x: number) => number): Float64Array {
  for (let i = 0; i < idx.length; i++) out[i] = map ? map(values[idx[i]!]!) : values[idx[i]!]!
  return out
}

function uniformCodes(
  source: ArrayLike<number>,
  members: Int32Array[],
  spec: WeightQuantSpec,
  scheme: Scheme,
): { codes: Uint16Array; scales: Float32Array; zeroPoints: Float32Array; grid: Float32Array } {
  const n = source.length
  const codes = new Uint16Array(n)
  const grid = new Float32Array(n)
  const scales = new Float32Array(members.length)
  const zeroPoints = new Float32Array(members.length)
  const buf = new Float64Array(members[0]?.length ?? 0)
  members.forEach((idx, k) => {
    const vals = gather(source, idx, buf)
    const p = paramsFor(calibrate(vals, spec.calibration, scheme, spec.bits), scheme, spec.bits)
    scales[k] = p.scale
    zeroPoints[k] = p.zeroPoint
    for (let i = 0; i < idx.length; i++) {
      const q = quantizeCode(vals[i]!, p)
      codes[idx[i]!] = q
      grid[idx[i]!] = dequantizeCode(q, p)
    }
  })
  return { codes, scales, zeroPoints, grid }
}

export function quantizeWeight(values: Float32Array, shape: number[], spec: WeightQuantSpec, opts: QuantizeWeightOptions = {}): QuantizedWeight {
  checkBits(spec.bits, spec.method)
  const n = values.length
  if (shape.reduce((a, b) => a * b, 1) !== n) throw new Error(`quantizeWeight: shape ${JSON.stringify(shape)} does not match ${n} values`)
  for (let i = 0; i < n; i++) if (!Number.isFinite(values[i]!)) throw new UserError('non_finite_weight', `${opts.name ?? 'weight'} holds NaN or Inf at index ${i}`, 'Retrain or repair the model; quantization needs finite weights.')
  const members = sliceLayout(shape, spec.granularity, opts.name).members()
  const base = { shape: [...shape], bits: spec.bits, method: spec.method, scheme: spec.scheme, granularity: spec.granularity }

  if (spec.method === 'uniform') {
    const u = uniformCodes(values, members, spec, spec.scheme)
    return { ...base, codes: u.codes, scales: u.scales, zeroPoints: u.zeroPoints, codebooks: null, exponent: null, values: u.grid }
  }

  if (spec.method === 'kmeans') {
    const k = 2 ** spec.bits
    const codes = new Uint16Array(n)
    const out = new Float32Array(n)
    const codebooks = new Float32Array(members.length * k)
    const buf = new Float64Array(members[0]?.length ?? 0)
    members.forEach((idx, s) => {
      const c = Float32Array.from(lloydMax(gather(values, idx, buf), k).centroids)
      codebooks.set(c, s * k)
      for (let i = 0; i < idx.length; i++) {
        const q = nearestCentroid(values[idx[i]!]!, c)
        codes[idx[i]!] = q
        out[idx[i]!] = c[q]!
      }
    })
    return { ...base, scheme: 'symmetric', codes, scales: null, zeroPoints: null, codebooks, exponent: null, values: out }
  }

  // power: symmetric grid in the transformed domain, exponent searched on the objective
  const objective =
    opts.objective ??
    ((v: Float32Array) => {
      let e = 0
      for (let i = 0; i < n; i++) e += (v[i]! - values[i]!) ** 2
      return e
    })
  let best: QuantizedWeight | null = null
  let bestErr = Infinity
  const tryExponent = (a: number) => {
    const t = Float64Array.from(values, (x) => powerForward(x, a))
    const u = uniformCodes(t, members, spec, 'symmetric')
    const out = Float32Array.from(u.grid, (g) => powerInverse(g, a))
    const e = objective(out)
    if (e < bestErr) {
      bestErr = e
      best = { ...base, scheme: 'symmetric', codes: u.codes, scales: u.scales, zeroPoints: u.zeroPoints, codebooks: null, exponent: a, values: out }
    }
  }
  const grid = opts.exponents ?? POWER_EXPONENTS
  grid.forEach(tryExponent)
  // refine between the grid neighbours of the best exponent
  if (!opts.exponents) {
    const a0 = (best as QuantizedWeight | null)?.exponent ?? 1
    for (let d = -0.04; d <= 0.0401; d += 0.01) {
      const a = Math.round((a0 + d) * 100) / 100
      if (a > 0.05 && Math.abs(d) > 1e-9) tryExponent(a)
    }
  }
  return best!
}

/**
 * Re-rounds new values onto an existing grid (same slices, scales, zero points, exponent): the fast step QAT
 * repeats after every update, between recalibrations.
 */
export function requantize(values: Float32Array, grid: QuantizedWeight): QuantizedWeight {
  if (grid.method === 'kmeans') throw new Error('requantize: codebooks are refitted, not re-rounded')
  const layout = sliceLayout(grid.shape, grid.granularity)
  const codes = new Uint16Array(values.length)
  const out = new Float32Array(values.length)
  const qmax = 2 ** grid.bits - 1
  const qmin = grid.scheme === 'symmetric' ? 1 : 0
  const a = grid.exponent
  for (let i = 0; i < values.length; i++) {
    const k = layout.sliceOf(i)
    const p = { scale: grid.scales![k]!, zeroPoint: grid.zeroPoints![k]!, qmax, qmin }
    const x = a === null ? values[i]! : powerForward(values[i]!, a)
    const q = quantizeCode(x, p)
    codes[i] = q
    const g = dequantizeCode(q, p)
    out[i] = a === null ? g : powerInverse(g, a)
  }
  return { ...grid, codes, values: out }
}
