import type { EChartsOption } from '../../charts/echarts'
import { downsample, lineChart, points, xAxis, yAxis } from './chart-common'
import { infinityColor, widthColor } from './colors'

export interface Curve {
  steps: readonly number[]
  values: readonly number[]
}
export type Curves = Record<string, Curve | undefined>

/** Widths present in a run's metric names (`train_loss/w=128`, …), ascending. */
export function widthsOf(metricNames: readonly string[]): number[] {
  const ws = new Set<number>()
  for (const n of metricNames) {
    const m = /\/w=(\d+)$/.exec(n)
    if (m) ws.add(Number(m[1]))
  }
  return [...ws].sort((a, b) => a - b)
}

function curveSeries(c: Curve | undefined, logX: boolean, logY: boolean): [number, number][] {
  if (!c) return []
  return downsample(points(c.steps, c.values, { logX, logY }), 2000, logX)
}

/**
 * Loss vs gradient-descent step for every width: the trained network solid, the closed-form NTK prediction
 * from the same f₀ dashed, both in the width's colour; the infinite-width (f₀ = 0) prediction in ink.
 * Step 0 has no place on a log axis; the curves start at step 1.
 */
export function lossOption(part: 'train' | 'test', curves: Curves, widths: number[], dark: boolean, opts: { logX?: boolean; logY?: boolean } = {}): EChartsOption {
  const logX = opts.logX ?? true
  const logY = opts.logY ?? true
  const series: Record<string, unknown>[] = []
  for (const w of widths) {
    const color = widthColor(w, dark)
    series.push({
      type: 'line',
      name: `w=${w}`,
      showSymbol: false,
      lineStyle: { width: 2, color },
      itemStyle: { color },
      data: curveSeries(curves[`${part}_loss/w=${w}`], logX, logY),
    })
    series.push({
      type: 'line',
      name: `w=${w} NTK theory`,
      showSymbol: false,
      lineStyle: { width: 2, type: 'dashed', color },
      itemStyle: { color },
      data: curveSeries(curves[`theory_${part}_loss/w=${w}`], logX, logY),
    })
  }
  const inf = curves[`theory_${part}_loss/inf`]
  if (inf) {
    const ink = infinityColor(dark)
    series.push({
      type: 'line',
      name: '∞ width theory (f₀ = 0)',
      showSymbol: false,
      lineStyle: { width: 1.5, type: 'dotted', color: ink },
      itemStyle: { color: ink },
      data: curveSeries(inf, logX, logY),
    })
  }
  return lineChart({ along: 'step', grid: { bottom: 44 }, zoom: 'inside', x: xAxis(logX ? 'log' : 'value', 'gradient-descent step'), y: yAxis(logY ? 'log' : 'value', `${part} loss (½·MSE)`), series })
}

/** Relative kernel drift ‖Θ_t − Θ_0‖_F/‖Θ_0‖_F vs step per width: shrinks with width (lazy training). */
export function driftOption(curves: Curves, widths: number[], dark: boolean, opts: { logX?: boolean } = {}): EChartsOption {
  const logX = opts.logX ?? true
  const series = widths.map((w) => {
    const color = widthColor(w, dark)
    return {
      type: 'line',
      name: `w=${w}`,
      showSymbol: true,
      symbolSize: 4,
      lineStyle: { width: 2, color },
      itemStyle: { color },
      data: curveSeries(curves[`kernel_drift/w=${w}`], logX, true),
    }
  })
  return lineChart({ along: 'step', grid: { bottom: 44 }, zoom: 'inside', x: xAxis(logX ? 'log' : 'value', 'gradient-descent step'), y: yAxis('log', '‖Θₜ − Θ₀‖F / ‖Θ₀‖F'), series })
}
