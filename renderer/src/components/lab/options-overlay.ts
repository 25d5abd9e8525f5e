import type { EChartsOption } from '../../charts/echarts'
import { axisTooltip, downsample, grid, legend, points, xAxis, yAxis, zoom } from './chart-common'
import { infinityColor, runColor } from './colors'

export interface OverlayCurve {
  runId: string
  label: string
  steps: readonly number[]
  values: readonly number[]
  baseline?: boolean
}

/**
 * One metric from any number of runs on shared axes: one series per run (no cap), the pinned baseline in
 * ink, thicker and dashed, so every other run reads as a difference from it.
 */
export function overlayOption(curves: OverlayCurve[], metric: string, dark: boolean, opts: { logX?: boolean; logY?: boolean } = {}): EChartsOption {
  const logX = Boolean(opts.logX)
  const logY = Boolean(opts.logY)
  let k = 0
  const series = curves.map((c) => {
    const color = c.baseline ? infinityColor(dark) : runColor(k++, dark)
    const data = downsample(points(c.steps, c.values, { logX, logY }), 2000, logX)
    return {
      type: 'line',
      id: c.runId,
      name: c.baseline ? `${c.label} (baseline)` : c.label,
      showSymbol: data.length <= 40,
      symbolSize: 5,
      z: c.baseline ? 5 : 2,
      lineStyle: { width: c.baseline ? 2.5 : 1.75, type: c.baseline ? 'dashed' : 'solid', color },
      itemStyle: { color },
      data,
    }
  })
  return {
    animation: false,
    grid: grid({ bottom: 44 }),
    legend: legend({ type: 'scroll' }),
    tooltip: axisTooltip('step'),
    dataZoom: zoom(false),
    xAxis: xAxis(logX ? 'log' : 'value', 'step'),
    yAxis: yAxis(logY ? 'log' : 'value', metric),
    series,
  }
}

/** Metrics of several runs as CSV: one row per point, so any tool can pivot it. */
export function metricsCsv(rows: { runId: string; run: string; metric: string; steps: readonly number[]; values: readonly number[] }[]): string {
  const esc = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
  const out = ['run_id,run,metric,step,value']
  for (const r of rows) {
    for (let i = 0; i < r.steps.length; i++) out.push(`${r.runId},${esc(r.run)},${esc(r.metric)},${r.steps[i]},${r.values[i]}`)
  }
  return `${out.join('\n')}\n`
}
