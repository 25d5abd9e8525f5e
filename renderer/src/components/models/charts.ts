import type { EpochRecord, ModelEvaluation, WeightHistogram } from '../../../../shared/models'
import type { MetricSeries } from '../../../../shared/project'
import type { EChartsOption } from '../../charts/echarts'
import { withLegendRoom } from '../../charts/layout'
import { formatNumber, formatTick } from '../../format'

// ECharts options for the Models page. Pure functions of the data, so the charts' contents are what the
// E2E tests read back through getOption().

type Pts = [number, number][]

function line(name: string, data: Pts, dashed = false): Record<string, unknown> {
  return { type: 'line', name, data, showSymbol: data.length <= 40, symbolSize: 5, lineStyle: dashed ? { type: 'dashed' } : undefined }
}

/** loss (left) or accuracy curves per epoch, train solid and validation dashed */
export function curvesOption(kind: 'loss' | 'accuracy', train: Pts, val: Pts): EChartsOption {
  return withLegendRoom({
    animation: false,
    grid: { left: 52, right: 16, top: 28, bottom: 36 },
    legend: { top: 0, data: ['train', 'validation'] },
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => formatNumber(Number(v), 4) },
    xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 22, minInterval: 1, axisLabel: { formatter: formatTick } },
    yAxis: { type: 'value', scale: true, ...(kind === 'accuracy' ? { max: 1 } : {}), axisLabel: { formatter: formatTick } },
    series: [line('train', train), line('validation', val, true)],
  } as EChartsOption)
}

export function historyPoints(h: EpochRecord[], key: 'trainLoss' | 'valLoss' | 'trainAccuracy' | 'valAccuracy'): Pts {
  return h.filter((e) => e[key] !== null).map((e) => [e.epoch, e[key] as number])
}

export function seriesPoints(s: MetricSeries | undefined): Pts {
  return s ? s.steps.map((x, i) => [x, s.values[i]!]) : []
}

/** confusion matrix heatmap: rows true class, columns predicted; cell [predicted, true, count] */
export function confusionOption(ev: ModelEvaluation, classNames?: string[]): EChartsOption {
  const k = ev.classes
  const names = Array.from({ length: k }, (_, i) => classNames?.[i] ?? String(i))
  const data: [number, number, number][] = []
  let max = 1
  ev.confusion.forEach((row, t) =>
    row.forEach((c, p) => {
      data.push([p, t, c])
      if (t !== p) max = Math.max(max, c)
    }),
  )
  const diagMax = Math.max(1, ...ev.confusion.map((r, i) => r[i]!))
  const yGap = Math.max(30, 12 + 7 * Math.max(...names.map((n) => n.length)))
  return {
    animation: false,
    grid: { left: yGap + 18, right: 72, top: 12, bottom: 40 },
    tooltip: { formatter: (p: unknown) => {
      const v = (p as { value: [number, number, number] }).value
      return `true ${names[v[1]]}, predicted ${names[v[0]]}: ${v[2]}`
    } },
    xAxis: { type: 'category', data: names, name: 'predicted', nameLocation: 'middle', nameGap: 24, splitArea: { show: true } },
    yAxis: { type: 'category', data: names, name: 'true', nameLocation: 'middle', nameGap: yGap, inverse: true, splitArea: { show: true } },
    // the colour scale saturates at the largest off-diagonal count so mistakes stay visible next to the diagonal;
    // it stands in the right margin, clear of the "predicted" axis name under the plot
    visualMap: { min: 0, max: Math.max(max, Math.round(diagMax / 10)), calculable: false, orient: 'vertical', right: 0, top: 'middle', itemHeight: 120, inRange: { color: ['#f7fbff', '#6baed6', '#08306b'] } },
    series: [{ type: 'heatmap', name: 'confusion', data, label: { show: k <= 12, fontSize: 10 } }],
  } as EChartsOption
}

/** reliability diagram: accuracy per confidence bin against the diagonal; bar widths follow the bins */
export function reliabilityOption(ev: ModelEvaluation): EChartsOption {
  const bins = ev.reliability.filter((b) => b.count > 0)
  return withLegendRoom({
    animation: false,
    grid: { left: 48, right: 16, top: 28, bottom: 36 },
    legend: { top: 0, data: ['accuracy', 'confidence', 'ideal'] },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'value', min: 0, max: 1, name: 'confidence', nameLocation: 'middle', nameGap: 22 },
    yAxis: { type: 'value', min: 0, max: 1 },
    series: [
      { type: 'bar', name: 'accuracy', data: bins.map((b) => [(b.lo + b.hi) / 2, b.accuracy, b.count]), barWidth: '50%' },
      { type: 'scatter', name: 'confidence', data: bins.map((b) => [(b.lo + b.hi) / 2, b.confidence]), symbolSize: 6 },
      { type: 'line', name: 'ideal', data: [[0, 0], [1, 1]], showSymbol: false, lineStyle: { type: 'dashed', width: 1 } },
    ],
  } as EChartsOption)
}

/** a weight tensor's histogram (bin centres, counts) */
export function histogramOption(h: WeightHistogram): EChartsOption {
  const w = (h.max - h.min) / Math.max(1, h.counts.length)
  return {
    animation: false,
    grid: { left: 44, right: 8, top: 8, bottom: 28 },
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => String(v) },
    xAxis: { type: 'category', data: h.counts.map((_, i) => formatNumber(h.min + (i + 0.5) * w, 2)), axisLabel: { interval: Math.max(0, Math.floor(h.counts.length / 5) - 1) } },
    yAxis: { type: 'value', axisLabel: { formatter: formatTick } },
    series: [{ type: 'bar', name: h.name, data: h.counts, barCategoryGap: '5%' }],
  } as EChartsOption
}
