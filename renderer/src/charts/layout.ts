// Axis ranges and legend room for every chart of the app (one definition, unit-tested in
// tests/renderer/chart-layout.test.ts over every options builder).
//
// Ranges: an axis given an explicit min/max that is not a multiple of its tick interval draws that bound as
// an extra label beside the nearest tick ("0.7928" on top of "0.8"). niceRange rounds the bounds outwards to
// multiples of a 1-2-5 step and returns that step as the axis interval, so every label is a tick.
// Log axes stop at the data: ECharts would extend them to whole powers of 10 (10 … 10 000 for m = 16 … 2 048).
//
// Legends: a 'scroll' legend pages ("1/2") and hides entries; a plain legend wraps into rows instead, and the
// plot starts below the rows. The rows are estimated from the names at the narrowest width a chart gets at
// 1440×900 (two charts side by side), so no measuring happens on redraw.

export interface NiceRange {
  min: number
  max: number
  interval: number
}

/** 1, 2, 5 × 10^k at or above x */
export function niceStep(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1
  const e = 10 ** Math.floor(Math.log10(x))
  const f = x / e
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e
}

/** strips float noise from k·step (0.30000000000000004 → 0.3) */
function snap(v: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1)
  return Number(v.toFixed(Math.min(20, digits)))
}

/**
 * [lo, hi] padded by `pad` of its span, widened to multiples of a nice step giving about `ticks` intervals,
 * then clamped to `clamp` (bounds that are themselves multiples of the step, e.g. 0 and 1 for accuracies).
 */
export function niceRange(lo: number, hi: number, opts: { ticks?: number; pad?: number; clamp?: [number, number] } = {}): NiceRange {
  const ticks = opts.ticks ?? 5
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { min: 0, max: 1, interval: 0.2 }
  if (lo > hi) [lo, hi] = [hi, lo]
  let span = hi - lo
  if (span === 0) span = Math.abs(hi) * 0.1 || 1
  const pad = (opts.pad ?? 0) * span
  lo -= pad
  hi += pad
  const step = niceStep((hi - lo || span) / ticks)
  let min = snap(Math.floor(lo / step + 1e-9) * step, step)
  let max = snap(Math.ceil(hi / step - 1e-9) * step, step)
  if (max === min) max = snap(min + step, step)
  if (opts.clamp) {
    min = Math.max(min, opts.clamp[0])
    max = Math.min(max, opts.clamp[1])
  }
  return { min, max, interval: step }
}

const LOG_MANTISSAS = [1, 1.5, 2, 3, 5, 7, 10]

/** largest m·10^k ≤ x with m from 1, 1.5, 2, 3, 5, 7 (a log axis's lower end, at the data) */
export function logFloor(x: number): number {
  const e = 10 ** Math.floor(Math.log10(x))
  let best = e
  for (const m of LOG_MANTISSAS) if (m * e <= x * (1 + 1e-9)) best = m * e
  return snap(best, e / 10)
}

/** smallest m·10^k ≥ x with m from 1, 1.5, 2, 3, 5, 7, 10 */
export function logCeil(x: number): number {
  const e = 10 ** Math.floor(Math.log10(x))
  for (const m of LOG_MANTISSAS) if (m * e >= x * (1 - 1e-9)) return snap(m * e, e / 10)
  return 10 * e
}

/**
 * min/max for a log axis from the data it shows: ECharts calls these with the data extent. The bounds are
 * not ticks, so the axis hides the labels that would land on a tick's label (hideOverlap in chart-common).
 */
export const logExtent = {
  min: (v: { min: number }): number | undefined => (v.min > 0 ? logFloor(v.min) : undefined),
  max: (v: { max: number }): number | undefined => (v.max > 0 ? logCeil(v.max) : undefined),
}

/** the narrowest a chart gets at 1440×900: two charts side by side in a results card */
export const NARROWEST_CHART = 480
export const LEGEND_FONT = 11.5
export const LEGEND_ROW = 20
const ITEM_WIDTH = 18
const ITEM_GAP = 12

/** a conservative width of one legend entry: symbol, gap, text at ~0.62 em per character */
export function legendItemWidth(name: string): number {
  return ITEM_WIDTH + 5 + Math.ceil(name.length * LEGEND_FONT * 0.62) + ITEM_GAP
}

/** rows a plain, wrapping legend takes at `width` (entries are laid left to right, wrapped like words) */
export function legendRows(names: readonly string[], width = NARROWEST_CHART): number {
  if (!names.length) return 0
  const avail = width - 16
  let rows = 1
  let x = 0
  for (const n of names) {
    const w = legendItemWidth(n)
    if (x > 0 && x + w > avail) {
      rows++
      x = 0
    }
    x += w
  }
  return rows
}

/** where the plot starts under a legend of these names (room for the y-axis name above the plot too) */
export function plotTop(names: readonly string[], width = NARROWEST_CHART): number {
  return 24 + LEGEND_ROW * Math.max(1, legendRows(names, width))
}

type Obj = Record<string, unknown>

/** the names a legend shows: its `data`, else every named series once */
export function legendNames(o: Obj): string[] {
  const lg = o.legend as Obj | undefined
  if (!lg) return []
  if (Array.isArray(lg.data)) return lg.data.map((d) => (typeof d === 'string' ? d : String((d as Obj).name)))
  const series = (Array.isArray(o.series) ? o.series : o.series ? [o.series] : []) as Obj[]
  return [...new Set(series.map((s) => s.name).filter((n): n is string => typeof n === 'string' && n !== ''))]
}

/**
 * The finishing step of every options builder with a legend: the legend plain (wrapping, never paged) and
 * the plot (every grid) starting under its rows.
 */
export function withLegendRoom<T>(option: T, width = NARROWEST_CHART): T {
  const o = option as Obj
  if (!o.legend) return option
  const top = plotTop(legendNames(o), width)
  const lift = (g: Obj | undefined): Obj => ({ ...(g ?? {}), top: Math.max(typeof g?.top === 'number' ? g.top : 0, top) })
  const grid = Array.isArray(o.grid) ? (o.grid as Obj[]).map(lift) : lift(o.grid as Obj | undefined)
  return { ...o, legend: { ...(o.legend as Obj), type: 'plain' }, grid } as T
}
