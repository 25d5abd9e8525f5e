import { createHash } from 'node:crypto'
import type { ArtifactInfo } from '../../../../shared/index'
import type { KernelName, KernelTile } from '../../ntk/analytic'
import { streamAnalyticKernels, validateKernelInputs } from '../../ntk/analytic'
import type { JobRunner, TiledArtifactWriter } from '../context'

export interface KernelStats {
  min: number
  max: number
  mean: number
  /** statistics of K(x_i, x_i); only for a kernel of x with itself */
  diag: { min: number; max: number; mean: number } | null
}

export interface KernelJobResult {
  rows: number
  cols: number
  kernels: Partial<Record<KernelName, KernelStats>>
  seconds: number
  workers: number
  tileSize: number
  artifacts: ArtifactInfo[]
}

/** Running min / max / mean of every entry and of the diagonal, fed tile by tile. */
class StatsAccumulator {
  private min = Infinity
  private max = -Infinity
  private sum = 0
  private count = 0
  private dMin = Infinity
  private dMax = -Infinity
  private dSum = 0
  private dCount = 0
  add(t: KernelTile, a: Float32Array, symmetric: boolean): void {
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!
      if (v < this.min) this.min = v
      if (v > this.max) this.max = v
      this.sum += v
    }
    this.count += a.length
    if (!symmetric || t.row0 !== t.col0) return
    for (let i = 0; i < Math.min(t.rows, t.cols); i++) {
      const v = a[i * t.cols + i]!
      if (v < this.dMin) this.dMin = v
      if (v > this.dMax) this.dMax = v
      this.dSum += v
      this.dCount++
    }
  }
  result(): KernelStats {
    return {
      min: this.min,
      max: this.max,
      mean: this.sum / Math.max(1, this.count),
      diag: this.dCount > 0 ? { min: this.dMin, max: this.dMax, mean: this.dSum / this.dCount } : null,
    }
  }
}

// Analytic NNGP/NTK (math.md §1) of the spec's FC architecture, streamed tile by tile into tiled
// artifacts named 'ntk' / 'nngp', so n is limited by disk, not memory.
export const run: JobRunner<'kernel'> = async (spec, ctx) => {
  const started = performance.now()
  const x = await ctx.data.load(spec.x)
  const x2 = spec.x2 ? await ctx.data.load(spec.x2) : null
  const hx = await ctx.data.hash(spec.x)
  ctx.recordDatasetHash(spec.x2 ? createHash('sha256').update(`${hx}:${await ctx.data.hash(spec.x2)}`).digest('hex') : hx)
  ctx.throwIfCancelled()

  const kernels = [...new Set(spec.kernels)]
  const rows = x.rows
  const cols = x2 ? x2.rows : x.rows
  const writers: Partial<Record<KernelName, TiledArtifactWriter>> = {}
  const stats: Partial<Record<KernelName, StatsAccumulator>> = {}
  const meta = { arch: spec.arch, x: spec.x, x2: spec.x2 ?? null }
  try {
    validateKernelInputs(x, x2, spec.arch, kernels) // before any file is created
    for (const k of kernels) {
      writers[k] = ctx.artifacts.openTiled(k, rows, cols, { ...meta, kernel: k })
      stats[k] = new StatsAccumulator()
    }
    let tiles = 0
    const info = await streamAnalyticKernels(x, x2, spec.arch, writers, {
      tileSize: spec.tileSize,
      workers: spec.workers,
      signal: ctx.signal,
      progress: (f) => ctx.progress(f, `tile ${++tiles}`),
      onTile: (t) => {
        for (const k of kernels) stats[k]!.add(t, t[k]!, x2 === null)
      },
    })
    const artifacts = kernels.map((k) => writers[k]!.close())
    const result: KernelJobResult = {
      rows,
      cols,
      kernels: Object.fromEntries(kernels.map((k) => [k, stats[k]!.result()])),
      seconds: (performance.now() - started) / 1000,
      workers: info.workers,
      tileSize: info.tileSize,
      artifacts,
    }
    ctx.log('info', `${kernels.join('+')} ${rows}×${cols} in ${result.seconds.toFixed(2)} s on ${info.workers} worker(s)`)
    return result
  } catch (e) {
    for (const w of Object.values(writers)) w?.abort()
    throw e
  }
}
