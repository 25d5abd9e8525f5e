import type { EChartsOption } from '../../charts/echarts'
import { niceRange, withLegendRoom } from '../../charts/layout'
import type { MetricSeries } from '../../../../shared/project'
import { axisTooltip, grid, legend, xAxis, yAxis, zoom } from '../lab/chart-common'
import { runColor } from '../lab/colors'
import type { DistillStudyReport } from '../../../../shared/jobs/results'

// Charts of knowledge-distillation runs: per-epoch held-out curves (live from the run's metrics), and a
// study's mean ± sd per loss with error bars.

const LABEL: Record<string, string> = { student_accuracy: 'student accuracy', teacher_accuracy: 'teacher accuracy', agreement: 'top-1 agreement', kl_teacher_student: 'KL(teacher ‖ student)' }

/** One distill run: accuracy/agreement on the left axis, KL on the right, against epochs. */
export function kdCurvesOption(metrics: Record<string, MetricSeries>, dark: boolean): EChartsOption {
  const names = ['student_accuracy', 'teacher_accuracy', 'agreement', 'kl_teacher_student'].filter((n) => metrics[n])
  return withLegendRoom({
    animation: false,
    grid: grid({ right: 70 }),
    legend: legend(),
    tooltip: axisTooltip('epoch'),
    xAxis: xAxis('value', 'epoch', { minInterval: 1, scale: false, min: 1 }),
    yAxis: [yAxis('value', 'held-out accuracy / agreement'), { ...yAxis('value', 'KL at T'), position: 'right', nameGap: 46, splitLine: { show: false } }],
    series: names.map((n, i) => ({
      type: 'line',
      name: LABEL[n],
      yAxisIndex: n === 'kl_teacher_student' ? 1 : 0,
      data: metrics[n]!.steps.map((s, j) => [s, metrics[n]!.values[j]!]),
      showSymbol: true,
      symbolSize: 5,
      lineStyle: { width: 2, type: n === 'teacher_accuracy' ? 'dashed' : 'solid', color: runColor(i, dark) },
      itemStyle: { color: runColor(i, dark) },
    })),
  } as EChartsOption)
}

/** Bars of the per-loss mean with ±1 sd error bars, for one measure. */
export function studyBarsOption(a: DistillStudyReport, measure: 'accuracy' | 'agreement' | 'kl', dark: boolean): EChartsOption {
  const cats = a.table.map((r) => r.loss)
  const mean = a.table.map((r) => r[measure].mean)
  const sd = a.table.map((r) => r[measure].sd)
  const lo = Math.min(...mean.map((m, i) => m - sd[i]!))
  const hi = Math.max(...mean.map((m, i) => m + sd[i]!))
  // nice bounds and step: every label is a tick (no "0.7928" beside "0.8"); KL bars start at 0
  const range = measure === 'kl' ? niceRange(0, hi) : niceRange(lo, hi, { pad: 0.15, clamp: [0, 1] })
  const ink = dark ? '#f5f5f5' : '#1a1a1a'
  return withLegendRoom({
    animation: false,
    grid: grid({ bottom: 40 }),
    legend: legend(),
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', data: cats, name: 'loss', nameLocation: 'middle', nameGap: 26 },
    yAxis: yAxis('value', measure === 'kl' ? `KL(teacher ‖ student) at T = ${a.klTemperature}` : `held-out ${measure}`, { ...range, scale: false }),
    series: [
      { type: 'bar', name: 'mean over seeds', data: mean.map((v, i) => ({ value: v, itemStyle: { color: runColor(i, dark) } })), barMaxWidth: 48 },
      {
        type: 'custom',
        name: '±1 sd',
        data: cats.map((_, i) => [i, mean[i]! - sd[i]!, mean[i]! + sd[i]!]),
        encode: { x: 0, y: [1, 2] },
        itemStyle: { color: ink },
        renderItem: (_params: unknown, api: { value(i: number): number; coord(p: number[]): number[]; size(p: number[]): number[] }) => {
          const x = api.value(0)
          const top = api.coord([x, api.value(2)])
          const bot = api.coord([x, api.value(1)])
          const w = api.size([1, 0])[0]! * 0.12
          const style = { stroke: ink, lineWidth: 1.4 }
          return {
            type: 'group',
            children: [
              { type: 'line', shape: { x1: top[0], y1: top[1], x2: bot[0], y2: bot[1] }, style },
              { type: 'line', shape: { x1: top[0]! - w, y1: top[1], x2: top[0]! + w, y2: top[1] }, style },
              { type: 'line', shape: { x1: bot[0]! - w, y1: bot[1], x2: bot[0]! + w, y2: bot[1] }, style },
            ],
          }
        },
        z: 10,
      },
    ],
  } as EChartsOption)
}

/** Held-out accuracy per epoch, mean over seeds per loss, overlaid. */
export function studyCurvesOption(a: DistillStudyReport, measure: 'studentAccuracy' | 'agreement' | 'kl', dark: boolean): EChartsOption {
  const losses = a.table.map((r) => r.loss)
  const series = losses.map((loss, i) => {
    const runs = a.runs.filter((r) => r.loss === loss)
    const epochs = runs[0]?.history.map((h) => h.epoch) ?? []
    const data = epochs.map((e, j) => [e, runs.reduce((s, r) => s + r.history[j]![measure], 0) / runs.length])
    return { type: 'line', name: loss, data, showSymbol: false, lineStyle: { width: 2, color: runColor(i, dark) }, itemStyle: { color: runColor(i, dark) } }
  })
  return withLegendRoom({
    animation: false,
    grid: grid(),
    legend: legend(),
    tooltip: axisTooltip('epoch'),
    dataZoom: zoom(false),
    xAxis: xAxis('value', 'epoch', { minInterval: 1, scale: false, min: 1 }),
    yAxis: yAxis('value', measure === 'studentAccuracy' ? 'held-out accuracy (mean over seeds)' : measure === 'agreement' ? 'top-1 agreement (mean over seeds)' : 'KL(teacher ‖ student) (mean over seeds)'),
    series,
  } as EChartsOption)
}

/** While a study runs: each student's held-out accuracy per epoch so far, from the live metrics. */
export function liveStudyOption(metrics: Record<string, MetricSeries>, dark: boolean): EChartsOption | null {
  const entries = Object.entries(metrics)
  if (!entries.length) return null
  return withLegendRoom({
    animation: false,
    grid: grid(),
    legend: legend(),
    tooltip: axisTooltip('epoch'),
    xAxis: xAxis('value', 'epoch', { minInterval: 1, scale: false, min: 1 }),
    yAxis: yAxis('value', 'held-out student accuracy'),
    series: entries.map(([name, s], i) => ({ type: 'line', name: name.replace('student_accuracy/', ''), data: s.steps.map((x, j) => [x, s.values[j]!]), showSymbol: false, lineStyle: { color: runColor(i, dark) }, itemStyle: { color: runColor(i, dark) } })),
  } as EChartsOption)
}
