import type { ColumnStats } from '../../../shared/dataset'

/** Above this many feature columns only the overall summary is stored (images with many pixels). */
export const MAX_COLUMN_STATS = 4096

export interface XStats {
  columns?: ColumnStats[]
  summary: { min: number; max: number; mean: number; std: number }
}

/**
 * Per-column min/max/mean/std of x [n, d] (value = stored × scale), accumulated in float64 around the first
 * row's values so large offsets do not cancel: var = E[(v−s)²] − (E[v−s])².
 */
export function columnStats(x: Float32Array | Uint8Array, n: number, d: number, scale: number, names?: string[], missing?: number[]): XStats {
  const perColumn = d <= MAX_COLUMN_STATS
  const cols = perColumn ? d : 1
  const shift = new Float64Array(cols)
  const sum = new Float64Array(cols)
  const sumSq = new Float64Array(cols)
  const min = new Float64Array(cols).fill(Infinity)
  const max = new Float64Array(cols).fill(-Infinity)
  if (n > 0) for (let j = 0; j < cols; j++) shift[j] = x[j]! * scale
  for (let r = 0; r < n; r++) {
    const base = r * d
    for (let j = 0; j < d; j++) {
      const c = perColumn ? j : 0
      const v = x[base + j]! * scale
      const t = v - shift[c]!
      sum[c]! += t
      sumSq[c]! += t * t
      if (v < min[c]!) min[c] = v
      if (v > max[c]!) max[c] = v
    }
  }
  const per = perColumn ? n : n * d
  const stat = (c: number): { min: number; max: number; mean: number; std: number } => {
    if (per === 0) return { min: 0, max: 0, mean: 0, std: 0 }
    const m = sum[c]! / per
    return { min: min[c]!, max: max[c]!, mean: shift[c]! + m, std: Math.sqrt(Math.max(0, sumSq[c]! / per - m * m)) }
  }
  if (!perColumn) return { summary: stat(0) }
  const columns = Array.from({ length: d }, (_, j) => ({ name: names?.[j] ?? `x${j}`, ...stat(j), missing: missing?.[j] ?? 0 }))
  // Overall summary from the per-column sums (every column has n values).
  let gMin = Infinity
  let gMax = -Infinity
  let gSum = 0
  let gSq = 0
  for (const c of columns) {
    gMin = Math.min(gMin, c.min)
    gMax = Math.max(gMax, c.max)
    gSum += c.mean
    gSq += c.std * c.std + c.mean * c.mean
  }
  const mean = d > 0 ? gSum / d : 0
  const summary = n > 0 && d > 0 ? { min: gMin, max: gMax, mean, std: Math.sqrt(Math.max(0, gSq / d - mean * mean)) } : { min: 0, max: 0, mean: 0, std: 0 }
  return { columns, summary }
}
