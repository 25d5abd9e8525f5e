import { createHash } from 'node:crypto'
import type { KernelStats, KernelJobResult } from '../../../../shared/jobs/results'
import type { ArtifactInfo } from '../../../../shared/index'
import type { KernelName } from '../../ntk/analytic'
import type { TileSummary } from '../../ntk/tile-finish'
import { streamAnalyticKernels, validateKernelInputs } from '../../ntk/analytic'
import type { JobContext, JobRunner } from '../../core/job'
import type { Matrix } from '../../core/matrix'
import type { TiledArtifactWriter } from '../../core/artifact-sink'
import type { DataRef } from '../../../../shared/index'
import { computeAnalyticKernels, type AnalyticArch } from '../../ntk/analytic'
import { analyticArchOf } from '../../ntk/kernel-arch'
import { eigh } from '../../linalg/eigh'
import { onCpuCompanion } from '../../runtime/backend'
import { HeatmapAccumulator, classBoundaries, classOrder, ranksOf } from '../../lab/heatmap'
import { uniformStream, shuffle } from '../../core/random'

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
  /** the tile's summary (computed where the tile was: the coordinating thread does not walk the entries) */
  add(s: TileSummary): void {
    this.min = Math.min(this.min, s.min)
    this.max = Math.max(this.max, s.max)
    this.sum += s.sum
    this.count += s.count
    if (!s.diag) return
    this.dMin = Math.min(this.dMin, s.diag.min)
    this.dMax = Math.max(this.dMax, s.diag.max)
    this.dSum += s.diag.sum
    this.dCount += s.diag.count
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

// Analytic NNGP/NTK (docs/math.md §1) of the spec's FC architecture, streamed tile by tile into tiled
// artifacts named 'ntk' / 'nngp', so n is limited by disk, not memory.
export const run: JobRunner<'kernel'> = async (spec, ctx) => {
  const started = performance.now()
  const { matrix: x, hash: hx } = await ctx.data.loadWithHash(spec.x)
  const second = spec.x2 ? await ctx.data.loadWithHash(spec.x2) : null
  const x2 = second?.matrix ?? null
  ctx.recordDatasetHash(second ? createHash('sha256').update(`${hx}:${second.hash}`).digest('hex') : hx)
  ctx.throwIfCancelled()
  const loaded = performance.now()

  const kernels = [...new Set(spec.kernels)]
  const rows = x.rows
  const cols = x2 ? x2.rows : x.rows
  const writers: Partial<Record<KernelName, TiledArtifactWriter>> = {}
  const stats: Partial<Record<KernelName, StatsAccumulator>> = {}
  const meta = { arch: spec.arch, x: spec.x, x2: spec.x2 ?? null }
  try {
    const arch = analyticArchOf(spec.arch, x) // an ARCH.json is planned (and refused, naming the layer) here
    validateKernelInputs(x, x2, arch, kernels) // before any file is created
    for (const k of kernels) {
      writers[k] = ctx.artifacts.openTiled(k, rows, cols, { ...meta, kernel: k })
      stats[k] = new StatsAccumulator()
    }
    let tiles = 0
    const rowClasses = await classesOf(ctx, spec.x, rows)
    const colClasses = spec.x2 ? await classesOf(ctx, spec.x2, cols) : rowClasses
    const rowOrder = classOrder(rowClasses, rows)
    const colOrder = classOrder(colClasses, cols)
    const heat = Object.fromEntries(kernels.map((k) => [k, new HeatmapAccumulator(rows, cols, Math.max(1, spec.heatmapSize), ranksOf(rowOrder), ranksOf(colOrder))]))
    const spectrumShare = x2 === null && spec.spectrumPoints > 0 ? 0.1 : 0
    // When every point enters the spectrum, keep the kernel as it streams past instead of computing it again
    // (for a convolutional kernel that second pass would double the job).
    const whole: Partial<Record<KernelName, Float32Array>> | null = spectrumShare > 0 && rows <= spec.spectrumPoints ? Object.fromEntries(kernels.map((k) => [k, new Float32Array(rows * rows)])) : null
    const info = await streamAnalyticKernels(x, x2, arch, writers, {
      tileSize: spec.tileSize,
      workers: spec.workers,
      signal: ctx.signal,
      ...(ctx.remote ? { remote: ctx.remote } : {}),
      progress: (f) => ctx.progress(f * (1 - spectrumShare), `tile ${++tiles}`),
      onTile: (t) => {
        for (const k of kernels) {
          stats[k]!.add(t.summary[k]!)
          if (spec.heatmapSize > 0) heat[k]!.add(t.row0, t.col0, t.rows, t.cols, t[k]!)
          if (whole) for (let r = 0; r < t.rows; r++) whole[k]!.set(t[k]!.subarray(r * t.cols, (r + 1) * t.cols), (t.row0 + r) * rows + t.col0)
        }
      },
    })
    const artifacts = kernels.map((k) => writers[k]!.close())
    const tilesDone = performance.now()
    // Small views of the kernel for the UI, derived while streaming: the full matrix never loads.
    for (const k of spec.heatmapSize > 0 ? kernels : []) {
      const h = heat[k]!
      artifacts.push(
        ctx.artifacts.saveArray(`heatmap_${k}`, h.result(), [h.rows, h.cols], {
          kernel: k,
          sortedByClass: Boolean(rowClasses),
          boundaries: classBoundaries(rowClasses, rowOrder, h.rows),
          colBoundaries: classBoundaries(colClasses, colOrder, h.cols),
          points: rows,
        }),
      )
    }
    if (spectrumShare > 0) artifacts.push(...(await subsampleSpectra(ctx, x, arch, kernels, spec.spectrumPoints, spec.seed, 1 - spectrumShare, whole)))
    const result: KernelJobResult = {
      rows,
      cols,
      kernels: Object.fromEntries(kernels.map((k) => [k, stats[k]!.result()])),
      seconds: (performance.now() - started) / 1000,
      workers: info.workers,
      tileSize: info.tileSize,
      phases: {
        loadS: (loaded - started) / 1000,
        tilesWallS: info.phases.wallMs / 1000,
        computeS: info.phases.computeMs / 1000,
        storeS: info.phases.storeMs / 1000,
        firstTileS: info.phases.firstTileMs / 1000,
        viewsS: (performance.now() - tilesDone) / 1000,
      },
      artifacts,
    }
    ctx.log('info', `${kernels.join('+')} ${rows}×${cols} in ${result.seconds.toFixed(2)} s on ${info.workers} worker(s)`)
    return result
  } catch (e) {
    for (const w of Object.values(writers)) w?.abort()
    throw e
  }
}

/** Class index per row when a dataset reference carries one-hot labels; null otherwise. */
async function classesOf(ctx: JobContext, ref: DataRef, n: number): Promise<Int32Array | null> {
  if (ref.type !== 'dataset') return null
  let y: Matrix
  try {
    y = await ctx.data.load({ ...ref, field: 'y' })
  } catch {
    return null // unlabelled dataset: the heatmap keeps the data order
  }
  if (y.rows !== n || y.cols < 2) return null
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    let best = 0
    for (let c = 1; c < y.cols; c++) if (y.data[i * y.cols + c]! > y.data[i * y.cols + best]!) best = c
    out[i] = best
  }
  return out
}

/**
 * Eigenvalues (descending) of the kernel of a seeded subsample of s points (all points when n ≤ s): the
 * spectrum's shape without an n×n eigendecomposition. Scaled by n/s they estimate the top eigenvalues.
 */
async function subsampleSpectra(ctx: JobContext, x: Matrix, arch: AnalyticArch, kernels: KernelName[], points: number, seed: number, from: number, whole: Partial<Record<KernelName, Float32Array>> | null): Promise<ArtifactInfo[]> {
  const n = x.rows
  const s = Math.min(n, points)
  const pick = s === n ? Int32Array.from({ length: n }, (_, i) => i) : shuffle(Int32Array.from({ length: n }, (_, i) => i), uniformStream(seed)).subarray(0, s).sort()
  const sub = new Float32Array(s * x.cols)
  for (let i = 0; i < s; i++) sub.set(x.data.subarray(pick[i]! * x.cols, (pick[i]! + 1) * x.cols), i * x.cols)
  ctx.progress(from, `spectrum of ${s} points`)
  const k = s === n && whole ? whole : await computeAnalyticKernels({ data: sub, rows: s, cols: x.cols }, null, arch, { kernels, signal: ctx.signal })
  const out: ArtifactInfo[] = []
  for (const [i, name] of kernels.entries()) {
    ctx.throwIfCancelled()
    // eigh reads its float32 stages synchronously: on the CPU companion when webgpu is active
    const eig = await onCpuCompanion(() => eigh(k[name]!, s, { onStep: (f) => { ctx.progress(from + ((1 - from) * (i + f)) / kernels.length, `spectrum of ${s} points`); return ctx.yield() } }))
    out.push(ctx.artifacts.saveArray(`spectrum_${name}`, Float64Array.from(eig.values).reverse(), [s], { kernel: name, points: s, of: n, subsampled: s < n, seed }))
  }
  return out
}
