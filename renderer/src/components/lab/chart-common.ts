import { lttb } from '../../../../shared/lttb'
import { formatNumber } from '../../format'
import type { EChartsOption } from '../../charts/echarts'
import { logExtent, withLegendRoom } from '../../charts/layout'

// Pieces every lab chart shares: point lists fit for log axes, LTTB before anything reaches ECharts,
// axes named with their quantity and unit, and the interactions scientists expect (zoom, legend toggles).

export type Pt = [number, number]

/** Longest series handed to ECharts; the project keeps every point. */
export const MAX_CHART_POINTS = 2000

/** Zips steps and values, dropping points a log axis cannot show (≤ 0, NaN). */
export function points(xs: readonly number[], ys: readonly number[], opts: { logX?: boolean; logY?: boolean } = {}): Pt[] {
  const out: Pt[] = []
  const n = Math.min(xs.length, ys.length)
  for (let i = 0; i < n; i++) {
    const x = xs[i]!
    const y = ys[i]!
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue
    if (opts.logX && x <= 0) continue
    if (opts.logY && y <= 0) continue
    out.push([x, y])
  }
  return out
}

/**
 * Down to at most `max` points. Linear x: LTTB. Log x: LTTB's buckets are equal runs of points, which on a
 * log axis would leave the first decades with a handful of points and the last with nearly all; there the
 * x range is cut into max/2 buckets equal in log x and each keeps its lowest and highest point (in x order),
 * so every decade is drawn and no spike is lost.
 */
export function downsample(pts: Pt[], max = MAX_CHART_POINTS, logX = false): Pt[] {
  if (pts.length <= max) return pts
  if (!logX) {
    const [sx, sy] = lttb(
      pts.map((p) => p[0]),
      pts.map((p) => p[1]),
      max,
    )
    return sx.map((x, i) => [x, sy[i]!])
  }
  const buckets = Math.max(1, Math.floor(max / 2))
  const lo = Math.log(pts[0]![0])
  const span = Math.log(pts.at(-1)![0]) - lo || 1
  const out: Pt[] = []
  let i = 0
  for (let b = 0; b < buckets && i < pts.length; b++) {
    const edge = lo + (span * (b + 1)) / buckets
    let min: Pt | null = null
    let mx: Pt | null = null
    while (i < pts.length && (b === buckets - 1 || Math.log(pts[i]![0]) <= edge)) {
      const p = pts[i++]!
      if (!min || p[1] < min[1]) min = p
      if (!mx || p[1] > mx[1]) mx = p
    }
    if (min && mx) {
      if (min === mx) out.push(min)
      else out.push(...(min[0] < mx[0] ? [min, mx] : [mx, min]))
    }
  }
  return out
}

// Axis labels are formatted on every redraw: one cached Intl formatter instead of toLocaleString per tick.
const SIG4 = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 })
const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumSignificantDigits: 3 })

/** axis ticks: 1200000 → "1.2M", 0.00012 → "1.2e-4" */
export function tick(x: number): string {
  const a = Math.abs(x)
  if (a !== 0 && a < 1e-3) return x.toExponential(1)
  return a >= 1e4 ? COMPACT.format(x) : SIG4.format(x)
}

export function axis(type: 'value' | 'log', name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type,
    name,
    nameLocation: 'middle',
    ...(type === 'log' ? { logBase: 10, ...logExtent } : { scale: true }),
    axisLabel: { formatter: tick, hideOverlap: true },
    splitLine: { show: true },
    ...extra,
  }
}

export function xAxis(type: 'value' | 'log', name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return axis(type, name, { nameGap: 26, ...extra })
}

export function yAxis(type: 'value' | 'log', name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return axis(type, name, { nameGap: 54, ...extra })
}

/** Fixed margins (no label measuring on every redraw: outerBoundsMode 'none'). */
export function grid(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { left: 76, right: 24, top: 44, bottom: 62, outerBoundsMode: 'none', ...extra }
}

/**
 * Zoom with the wheel / pinch / drag; charts that are not redrawn live also get a slider under the x axis
 * (its handles cost a redraw on every update).
 */
export function zoom(slider = true): Record<string, unknown>[] {
  const inside = { type: 'inside', xAxisIndex: 0, filterMode: 'none' }
  return slider ? [inside, { type: 'slider', xAxisIndex: 0, filterMode: 'none', height: 14, bottom: 6, showDetail: false, showDataShadow: false }] : [inside]
}

/**
 * Legend on top; entries toggle their series. Always plain: it wraps into rows where a scroll legend would
 * page ("1/2") and hide entries; withLegendRoom (charts/layout) moves the plot below the rows.
 */
export function legend(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { top: 0, left: 'center', itemWidth: 18, itemHeight: 10, itemGap: 12, textStyle: { fontSize: 11.5 }, ...extra, type: 'plain' }
}

/** `full`: the long name of a series whose legend entry is short (shown in the tooltip instead). */
export function axisTooltip(xName: string, full?: ReadonlyMap<string, string>): Record<string, unknown> {
  return {
    trigger: 'axis',
    axisPointer: { type: 'line', snap: false },
    valueFormatter: (v: unknown) => formatNumber(Number(v), 4),
    // The axis value heads the list so the reader knows where the crosshair is.
    formatter: (items: { axisValue: number; marker: string; seriesName: string; value: [number, number] | number }[]) => {
      const list = Array.isArray(items) ? items : [items]
      if (!list.length) return ''
      const head = `${xName} ${formatNumber(Number(list[0]!.axisValue), 4)}`
      const rows = list.map((p) => `${p.marker}${full?.get(p.seriesName) ?? p.seriesName}: <b>${formatNumber(Array.isArray(p.value) ? p.value[1] : Number(p.value), 4)}</b>`)
      return [head, ...rows].join('<br/>')
    },
  }
}

export function itemTooltip(fmt: (p: { seriesName: string; value: unknown; data: unknown; marker: string }) => string): Record<string, unknown> {
  return { trigger: 'item', formatter: fmt }
}

/** Mean of log values → geometric mean. */
export function geoMean(xs: number[]): number {
  const ok = xs.filter((x) => x > 0)
  return ok.length ? Math.exp(ok.reduce((s, x) => s + Math.log(x), 0) / ok.length) : NaN
}

export { logLogFit } from '../../../../shared/fit'

/**
 * The frame most line charts share: no animation, a plain legend on top with the plot below its rows, an
 * axis tooltip headed by the x quantity, optional zoom (inside only, or with a slider).
 */
export function lineChart(o: { along: string; x: Record<string, unknown>; y: Record<string, unknown> | Record<string, unknown>[]; series: Record<string, unknown>[]; grid?: Record<string, unknown>; zoom?: 'inside' | 'slider'; tooltip?: Record<string, unknown> }): EChartsOption {
  return withLegendRoom({
    animation: false,
    grid: grid(o.grid),
    legend: legend(),
    tooltip: o.tooltip ?? axisTooltip(o.along),
    ...(o.zoom ? { dataZoom: zoom(o.zoom === 'slider') } : {}),
    xAxis: o.x,
    yAxis: o.y,
    series: o.series,
  })
}
