import type { FcArch } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'
import { firstNonFinite } from '../core/finite'
import type { TileKernels, TileTask } from './tile'

/** min, max and float64 sum of a tile's entries, and of those on the kernel's diagonal (null: none there) */
export interface TileSummary {
  min: number
  max: number
  sum: number
  count: number
  diag: { min: number; max: number; sum: number; count: number } | null
}

/** A computed tile, checked, with its transposed copy when it lies off the diagonal of a symmetric kernel. */
export interface FinishedTile extends TileKernels {
  mirrorNtk?: Float32Array
  mirrorNngp?: Float32Array
  /** per kernel; a mirror tile holds the same entries, so it shares its tile's summary (with no diagonal) */
  summary: Partial<Record<'ntk' | 'nngp', TileSummary>>
  /** time spent computing and finishing this tile where it was computed (for the per-phase timings) */
  computeMs?: number
}

function transposeTile(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length)
  // blocked so both sides stay in cache
  const B = 64
  for (let i0 = 0; i0 < rows; i0 += B) {
    for (let j0 = 0; j0 < cols; j0 += B) {
      const iMax = Math.min(i0 + B, rows)
      const jMax = Math.min(j0 + B, cols)
      for (let i = i0; i < iMax; i++) for (let j = j0; j < jMax; j++) out[j * rows + i] = a[i * cols + j]!
    }
  }
  return out
}

/** One pass: a NaN makes the float64 sum NaN and an Inf makes it infinite (finite float32s cannot overflow it). */
function summarise(a: Float32Array, t: TileTask, onDiagonal: boolean): TileSummary {
  let min = Infinity
  let max = -Infinity
  let sum = 0
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!
    if (v < min) min = v
    if (v > max) max = v
    sum += v
  }
  let diag: TileSummary['diag'] = null
  if (onDiagonal) {
    diag = { min: Infinity, max: -Infinity, sum: 0, count: Math.min(t.rows, t.cols) }
    for (let i = 0; i < diag.count; i++) {
      const v = a[i * t.cols + i]!
      if (v < diag.min) diag.min = v
      if (v > diag.max) diag.max = v
      diag.sum += v
    }
  }
  return { min, max, sum, count: a.length, diag }
}

/**
 * Refuses a tile with NaN/Inf (float32 overflow), summarises it and, for a symmetric kernel's off-diagonal
 * tile, adds the mirror tile. Runs where the tile was computed: on a worker thread this keeps the
 * coordinating thread free to write tiles while the workers compute.
 */
export function finishTile(t: TileTask, out: TileKernels, arch: Pick<FcArch, 'depth' | 'wStd'>, symmetric: boolean): FinishedTile {
  const summary: FinishedTile['summary'] = {}
  for (const name of ['ntk', 'nngp'] as const) {
    const a = out[name]
    if (!a) continue
    const s = summarise(a, t, symmetric && t.row0 === t.col0)
    summary[name] = s
    const i = Number.isFinite(s.sum) ? -1 : firstNonFinite(a)
    if (i >= 0) {
      throw new UserError(
        'non_finite',
        `the ${name.toUpperCase()} overflowed float32 at entry (${t.row0 + Math.floor(i / t.cols)}, ${t.col0 + (i % t.cols)}) (depth ${arch.depth}, w_std ${arch.wStd})`,
        'Scale the inputs down, or lower --w-std / --b-std / --depth: the kernel grows like w_std^(2·depth).',
      )
    }
  }
  const done: FinishedTile = { ...out, summary }
  if (symmetric && t.row0 !== t.col0) {
    if (out.ntk) done.mirrorNtk = transposeTile(out.ntk, t.rows, t.cols)
    if (out.nngp) done.mirrorNngp = transposeTile(out.nngp, t.rows, t.cols)
  }
  return done
}
