import type { EChartsOption } from '../../charts/echarts'
import { formatNumber } from '../../format'
import { axisTooltip, grid, legend, lineChart, points, xAxis, yAxis } from './chart-common'
import { withLegendRoom } from '../../charts/layout'
import type { EfficiencyReport } from '../../../../shared/jobs/results'

// Efficient NTK charts (docs/math.md §5): error and accuracy against the feature dimension m (log axis), one
// line per method and the exact kernel as a reference; wall time and memory against n with the crossover.

export const METHOD_LABEL: Record<string, string> = { rf: 'random features + TensorSRHT', nystrom: 'Nyström' }
const COLORS = { rf: ['#3366d6', '#6b9bff'], nystrom: ['#1c9a6c', '#43c98b'], exact: ['#b2182b', '#ff6f6f'], lowRank: ['#8a3ab9', '#c48ef0'], full: ['#6b6b6b', '#b0b0b0'] }
const color = (k: keyof typeof COLORS, dark: boolean): string => COLORS[k][dark ? 1 : 0]!

/** ‖Θ̃ − Θ‖_F/‖Θ‖_F against m, log-log, with the m^(−½) guide through the first random-feature point. */
/** one line per feature method, in the method's colour */
function methodLine(c: EfficiencyReport['curves'][number], data: unknown[], dark: boolean): Record<string, unknown> {
  return { type: 'line', name: METHOD_LABEL[c.method] ?? c.method, symbolSize: 7, lineStyle: { width: 2, color: color(c.method, dark) }, itemStyle: { color: color(c.method, dark) }, data }
}

export function errorOption(a: EfficiencyReport, dark: boolean): EChartsOption {
  const series = a.curves.map((c) => methodLine(c, points(c.m, c.error, { logX: true, logY: true }), dark))
  const rf = a.curves.find((c) => c.method === 'rf')
  if (rf && rf.m.length > 1) {
    const m0 = rf.m[0]!
    const e0 = rf.error[0]!
    series.push({ type: 'line', name: 'm^(−½)', showSymbol: false, lineStyle: { width: 1, type: 'dashed', color: dark ? '#888' : '#999' }, data: rf.m.map((m) => [m, e0 * Math.sqrt(m0 / m)]) })
  }
  return lineChart({ along: 'm', grid: { bottom: 44 }, x: xAxis('log', 'feature dimension m'), y: yAxis('log', `‖Θ̃ − Θ‖/‖Θ‖ (${a.kernel.toUpperCase()})`), series })
}

/** the band around m = n (a factor 1.5 either side) where regression on m features can interpolate the n training labels */
export const PEAK_BAND = 1.5

export const PEAK_NOTE =
  'm ≈ n: with about as many features as training points the regression can fit the training labels exactly, noise included, and test accuracy dips (the interpolation peak of double descent). A larger ridge removes it: the Auto ridge (chosen per m by cross-validation) does.'

/**
 * Test accuracy of kernel regression against m, and the exact kernel's as a horizontal line; the m ≈ n band
 * shaded and explained (label on the chart, the full note in the tooltip there), the ridge of each point
 * in the tooltip.
 */
export function accuracyOption(a: EfficiencyReport, dark: boolean): EChartsOption {
  const series = a.curves.map((c) => methodLine(c, c.m.flatMap((m, i) => (c.accuracy[i] === null ? [] : [[m, 100 * c.accuracy[i]!]])), dark))
  if (a.exact.accuracy !== null && series.length) {
    series[0]!.markLine = {
      symbol: 'none',
      lineStyle: { color: color('exact', dark), type: 'dashed', width: 1.5 },
      label: { formatter: `exact ${(100 * a.exact.accuracy).toFixed(1)} %`, color: color('exact', dark), position: 'insideEndTop' },
      data: [{ yAxis: 100 * a.exact.accuracy, name: 'exact' }],
    }
  }
  const ms = a.curves.flatMap((c) => c.m)
  const band: [number, number] | null = ms.length && Math.min(...ms) < a.n * PEAK_BAND && Math.max(...ms) > a.n / PEAK_BAND ? [a.n / PEAK_BAND, a.n * PEAK_BAND] : null
  if (band && series.length) {
    series[0]!.markArea = {
      silent: true,
      itemStyle: { color: dark ? 'rgba(227,196,65,0.12)' : 'rgba(181,154,22,0.12)' },
      // at the band's foot: the exact kernel's line usually runs along the top
      label: { formatter: 'm ≈ n: interpolation peak', position: 'insideBottom', fontSize: 10.5, color: dark ? '#e3c441' : '#8a7410', backgroundColor: dark ? 'rgba(28,32,41,0.8)' : 'rgba(255,255,255,0.8)', padding: [2, 4] },
      data: [[{ xAxis: band[0] }, { xAxis: band[1] }]],
    }
  }
  const ridgeAt = new Map(a.curves.flatMap((c) => c.m.map((m, i): [string, number | undefined] => [`${METHOD_LABEL[c.method] ?? c.method}@${m}`, c.ridge?.[i]])))
  const base = axisTooltip('m') as { formatter: (items: { axisValue: number; marker: string; seriesName: string; value: [number, number] }[]) => string }
  const tooltip = {
    ...base,
    formatter: (items: { axisValue: number; marker: string; seriesName: string; value: [number, number] }[]) => {
      const list = Array.isArray(items) ? items : [items]
      const rows = list.map((p) => {
        const r = ridgeAt.get(`${p.seriesName}@${p.value[0]}`)
        return `${p.marker}${p.seriesName}: <b>${formatNumber(p.value[1], 4)}</b>${r !== undefined ? ` (ridge ${formatNumber(r, 2)})` : ''}`
      })
      const m = Number(list[0]?.axisValue)
      const note = band && m >= band[0] && m <= band[1] ? `<div style="max-width:300px;white-space:normal">${PEAK_NOTE}</div>` : ''
      return [`m ${formatNumber(m, 4)}`, ...rows].join('<br/>') + note
    },
  }
  return lineChart({ along: 'm', grid: { bottom: 44 }, tooltip, x: xAxis('log', 'feature dimension m'), y: yAxis('value', 'test accuracy (%)', { scale: true }), series })
}

/** Wall time of exact and approximate regression against n (log-log), crossover marked. */
export function timingOption(a: EfficiencyReport, dark: boolean): EChartsOption {
  const t = a.timing
  const approxName = `${METHOD_LABEL[t.method] ?? t.method}, m = ${t.features}`
  const series: Record<string, unknown>[] = [
    { type: 'line', name: 'exact kernel + Cholesky', symbolSize: 7, lineStyle: { width: 2, color: color('exact', dark) }, itemStyle: { color: color('exact', dark) }, data: points(t.n, t.exactSeconds, { logX: true, logY: true }) },
    { type: 'line', name: approxName, symbolSize: 7, lineStyle: { width: 2, color: color('rf', dark) }, itemStyle: { color: color('rf', dark) }, data: points(t.n, t.approxSeconds, { logX: true, logY: true }) },
    { type: 'line', name: 'memory, exact (MB)', yAxisIndex: 1, showSymbol: false, lineStyle: { width: 1, type: 'dotted', color: color('exact', dark) }, itemStyle: { color: color('exact', dark) }, data: t.n.map((n, i) => [n, t.exactBytes[i]! / 2 ** 20]) },
    { type: 'line', name: 'memory, approximate (MB)', yAxisIndex: 1, showSymbol: false, lineStyle: { width: 1, type: 'dotted', color: color('rf', dark) }, itemStyle: { color: color('rf', dark) }, data: t.n.map((n, i) => [n, t.approxBytes[i]! / 2 ** 20]) },
  ]
  if (t.crossover !== null) {
    series[0]!.markLine = {
      symbol: 'none',
      lineStyle: { color: dark ? '#e3c441' : '#b59a16', type: 'dashed', width: 1.5 },
      label: { formatter: `crossover n ≈ ${formatNumber(t.crossover, 3)}`, position: 'insideEndTop' },
      data: [{ xAxis: t.crossover, name: 'crossover' }],
    }
  }
  return withLegendRoom({
    animation: false,
    grid: grid({ bottom: 44, right: 70 }),
    legend: legend(),
    tooltip: axisTooltip('n'),
    xAxis: xAxis('log', 'training points n'),
    yAxis: [yAxis('log', 'wall time (s)'), yAxis('log', 'largest arrays (MB)', { position: 'right' })],
    series,
  } as EChartsOption)
}

/**
 * Low-rank layers against the rank r (log axis): the kernel distance of each rank-r network's empirical NTK
 * to its analytic limit (left, log) and the accuracy of regression with that kernel (right); the
 * full-width network's values as dashed reference lines. Parameters per rank in the tooltip.
 */
export function lowRankOption(a: EfficiencyReport, dark: boolean): EChartsOption | null {
  const lr = a.lowRank
  if (!lr || !lr.points.length) return null
  const params = new Map(lr.points.map((p) => [p.rank, p.params]))
  const hasAcc = lr.points.some((p) => p.accuracy !== null)
  const ref = (value: number, text: string, c: string): Record<string, unknown> => ({
    symbol: 'none',
    lineStyle: { color: c, type: 'dashed', width: 1.5 },
    label: { formatter: text, color: c, position: 'insideEndTop' },
    data: [{ yAxis: value, name: text }],
  })
  const series: Record<string, unknown>[] = [
    {
      type: 'line',
      name: 'kernel distance to the limit',
      symbolSize: 7,
      lineStyle: { width: 2, color: color('lowRank', dark) },
      itemStyle: { color: color('lowRank', dark) },
      data: points(lr.points.map((p) => p.rank), lr.points.map((p) => p.distance), { logX: true, logY: true }),
      markLine: ref(lr.full.distance, `full width ${formatNumber(lr.full.distance, 2)}`, color('full', dark)),
    },
  ]
  if (hasAcc) {
    series.push({
      type: 'line',
      name: 'test accuracy (%)',
      yAxisIndex: 1,
      symbolSize: 7,
      lineStyle: { width: 2, type: 'dotted', color: color('exact', dark) },
      itemStyle: { color: color('exact', dark) },
      data: lr.points.flatMap((p) => (p.accuracy === null ? [] : [[p.rank, 100 * p.accuracy]])),
      ...(lr.full.accuracy !== null ? { markLine: ref(100 * lr.full.accuracy, `full width ${(100 * lr.full.accuracy).toFixed(1)} %`, color('exact', dark)) } : {}),
    })
  }
  // the crosshair moves freely on the log axis: head the list with the nearest rank and its parameters
  const nearest = (r: number): number => lr.points.reduce((best, p) => (Math.abs(Math.log(p.rank / r)) < Math.abs(Math.log(best / r)) ? p.rank : best), lr.points[0]!.rank)
  const tooltip = {
    ...axisTooltip('r'),
    formatter: (items: { axisValue: number; marker: string; seriesName: string; value: [number, number] }[]) => {
      const list = Array.isArray(items) ? items : [items]
      if (!list.length) return ''
      const r = nearest(Number(list[0]!.axisValue))
      const head = `rank ${r} · ${params.get(r)!.toLocaleString('en-US')} parameters (full width ${lr.full.params.toLocaleString('en-US')})`
      return [head, ...list.map((p) => `${p.marker}${p.seriesName}: <b>${formatNumber(p.value[1], 3)}</b>`)].join('<br/>')
    },
  }
  return withLegendRoom({
    animation: false,
    grid: grid({ bottom: 44, right: hasAcc ? 70 : 30 }),
    legend: legend(),
    tooltip,
    xAxis: xAxis('log', `rank r of the hidden layers (width ${lr.width})`),
    yAxis: [yAxis('log', '‖Θ̂_r − Θ_lim‖/‖Θ_lim‖'), ...(hasAcc ? [yAxis('value', 'test accuracy (%)', { position: 'right', scale: true })] : [])],
    series,
  } as EChartsOption)
}
