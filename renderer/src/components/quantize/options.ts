import type { EChartsOption } from '../../charts/echarts'
import { withLegendRoom } from '../../charts/layout'
import type { QuantizeCell, QuantizeJobResult } from '../../../../shared/index'
import { grid, legend, xAxis, yAxis } from '../lab/chart-common'

// Chart options of the Quantize page, built from a quantize run's result (pure functions, unit-tested).

const pct = (v: number) => Math.round(v * 10000) / 100

export function cellLabel(c: Pick<QuantizeCell, 'method' | 'granularity' | 'calibration'>): string {
  return c.method === 'kmeans' ? `kmeans ${c.granularity}` : `${c.method} ${c.granularity} ${c.calibration}`
}

type Parts = Pick<QuantizeCell, 'method' | 'granularity' | 'calibration'>
const PARTS = ['method', 'granularity', 'calibration'] as const

/**
 * Legend names: only the parts that differ between the run's schemes ("channel" and "tensor" when every
 * cell is uniform minmax); the full cellLabel stays in the tooltip. A run with one scheme keeps its full name.
 */
export function shortLabels(cells: readonly Parts[]): (c: Parts) => string {
  const varying = PARTS.filter((k) => new Set(cells.map((c) => (k === 'calibration' && c.method === 'kmeans' ? '' : c[k]))).size > 1)
  return (c) => (varying.length ? varying.map((k) => (k === 'calibration' && c.method === 'kmeans' ? '' : c[k])).filter(Boolean).join(' ') || cellLabel(c) : cellLabel(c))
}

/** one line per scheme over bits, from the cells that have a value */
function linesPerScheme(r: QuantizeJobResult, value: (c: QuantizeCell) => number | null): { name: string; full: string; data: [number, number][] }[] {
  const ok = r.cells.filter((c) => typeof c.bits === 'number' && value(c) !== null)
  const short = shortLabels(ok)
  const groups = new Map<string, { name: string; full: string; data: [number, number][] }>()
  for (const c of ok) {
    const full = cellLabel(c)
    const g = groups.get(full) ?? { name: short(c), full, data: [] }
    g.data.push([c.bits as number, value(c)!])
    groups.set(full, g)
  }
  return [...groups.values()].map((g) => ({ ...g, data: g.data.sort((a, b) => a[0] - b[0]) }))
}

/** axis tooltip naming every scheme in full */
function schemeTooltip(lines: { name: string; full: string }[], unit: string): Record<string, unknown> {
  const full = new Map(lines.map((l) => [l.name, l.full]))
  return {
    trigger: 'axis',
    formatter: (items: { axisValue: number; marker: string; seriesName: string; value: [number, number] }[]) =>
      [`${items[0]?.axisValue ?? ''} bits`, ...items.map((p) => `${p.marker}${full.get(p.seriesName) ?? p.seriesName}: <b>${p.value[1]}${unit}</b>`)].join('<br/>'),
  }
}

/** a measure against bits, one line per scheme (short legend names, full ones in the tooltip) */
function perSchemeOption(r: QuantizeJobResult, value: (c: QuantizeCell) => number | null, y: Record<string, unknown>, unit: string, extra: Record<string, unknown>[] = []): EChartsOption {
  const lines = linesPerScheme(r, value)
  return withLegendRoom({
    tooltip: schemeTooltip(lines, unit),
    legend: legend(),
    grid: grid({ right: 24, bottom: 44 }),
    xAxis: xAxis('value', 'bits', { minInterval: 1, min: 'dataMin', max: 'dataMax', scale: false }),
    yAxis: y,
    series: [...lines.map((l) => ({ name: l.name, type: 'line' as const, data: l.data, symbolSize: 7 })), ...extra],
  })
}

/** Accuracy in percent never runs past 100: all cells at 100 % would otherwise get an axis to 160. */
const accuracyAxis = (): Record<string, unknown> => yAxis('value', 'accuracy (%)', { max: 100 })

/** Accuracy (%) against bits, one line per method × granularity × calibration; the float model as a line. */
export function accuracyBitsOption(r: QuantizeJobResult): EChartsOption {
  const float = { name: 'float', type: 'line', data: [], markLine: { symbol: 'none', silent: true, data: [{ yAxis: pct(r.float.accuracy), name: 'float' }], label: { formatter: `float ${pct(r.float.accuracy)} %`, position: 'insideEndTop' } } }
  return perSchemeOption(r, (c) => (c.accuracy === null ? null : pct(c.accuracy)), accuracyAxis(), ' %', [float])
}

/** Non-dominated cells: no other cell is at most as large and at least as accurate (one strictly). */
export function paretoFront(cells: QuantizeCell[]): QuantizeCell[] {
  const ok = cells.filter((c) => c.accuracy !== null && c.sizeRatio !== null)
  return ok
    .filter((c) => !ok.some((d) => d !== c && d.sizeRatio! <= c.sizeRatio! && d.accuracy! >= c.accuracy! && (d.sizeRatio! < c.sizeRatio! || d.accuracy! > c.accuracy!)))
    .sort((a, b) => a.sizeRatio! - b.sizeRatio!)
}

/** Size (% of float bytes) against accuracy for every cell, the Pareto front as a step line. */
export function paretoOption(r: QuantizeJobResult): EChartsOption {
  const ok = r.cells.filter((c) => c.accuracy !== null && c.sizeRatio !== null)
  const front = paretoFront(ok)
  return withLegendRoom({
    tooltip: { trigger: 'item', formatter: '{b}' },
    legend: legend(),
    grid: grid({ right: 24, bottom: 44 }),
    xAxis: xAxis('value', 'size (% of float32)'),
    yAxis: accuracyAxis(),
    series: [
      { name: 'schemes', type: 'scatter', symbolSize: 9, data: ok.map((c) => ({ name: `${c.bits} bits ${cellLabel(c)}`, value: [pct(c.sizeRatio!), pct(c.accuracy!)] })) },
      { name: 'Pareto front', type: 'line', step: 'end', symbol: 'none', data: front.map((c) => [pct(c.sizeRatio!), pct(c.accuracy!)]) },
    ],
  })
}

/** A layer's float weight histogram with the chosen cell's grid levels as vertical lines. */
export function histogramOption(r: QuantizeJobResult, layer: string, cell: QuantizeCell | null): EChartsOption {
  const h = r.histograms.find((x) => x.layer === layer)
  if (!h) return {}
  const w = (h.max - h.min) / h.counts.length
  const levels = cell?.levels[layer] ?? []
  return {
    tooltip: { trigger: 'axis' },
    grid: grid({ right: 24, top: 30, bottom: 44 }),
    xAxis: xAxis('value', 'weight', { min: Math.min(h.min, ...levels), max: Math.max(h.max, ...levels), scale: false, axisLabel: { hideOverlap: true, showMinLabel: false, showMaxLabel: false } }),
    yAxis: yAxis('value', 'count', { scale: false }),
    series: [
      {
        name: layer,
        type: 'bar',
        barWidth: '90%',
        data: h.counts.map((c, i) => [h.min + (i + 0.5) * w, c]),
        markLine: levels.length ? { symbol: 'none', silent: true, lineStyle: { type: 'solid', width: 1 }, label: { show: false }, data: levels.map((v) => ({ xAxis: v })) } : undefined,
      },
    ],
  }
}

/** Accuracy drop (points) per layer, one bar per width. */
export function sensitivityOption(r: QuantizeJobResult): EChartsOption {
  const rows = r.sensitivity ?? []
  const layers = [...new Set(rows.map((x) => x.layer))]
  const bits = [...new Set(rows.map((x) => x.bits))].sort((a, b) => a - b)
  // the axis name under the rotated layer names: their height is sin 20° of their length
  const gap = Math.round(24 + Math.sin(Math.PI / 9) * 7 * Math.max(0, ...layers.map((l) => l.length)))
  return withLegendRoom({
    tooltip: { trigger: 'axis' },
    legend: legend(),
    grid: grid({ right: 24, bottom: gap + 18 }),
    xAxis: { type: 'category', data: layers, name: 'layer', nameLocation: 'middle', nameGap: gap, axisLabel: { interval: 0, rotate: 20 } },
    yAxis: yAxis('value', 'accuracy drop (points)', { scale: false }),
    series: bits.map((b) => ({ name: `${b} bits`, type: 'bar' as const, data: layers.map((l) => pct(rows.find((x) => x.layer === l && x.bits === b)?.drop ?? 0)) })),
  })
}

/** Quantized − float confusion counts (rows: true class, columns: predicted). */
export function confusionDeltaOption(cell: QuantizeCell | null): EChartsOption {
  const d = cell?.confusionDelta
  if (!d) return {}
  const k = d.length
  const data: [number, number, number][] = []
  let m = 1
  d.forEach((row, i) => row.forEach((v, j) => (data.push([j, i, v]), (m = Math.max(m, Math.abs(v))))))
  return {
    tooltip: { position: 'top' },
    grid: { left: 56, right: 80, top: 20, bottom: 44 },
    xAxis: { type: 'category', name: 'predicted class', nameLocation: 'middle', nameGap: 28, data: Array.from({ length: k }, (_, i) => String(i)) },
    yAxis: { type: 'category', name: 'true class', nameLocation: 'middle', nameGap: 36, data: Array.from({ length: k }, (_, i) => String(i)), inverse: true },
    // the colour bar in the right margin, its range once (its end labels; no draggable handles repeating them)
    visualMap: { min: -m, max: m, calculable: false, orient: 'vertical', right: 0, top: 'center', itemHeight: 160, inRange: { color: ['#2166ac', '#f7f7f7', '#b2182b'] } },
    series: [{ type: 'heatmap', data, label: { show: k <= 12 } }],
  }
}

/** ‖Θ_q − Θ‖_F/‖Θ‖_F against bits per scheme (log y). */
export function ntkShiftOption(r: QuantizeJobResult): EChartsOption {
  return perSchemeOption(r, (c) => (c.ntkShift !== null && c.ntkShift > 0 ? c.ntkShift : null), yAxis('log', '‖Θq − Θ‖F / ‖Θ‖F'), '')
}
