import type { EChartsOption } from '../../charts/echarts'
import { withLegendRoom } from '../../charts/layout'
import { formatNumber } from '../../format'
import { axisTooltip, downsample, grid, itemTooltip, legend, lineChart, points, xAxis, yAxis, zoom } from './chart-common'
import type { SpectrumReport } from '../../../../shared/jobs/results'

/** Modes from the largest eigenvalue (learnt first) to the smallest: warm to cool. */
const MODE_LIGHT = ['#b2182b', '#e0742b', '#b59a16', '#1c9a6c', '#2a9bb8', '#3366d6', '#7a5bd1', '#c23b7a']
const MODE_DARK = ['#ff6f6f', '#ff9a55', '#e3c441', '#43c98b', '#4cc3e0', '#6b9bff', '#a88bff', '#f06bab']

export function modeColor(i: number, dark: boolean): string {
  const p = dark ? MODE_DARK : MODE_LIGHT
  return p[i % p.length]!
}

/** (Vᵀy)ᵢ² against λᵢ, log-log: which eigendirections carry the labels. */
export function labelEnergyOption(a: SpectrumReport, dark: boolean): EChartsOption {
  const total = a.labelEnergy.reduce((s, e) => s + e, 0) || 1
  const data = a.eigenvalues
    .map((l, i) => ({ value: [l, a.labelEnergy[i]!], rank: i + 1 }))
    .filter((d) => d.value[0]! > 0 && d.value[1]! > 0)
  const color = dark ? '#6b9bff' : '#3366d6'
  return withLegendRoom({
    animation: false,
    grid: grid({ bottom: 44 }),
    legend: legend(),
    tooltip: itemTooltip((p) => {
      const d = p.data as { value: [number, number]; rank: number }
      return `eigendirection ${d.rank}<br/>λ = <b>${formatNumber(d.value[0], 4)}</b><br/>label energy ${formatNumber(d.value[1], 4)} (${((100 * d.value[1]) / total).toFixed(2)} %)`
    }),
    dataZoom: [{ type: 'inside', xAxisIndex: 0, filterMode: 'none' }],
    xAxis: xAxis('log', `eigenvalue λᵢ of the ${(a.kernel ?? 'ntk').toUpperCase()}`),
    yAxis: yAxis('log', 'label energy (Vᵀy)ᵢ²'),
    series: [{ type: 'scatter', name: 'eigendirections', symbolSize: 5, itemStyle: { color, opacity: 0.7 }, data, large: data.length > 2000 }],
  })
}

/** Residual along selected eigendirections, relative to its start, vs time: e^(−ηλᵢt/(NK)). */
export function modeDecayOption(a: SpectrumReport, dark: boolean): EChartsOption {
  const series = a.modes.map((m, i) => {
    const r0 = m.residual[0] || 1
    const color = modeColor(i, dark)
    return {
      type: 'line',
      name: `mode ${m.rank}`,
      showSymbol: false,
      lineStyle: { width: 2, color },
      itemStyle: { color },
      data: downsample(
        points(
          a.times,
          m.residual.map((r) => r / r0),
          { logX: true },
        ),
        2000,
        true,
      ),
    }
  })
  return lineChart({
    along: 't',
    // short legend entries, λ and the share of the labels in the tooltip
    tooltip: axisTooltip('t', new Map(a.modes.map((m) => [`mode ${m.rank}`, `mode ${m.rank} (λ ${formatNumber(m.lambda, 3)}, ${(100 * m.energyFraction).toFixed(1)} % of labels)`]))),
    zoom: 'slider',
    x: xAxis('log', 'time t (gradient-descent steps)'),
    y: yAxis('value', 'residual / initial residual', { min: 0, max: 1 }),
    series,
  })
}

/**
 * Lower end of the loss axis: two decades under the smallest test loss. Train loss keeps falling towards
 * 1e-30 and below (kernel regression interpolates); drawn in full it flattens the test curve, whose
 * minimum is what the chart is for.
 */
export function lossAxisMin(testLoss: readonly number[]): number | undefined {
  let m = Infinity
  for (const v of testLoss) if (v > 0 && Number.isFinite(v) && v < m) m = v
  return Number.isFinite(m) ? 10 ** (Math.floor(Math.log10(m)) - 2) : undefined
}

/** Train and test loss of the kernel dynamics vs time, with the test-optimal stopping time t* marked. */
export function stoppingOption(a: SpectrumReport, dark: boolean): EChartsOption {
  const train = dark ? '#6b9bff' : '#3366d6'
  const test = dark ? '#ff9a55' : '#e0742b'
  const mark = dark ? '#43c98b' : '#1c8f5a'
  return withLegendRoom({
    animation: false,
    grid: grid(),
    legend: legend(),
    tooltip: axisTooltip('t'),
    dataZoom: zoom(),
    xAxis: xAxis('log', 'time t (gradient-descent steps)'),
    yAxis: yAxis('log', 'loss (½·MSE)', lossAxisMin(a.testLoss) !== undefined ? { min: lossAxisMin(a.testLoss) } : {}),
    series: [
      { type: 'line', name: 'train loss', clip: true, showSymbol: false, lineStyle: { width: 2, color: train }, itemStyle: { color: train }, data: downsample(points(a.times, a.trainLoss, { logX: true, logY: true }), 2000, true) },
      {
        type: 'line',
        name: 'test loss',
        showSymbol: false,
        lineStyle: { width: 2, color: test },
        itemStyle: { color: test },
        data: downsample(points(a.times, a.testLoss, { logX: true, logY: true }), 2000, true),
        markLine: {
          symbol: 'none',
          silent: false,
          lineStyle: { color: mark, type: 'dashed', width: 1.5 },
          label: { formatter: `t* = ${formatNumber(a.tStar, 3)}`, color: mark, position: 'insideEndTop' },
          data: [{ xAxis: a.tStar }],
        },
        markPoint: {
          symbol: 'circle',
          symbolSize: 9,
          itemStyle: { color: mark },
          label: { show: false },
          data: [{ coord: [a.tStar, a.minTestLoss], name: 'minimum test loss' }],
        },
      },
    ],
  })
}
