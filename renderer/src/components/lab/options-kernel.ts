import type { EChartsOption } from '../../charts/echarts'
import { formatNumber } from '../../format'
import { axisTooltip, downsample, grid, legend, points, xAxis, yAxis, zoom } from './chart-common'
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

/**
 * A kernel matrix sorted by class, block-averaged to s×s cells: row 0 at the top like a matrix, class
 * blocks outlined on a value axis laid over the cells (cell i spans [i, i+1]), class names at block centres.
 */
export function heatmapOption(h: Heatmap, label: string, dark: boolean, classNames?: string[]): EChartsOption {
  const s = h.size
  const cells: [number, number, number][] = []
  let lo = Infinity
  let hi = -Infinity
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) {
      const v = h.data[i * s + j]!
      cells.push([j, i, v])
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1]
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
      formatter: (p: { seriesType: string; value: [number, number, number] }) =>
        p.seriesType === 'heatmap' ? `${label} cell (${p.value[1]}, ${p.value[0]})<br/>mean kernel value <b>${formatNumber(p.value[2], 4)}</b>` : '',
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
      calculable: true,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemWidth: 10,
      itemHeight: 160,
      precision: 3,
      inRange: { color: dark ? SEQ_DARK : SEQ_LIGHT },
      seriesIndex: 0,
      textStyle: { fontSize: 11 },
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
  return {
    animation: false,
    grid: grid(),
    legend: legend(),
    tooltip: axisTooltip('rank'),
    dataZoom: zoom(),
    xAxis: xAxis('log', 'eigenvalue rank i'),
    yAxis: yAxis('log', 'eigenvalue λᵢ'),
    series,
  }
}
