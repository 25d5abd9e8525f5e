import type { EChartsOption } from '../../charts/echarts'
import { downsample, grid, lineChart, points, xAxis, yAxis } from './chart-common'
import { infinityColor, runColor } from './colors'

export interface OverlayCurve {
  runId: string
  label: string
  steps: readonly number[]
  values: readonly number[]
  baseline?: boolean
}

/** What a metric's step counts, for the x axis: the swept width, gradient-descent steps, or plain steps. */
export function stepLabel(metric: string): string {
  if (/^rel_error/.test(metric)) return 'width (hidden units)'
  if (/loss|accuracy|drift|mse/i.test(metric)) return 'gradient-descent step'
  return 'step'
}

/**
 * A metric with one value per run (a final accuracy, a fitted slope): one bar per run, the run on the
 * category axis and its step, named after what it counts (e.g. the width), in the label.
 */
function scalarOption(curves: OverlayCurve[], metric: string, dark: boolean): EChartsOption {
  const what = stepLabel(metric).split(' (')[0]!
  let k = 0
  const bars = curves.map((c) => {
    const color = c.baseline ? infinityColor(dark) : runColor(k++, dark)
    const step = c.steps[0]
    return { value: c.values[0] ?? null, name: c.label, step, itemStyle: { color, ...(c.baseline ? { borderType: 'dashed', borderColor: color, borderWidth: 2 } : {}) } }
  })
  const stepsDiffer = new Set(bars.map((b) => b.step)).size > 1
  const categories = curves.map((c, i) => (stepsDiffer && bars[i]!.step !== undefined ? `${c.label}\n${what} ${bars[i]!.step}` : c.label))
  return {
    animation: false,
    grid: grid({ bottom: 70 }),
    tooltip: { trigger: 'item' },
    xAxis: { type: 'category', data: categories, name: stepsDiffer ? `run (${what})` : 'run', nameLocation: 'middle', nameGap: 50, axisLabel: { interval: 0, width: 150, overflow: 'truncate' } },
    yAxis: yAxis('value', metric),
    series: [{ type: 'bar', name: metric, barMaxWidth: 48, data: bars, label: { show: true, position: 'top', formatter: (p: { value: number }) => (typeof p.value === 'number' ? p.value.toPrecision(4) : '') } }],
  }
}

/**
 * One metric from any number of runs on shared axes: one series per run (no cap), the pinned baseline in
 * ink, thicker and dashed, so every other run reads as a difference from it.
 */
export function overlayOption(curves: OverlayCurve[], metric: string, dark: boolean, opts: { logX?: boolean; logY?: boolean } = {}): EChartsOption {
  if (curves.length > 0 && curves.every((c) => c.values.length <= 1)) return scalarOption(curves, metric, dark)
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
  return lineChart({ along: 'step', grid: { bottom: 44 }, zoom: 'inside', x: xAxis(logX ? 'log' : 'value', stepLabel(metric)), y: yAxis(logY ? 'log' : 'value', metric), series })
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
