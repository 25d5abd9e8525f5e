import type { FcArch } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'
import { firstNonFinite } from '../core/finite'
import type { TileKernels, TileTask } from './tile'

/** A computed tile, checked, with its transposed copy when it lies off the diagonal of a symmetric kernel. */
export interface FinishedTile extends TileKernels {
  mirrorNtk?: Float32Array
  mirrorNngp?: Float32Array
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

/**
 * Refuses a tile with NaN/Inf (float32 overflow) and, for a symmetric kernel's off-diagonal tile, adds the
 * mirror tile. Runs where the tile was computed: on a worker thread this keeps the coordinating thread free
 * to write tiles while the workers compute.
 */
export function finishTile(t: TileTask, out: TileKernels, arch: FcArch, symmetric: boolean): FinishedTile {
  for (const name of ['ntk', 'nngp'] as const) {
    const a = out[name]
    if (!a) continue
    const i = firstNonFinite(a)
    if (i >= 0) {
      throw new UserError(
        'non_finite',
        `the ${name.toUpperCase()} overflowed float32 at entry (${t.row0 + Math.floor(i / t.cols)}, ${t.col0 + (i % t.cols)}) (depth ${arch.depth}, w_std ${arch.wStd})`,
        'Scale the inputs down, or lower --w-std / --b-std / --depth: the kernel grows like w_std^(2·depth).',
      )
    }
  }
  const done: FinishedTile = { ...out }
  if (symmetric && t.row0 !== t.col0) {
    if (out.ntk) done.mirrorNtk = transposeTile(out.ntk, t.rows, t.cols)
    if (out.nngp) done.mirrorNngp = transposeTile(out.nngp, t.rows, t.cols)
  }
  return done
}
