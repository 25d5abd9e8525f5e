import type { EChartsOption } from '../../charts/echarts'
import { formatNumber } from '../../format'
import { downsample, grid, lineChart, points, xAxis, yAxis } from './chart-common'
import { kernelColor } from './colors'

export interface Heatmap {
  /** edge s of the s×s block-averaged matrix */
  size: number
  /** row-major, length s² (a typed array as read from the artifact) */
  data: ArrayLike<number>
  /** class blocks in cell units (fractional), from the engine's class sort */
  boundaries: { cls: number; start: number; end: number }[]
}

export function heatmapFromArtifact(a: { shape: number[]; data: ArrayLike<number>; meta: Record<string, unknown> }): Heatmap {
  const size = a.shape[0] ?? 0
  const b = Array.isArray(a.meta.boundaries) ? (a.meta.boundaries as Heatmap['boundaries']) : []
  return { size, data: a.data, boundaries: b }
}

const SEQ_LIGHT = ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b']
const SEQ_DARK = ['#10151f', '#1f3a5f', '#2f6fa8', '#6fb0e8', '#e8f3ff']

/** q-quantile (0..1) of sorted values, by linear interpolation. */
function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN
  const x = q * (sorted.length - 1)
  const i = Math.floor(x)
  return sorted[i]! + (sorted[Math.min(i + 1, sorted.length - 1)]! - sorted[i]!) * (x - i)
}

/**
 * Colour range of a kernel heatmap: the 2nd–98th percentile of the off-diagonal cells. The diagonal
 * (k(x, x), usually the largest entries) would otherwise stretch the scale and wash out the class blocks,
 * which is the structure the chart is for; cells beyond the range take the end colours.
 */
export function robustRange(h: Heatmap): { lo: number; hi: number; clipped: boolean } {
  const s = h.size
  const off: number[] = []
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) {
      const v = h.data[i * s + j]!
      if (!Number.isFinite(v)) continue
      if (v < min) min = v
      if (v > max) max = v
      if (i !== j) off.push(v)
    }
  }
  if (!Number.isFinite(min)) return { lo: 0, hi: 1, clipped: false }
  if (off.length < 4) return { lo: min, hi: max, clipped: false }
  off.sort((a, b) => a - b)
  let lo = quantile(off, 0.02)
  let hi = quantile(off, 0.98)
  if (!(hi > lo)) [lo, hi] = [min, max > min ? max : min + 1]
  return { lo, hi, clipped: lo > min || hi < max }
}

/**
 * A kernel matrix sorted by class, block-averaged to s×s cells: row 0 at the top like a matrix, class
 * blocks outlined on a value axis laid over the cells (cell i spans [i, i+1]), class names at block centres.
 */
export function heatmapOption(h: Heatmap, label: string, dark: boolean, classNames?: string[]): EChartsOption {
  const s = h.size
  // [column, row, colour value clamped to the robust range, raw value for the tooltip]
  const cells: [number, number, number, number][] = []
  const { lo, hi } = robustRange(h)
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) {
      const v = h.data[i * s + j]!
      cells.push([j, i, Math.min(hi, Math.max(lo, v)), v])
    }
  }
  const cats = Array.from({ length: s }, (_, i) => i)
  const inner = h.boundaries.map((b) => b.start).filter((p) => p > 0 && p < s)
  const centres = h.boundaries.map((b) => (b.start + b.end) / 2)
  const nameOf = (p: number): string => {
    const b = h.boundaries.find((x) => Math.abs((x.start + x.end) / 2 - p) < 1e-9)
    return b ? (classNames?.[b.cls] ?? String(b.cls)) : ''
  }
  const line = dark ? 'rgba(255,255,255,0.75)' : 'rgba(20,24,32,0.7)'
  const labelAxis = (dim: 'x' | 'y'): Record<string, unknown> => ({
    type: 'value',
    min: 0,
    max: s,
    inverse: dim === 'y',
    position: dim === 'x' ? 'bottom' : 'left',
    axisLine: { show: false },
    splitLine: { show: false },
    axisTick: { show: centres.length > 0, customValues: h.boundaries.length ? [0, ...h.boundaries.map((b) => b.end)] : undefined },
    axisLabel: centres.length ? { customValues: centres, formatter: (v: number) => nameOf(v), fontSize: 10.5 } : { show: false },
    name: dim === 'x' ? 'training points, sorted by class' : undefined,
    nameLocation: 'middle',
    nameGap: 24,
  })
  return {
    animation: false,
    grid: grid({ left: 44, right: 16, top: 10, bottom: 78 }),
    tooltip: {
      trigger: 'item',
      formatter: (p: { seriesType: string; value: [number, number, number, number] }) =>
        p.seriesType === 'heatmap' ? `${label} cell (${p.value[1]}, ${p.value[0]})<br/>mean kernel value <b>${formatNumber(p.value[3], 4)}</b>` : '',
    },
    xAxis: [
      { type: 'category', data: cats, show: false, gridIndex: 0 },
      { ...labelAxis('x'), gridIndex: 0 },
    ],
    yAxis: [
      { type: 'category', data: cats, show: false, inverse: true, gridIndex: 0 },
      { ...labelAxis('y'), gridIndex: 0 },
    ],
    visualMap: {
      type: 'continuous',
      min: lo,
      max: hi,
      // the range once: the end texts below (≥ hi / ≤ lo); draggable handles would print it a second time
      calculable: false,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemWidth: 10,
      itemHeight: 160,
      precision: 3,
      dimension: 2,
      inRange: { color: dark ? SEQ_DARK : SEQ_LIGHT },
      seriesIndex: 0,
      // ECharts' default colour-bar text is dark grey, unreadable on the dark theme's surface.
      textStyle: { fontSize: 11, color: dark ? '#d9dee8' : '#333a45' },
      text: [`≥ ${formatNumber(hi, 3)}`, `≤ ${formatNumber(lo, 3)}`],
      textGap: 6,
    },
    series: [
      { type: 'heatmap', name: label, xAxisIndex: 0, yAxisIndex: 0, data: cells, progressive: 0, emphasis: { disabled: true } },
      {
        // carries the class-boundary lines on the overlaid value axes
        type: 'scatter',
        name: 'class boundaries',
        xAxisIndex: 1,
        yAxisIndex: 1,
        data: [],
        silent: true,
        markLine: {
          silent: true,
          symbol: 'none',
          label: { show: false },
          lineStyle: { color: line, width: 1, type: 'solid' },
          data: [...inner.map((p) => ({ xAxis: p })), ...inner.map((p) => ({ yAxis: p }))],
        },
      },
    ],
  }
}

/** Eigenvalues (descending) against their rank on log-log axes, NTK and NNGP together. */
export function spectrumOption(spectra: { ntk?: ArrayLike<number>; nngp?: ArrayLike<number> }, dark: boolean): EChartsOption {
  const series = (['ntk', 'nngp'] as const)
    .filter((k) => spectra[k]?.length)
    .map((k) => {
      const ev = Array.from(spectra[k]!)
      const color = kernelColor(k, dark)
      return {
        type: 'line',
        name: k.toUpperCase(),
        showSymbol: ev.length <= 64,
        symbolSize: 4,
        lineStyle: { width: 2, color },
        itemStyle: { color },
        data: downsample(
          points(
            ev.map((_, i) => i + 1),
            ev,
            { logX: true, logY: true },
          ),
          2000,
          true,
        ),
      }
    })
  return lineChart({ along: 'rank', zoom: 'slider', x: xAxis('log', 'eigenvalue rank i'), y: yAxis('log', 'eigenvalue λᵢ'), series })
}
