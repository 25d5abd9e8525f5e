import type { EChartsOption } from '../../charts/echarts'
import type { MetricSeries } from '../../../../shared/project'

const grid = { left: 56, right: 18, top: 28, bottom: 40 }

export function lossOption(loss: MetricSeries | undefined): EChartsOption {
  return {
    animation: false,
    grid,
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 26, min: 0 },
    yAxis: { type: 'log', name: 'KIP loss', scale: true },
    series: [{ type: 'line', name: 'loss', showSymbol: false, data: loss ? loss.steps.map((s, i) => [s, loss.values[i]!]) : [] }],
  }
}

export function accuracyOption(acc: MetricSeries | undefined): EChartsOption {
  return {
    animation: false,
    grid,
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${(Number(v) * 100).toFixed(2)}%` },
    xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 26, min: 0 },
    yAxis: { type: 'value', name: 'KRR test accuracy', scale: true, axisLabel: { formatter: (v: number) => `${Math.round(v * 1000) / 10}%` } },
    series: [{ type: 'line', name: 'test accuracy', symbolSize: 6, data: acc ? acc.steps.map((s, i) => [s, acc.values[i]!]) : [] }],
  }
}

/** Learned labels: one row per support point (class-major), one column per class. */
export function labelsOption(y: { shape: number[]; data: ArrayLike<number> } | null, perClass: number): EChartsOption {
  const rows = y?.shape[0] ?? 0
  const cols = y?.shape[1] ?? 0
  const data: [number, number, number][] = []
  let lo = 0
  let hi = 0
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < cols; c++) {
      const v = y!.data[i * cols + c]!
      data.push([c, i, v])
      lo = Math.min(lo, v)
      hi = Math.max(hi, v)
    }
  }
  const m = Math.max(Math.abs(lo), Math.abs(hi), 1e-6)
  return {
    animation: false,
    grid: { left: 72, right: 70, top: 12, bottom: 40 },
    tooltip: { formatter: (p: unknown) => { const v = (p as { value: number[] }).value; return `support ${v[1]} (class ${Math.floor(v[1]! / Math.max(1, perClass))}) · label ${v[0]}: ${v[2]!.toFixed(4)}` } },
    xAxis: { type: 'category', name: 'label', nameLocation: 'middle', nameGap: 26, data: Array.from({ length: cols }, (_, c) => String(c)) },
    // the name beside the axis, clear of its tick labels (at most 4 digits)
    yAxis: { type: 'category', name: 'support point', nameLocation: 'middle', nameGap: 44, inverse: true, data: Array.from({ length: rows }, (_, i) => String(i)), axisLabel: { interval: Math.max(0, perClass - 1) } },
    visualMap: { min: -m, max: m, calculable: true, orient: 'vertical', right: 4, top: 'middle', inRange: { color: ['#2166ac', '#f7f7f7', '#b2182b'] } },
    series: [{ type: 'heatmap', name: 'labels', data }],
  }
}

export function transferOption(t: { distilled: number; random: number; width: number; steps: number } | null, perClass: number): EChartsOption {
  return {
    animation: false,
    grid,
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${(Number(v) * 100).toFixed(2)}%` },
    xAxis: { type: 'category', axisLabel: { interval: 0 }, data: [`KIP set (${perClass}/class)`, `random real (${perClass}/class)`] },
    yAxis: { type: 'value', name: t ? `test accuracy, width ${t.width}, ${t.steps} steps` : 'test accuracy', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
    series: [{ type: 'bar', name: 'network test accuracy', barWidth: '40%', label: { show: true, position: 'top', formatter: (p: unknown) => `${(Number((p as { value: number }).value) * 100).toFixed(1)}%` }, data: t ? [t.distilled, t.random] : [] }],
  }
}
