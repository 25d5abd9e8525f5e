import type { EChartsOption } from '../../charts/echarts'
import { withLegendRoom } from '../../charts/layout'
import { formatNumber } from '../../format'
import { axisTooltip, grid, legend, xAxis, yAxis, zoom } from '../lab/chart-common'
import { runColor } from '../lab/colors'
import type { SelfDistillCurve, SelfDistillReport } from '../../../../shared/jobs/results'

// Charts of a self-distillation run: error against steps per α (and the optimal schedule), the optimal α per
// step, and the per-eigenvalue shrinkage b^(τ)(d) (Borup & Andersen 2021).

export function curveLabel(c: SelfDistillCurve): string {
  return c.alpha === null ? 'optimal α' : `α = ${c.alpha}`
}

/**
 * The stat card of the optimal schedule's first distillation step (step 2): the α applied and, when the
 * closed-form α* fell outside [0, 1], α* itself and what clipping it means, so "0" never stands unexplained.
 */
export function optimalAlphaCard(c: SelfDistillCurve): { label: string; value: string; hint: string } | null {
  const applied = c.alphaPerStep[1]
  if (applied === undefined) return null
  const raw = c.alphaRaw?.[1]
  const label = 'Optimal α, step 2'
  if (raw === undefined || (raw >= 0 && raw <= 1)) return { label, value: formatNumber(applied, 3), hint: 'closed form on the held-out rows' }
  const why =
    raw < 0
      ? 'α* < 0: the held-out rows ask for more shrinkage than one step gives (noisy labels), so the step uses α = 0, pure self-distillation'
      : 'α* > 1: the ridge alone already shrinks too much (clean labels), so the step uses α = 1, the ground truth'
  return { label, value: `${formatNumber(applied, 3)} (α* ${formatNumber(raw, 3)})`, hint: why }
}

function colorOf(i: number, c: SelfDistillCurve, dark: boolean): string {
  return c.alpha === null ? (dark ? '#f5f5f5' : '#1a1a1a') : runColor(i, dark)
}

/** Train (dashed) and test (solid) error per step; metric 'mse' or 'error' (1 − accuracy). */
export function errorVsStepsOption(a: SelfDistillReport, metric: 'mse' | 'error', dark: boolean): EChartsOption {
  const steps = Array.from({ length: a.steps }, (_, i) => i + 1)
  const pick = (c: SelfDistillCurve, part: 'train' | 'test'): number[] | null => {
    if (metric === 'mse') return part === 'train' ? c.trainMse : c.testMse
    const acc = part === 'train' ? c.trainAccuracy : c.testAccuracy
    return acc ? acc.map((v) => 1 - v) : null
  }
  const series: Record<string, unknown>[] = []
  a.curves.forEach((c, i) => {
    const color = colorOf(i, c, dark)
    for (const part of ['test', 'train'] as const) {
      const ys = pick(c, part)
      if (!ys) continue
      series.push({
        type: 'line',
        name: `${curveLabel(c)} ${part}`,
        data: steps.map((s, j) => [s, ys[j]!]),
        showSymbol: true,
        symbolSize: 5,
        lineStyle: { width: part === 'test' ? 2.2 : 1.4, type: part === 'test' ? 'solid' : 'dashed', color },
        itemStyle: { color },
        ...(part === 'test' && c.alpha !== null && c.alpha > 0
          ? (() => {
              const lim = metric === 'mse' ? c.limitTestMse : c.limitTestAccuracy !== null && c.limitTestAccuracy !== undefined ? 1 - c.limitTestAccuracy : null
              return lim !== null && lim !== undefined ? { markLine: { silent: true, symbol: 'none', lineStyle: { type: 'dotted', color, width: 1.2 }, label: { formatter: `τ→∞ (λ/${c.alpha})`, position: 'insideEndTop', fontSize: 10, color }, data: [{ yAxis: lim }] } } : {}
            })()
          : {}),
      })
    }
  })
  return withLegendRoom({
    animation: false,
    grid: grid({ top: 56 }),
    legend: legend(),
    tooltip: axisTooltip('step'),
    dataZoom: zoom(false),
    xAxis: xAxis('value', 'distillation step τ', { minInterval: 1, scale: false, min: 1, max: a.steps }),
    yAxis: yAxis('value', metric === 'mse' ? 'mean squared error' : 'classification error (1 − accuracy)'),
    series,
  } as EChartsOption)
}

/** The per-step optimal α (clipped to [0, 1]) and the unclipped closed-form value. */
export function optimalAlphaOption(a: SelfDistillReport, dark: boolean): EChartsOption | null {
  const opt = a.curves.find((c) => c.alpha === null)
  if (!opt || a.steps < 2) return null
  const steps = Array.from({ length: a.steps - 1 }, (_, i) => i + 2)
  const color = dark ? '#f5f5f5' : '#1a1a1a'
  return withLegendRoom({
    animation: false,
    grid: grid(),
    legend: legend(),
    tooltip: axisTooltip('step'),
    xAxis: xAxis('value', 'distillation step τ', { minInterval: 1, scale: false, min: 2, max: Math.max(a.steps, 3) }),
    yAxis: yAxis('value', 'weight α of the ground truth'),
    series: [
      { type: 'line', name: 'optimal α (applied, in [0, 1])', data: steps.map((s) => [s, opt.alphaPerStep[s - 1]!]), lineStyle: { color, width: 2 }, itemStyle: { color }, symbolSize: 6 },
      ...(opt.alphaRaw ? [{ type: 'line', name: 'closed-form α* (unclipped)', data: steps.map((s) => [s, opt.alphaRaw![s - 1]!]), lineStyle: { color, width: 1.2, type: 'dashed' }, itemStyle: { color }, symbolSize: 4 }] : []),
    ],
  } as EChartsOption)
}

const TAU_LIGHT = ['#b2182b', '#e0742b', '#b59a16', '#1c9a6c', '#3366d6', '#7a5bd1']
const TAU_DARK = ['#ff6f6f', '#ff9a55', '#e3c441', '#43c98b', '#6b9bff', '#a88bff']

/** b^(τ)(d) against the eigenvalue d (log x) for one α: how much of each label component step τ keeps. */
export function shrinkageOption(a: SelfDistillReport, alphaIndex: number, dark: boolean): EChartsOption | null {
  const s = a.shrinkage
  const byA = s.byAlpha[alphaIndex]
  if (!byA) return null
  const pal = dark ? TAU_DARK : TAU_LIGHT
  const series = s.taus.map((t, i) => ({
    type: 'line',
    name: t === 'inf' ? `τ → ∞ (ridge λ/${byA.alpha})` : `τ = ${t}`,
    showSymbol: false,
    data: s.eigenvalues.map((d, j) => [d, byA.curves[i]![j]!]),
    lineStyle: { width: t === 'inf' ? 2.4 : 1.8, type: t === 'inf' ? 'dashed' : 'solid', color: t === 'inf' ? (dark ? '#f5f5f5' : '#1a1a1a') : pal[i % pal.length] },
    itemStyle: { color: t === 'inf' ? (dark ? '#f5f5f5' : '#1a1a1a') : pal[i % pal.length] },
  }))
  const lam = s.lambda
  return withLegendRoom({
    animation: false,
    grid: grid({ top: 56 }),
    legend: legend(),
    tooltip: axisTooltip('eigenvalue d'),
    dataZoom: zoom(false),
    xAxis: xAxis('log', `eigenvalue d of the ${a.kernel.toUpperCase()} (ridge λ = ${formatNumber(lam, 3)})`),
    yAxis: yAxis('value', 'shrinkage b^(τ)(d)', { min: 0, max: 1, scale: false }),
    series: [
      ...series,
      { type: 'line', name: 'd = λ', data: [], markLine: { silent: true, symbol: 'none', lineStyle: { type: 'dotted', color: dark ? '#aaa' : '#666' }, label: { formatter: 'd = λ', position: 'insideEndTop', fontSize: 10 }, data: [{ xAxis: lam }] } },
    ],
  } as EChartsOption)
}
