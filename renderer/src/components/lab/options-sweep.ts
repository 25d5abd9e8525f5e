import type { EChartsOption } from '../../charts/echarts'
import { withLegendRoom } from '../../charts/layout'
import { formatNumber } from '../../format'
import { geoMean, grid, itemTooltip, legend, logLogFit, xAxis, yAxis } from './chart-common'
import { infinityColor, widthColor } from './colors'

export interface SweepData {
  widths: number[]
  /** errors[w][seed] */
  errors: number[][]
  /** from the stored artifact when the run is done; fitted here from the points while it streams */
  fit?: { slope: number; intercept: number; r2: number } | null
}

/** Width-sweep data from the streamed metric `rel_error` (step = width, one point per seed). */
export function sweepFromMetric(steps: readonly number[], values: readonly number[]): SweepData {
  const by = new Map<number, number[]>()
  steps.forEach((w, i) => {
    const list = by.get(w) ?? []
    list.push(values[i]!)
    by.set(w, list)
  })
  const widths = [...by.keys()].sort((a, b) => a - b)
  return { widths, errors: widths.map((w) => by.get(w)!) }
}

export const IDEAL_SLOPE = -0.5

/**
 * Relative error ‖Θ̂_w − Θ_∞‖_F/‖Θ_∞‖_F vs width on log-log axes: every seed as a point (coloured by width),
 * the per-width mean, the least-squares line with its slope, and the ideal w^(−½) line through the same
 * geometric centre so the two slopes can be compared by eye.
 */
export function widthSweepOption(d: SweepData, dark: boolean): EChartsOption {
  const allW = d.widths.flatMap((w, i) => (d.errors[i] ?? []).map(() => w))
  const allE = d.errors.flat()
  const fit = d.fit && Number.isFinite(d.fit.slope) ? d.fit : logLogFit(allW, allE)
  const means = d.errors.map((r) => (r.length ? r.reduce((a, b) => a + b, 0) / r.length : NaN))
  const wMin = d.widths[0] ?? 1
  const wMax = d.widths.at(-1) ?? 1
  const line = (slope: number, intercept: number): [number, number][] => [wMin, wMax].map((w) => [w, Math.exp(intercept + slope * Math.log(w))])
  // Ideal line: slope −½ through the centroid of the points in log space (where the fit line also passes).
  const cx = geoMean(allW)
  const cy = geoMean(allE)
  const idealIntercept = Math.log(cy) - IDEAL_SLOPE * Math.log(cx)
  const fitName = fit ? `fit: slope ${fit.slope.toFixed(3)} (r² ${fit.r2.toFixed(2)})` : 'fit'
  const ink = infinityColor(dark)
  const series: Record<string, unknown>[] = [
    {
      type: 'scatter',
      name: 'per seed',
      symbolSize: 7,
      itemStyle: { opacity: 0.75 },
      data: d.widths.flatMap((w, i) => (d.errors[i] ?? []).map((e, s) => ({ value: [w, e], seed: s, itemStyle: { color: widthColor(w, dark) } }))),
      z: 3,
    },
    {
      type: 'line',
      name: 'mean over seeds',
      symbol: 'diamond',
      symbolSize: 10,
      lineStyle: { width: 1.5, color: ink, opacity: 0.55 },
      itemStyle: { color: ink },
      data: d.widths.map((w, i) => ({ value: [w, means[i]!], itemStyle: { color: widthColor(w, dark), borderColor: ink, borderWidth: 1 } })),
      z: 4,
    },
  ]
  if (fit && d.widths.length >= 2) {
    series.push({
      type: 'line',
      name: fitName,
      symbol: 'none',
      lineStyle: { width: 2, color: dark ? '#ff6f6f' : '#cf3b3b' },
      itemStyle: { color: dark ? '#ff6f6f' : '#cf3b3b' },
      data: line(fit.slope, fit.intercept),
      endLabel: { show: true, formatter: `slope ${fit.slope.toFixed(2)}`, color: dark ? '#ff6f6f' : '#cf3b3b', fontSize: 11 },
      z: 2,
    })
  }
  if (Number.isFinite(idealIntercept) && d.widths.length >= 2) {
    series.push({
      type: 'line',
      name: 'ideal slope −½',
      symbol: 'none',
      lineStyle: { width: 1.5, type: 'dashed', color: dark ? '#9aa3b4' : '#5f6878' },
      itemStyle: { color: dark ? '#9aa3b4' : '#5f6878' },
      data: line(IDEAL_SLOPE, idealIntercept),
      z: 1,
    })
  }
  return withLegendRoom({
    animation: false,
    grid: grid({ right: 80, bottom: 44 }),
    legend: legend(),
    tooltip: itemTooltip((p) => {
      const v = (p.data as { value?: [number, number] }).value ?? (p.value as [number, number])
      const seed = (p.data as { seed?: number }).seed
      return `${p.marker}${p.seriesName}${seed !== undefined ? ` (seed ${seed})` : ''}<br/>width ${v[0]}: relative error <b>${formatNumber(v[1], 4)}</b>`
    }),
    dataZoom: [{ type: 'inside', xAxisIndex: 0, filterMode: 'none' }],
    // ticks at the swept widths themselves, a little air left and right
    xAxis: xAxis('log', 'width (hidden units)', {
      min: wMin / 1.4,
      max: wMax * 1.4,
      axisLabel: { customValues: d.widths, formatter: (v: number) => String(Math.round(v)) },
      axisTick: { customValues: d.widths },
      splitLine: { show: false },
    }),
    yAxis: yAxis('log', '‖Θ̂ − Θ∞‖F / ‖Θ∞‖F'),
    series,
  })
}
