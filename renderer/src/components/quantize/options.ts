import type { EChartsOption } from '../../charts/echarts'
import type { QuantizeCell, QuantizeJobResult } from '../../../../shared/index'

// Chart options of the Quantize page, built from a quantize run's result (pure functions, unit-tested).

const pct = (v: number) => Math.round(v * 10000) / 100

export function cellLabel(c: Pick<QuantizeCell, 'method' | 'granularity' | 'calibration'>): string {
  return c.method === 'kmeans' ? `kmeans ${c.granularity}` : `${c.method} ${c.granularity} ${c.calibration}`
}

/** Accuracy (%) against bits, one line per method × granularity × calibration; the float model as a line. */
export function accuracyBitsOption(r: QuantizeJobResult): EChartsOption {
  const groups = new Map<string, [number, number][]>()
  for (const c of r.cells) {
    if (c.accuracy === null || typeof c.bits !== 'number') continue
    const key = cellLabel(c)
    const list = groups.get(key) ?? []
    list.push([c.bits, pct(c.accuracy)])
    groups.set(key, list)
  }
  const series = [...groups].map(([name, data]) => ({ name, type: 'line' as const, data: data.sort((a, b) => a[0] - b[0]), symbolSize: 7 }))
  return {
    tooltip: { trigger: 'axis' },
    legend: { type: 'scroll', top: 0 },
    grid: { left: 56, right: 70, top: 64, bottom: 44 },
    xAxis: { type: 'value', name: 'bits', nameLocation: 'middle', nameGap: 28, minInterval: 1, min: 'dataMin', max: 'dataMax' },
    yAxis: { type: 'value', name: 'accuracy (%)', scale: true },
    series: [...series, { name: 'float', type: 'line', data: [], markLine: { symbol: 'none', silent: true, data: [{ yAxis: pct(r.float.accuracy), name: 'float' }], label: { formatter: `float ${pct(r.float.accuracy)} %`, position: 'insideEndTop' } } }],
  }
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
  return {
    tooltip: { trigger: 'item', formatter: '{b}' },
    legend: { top: 0 },
    grid: { left: 56, right: 20, top: 56, bottom: 44 },
    xAxis: { type: 'value', name: 'size (% of float32)', nameLocation: 'middle', nameGap: 28 },
    yAxis: { type: 'value', name: 'accuracy (%)', scale: true },
    series: [
      { name: 'schemes', type: 'scatter', symbolSize: 9, data: ok.map((c) => ({ name: `${c.bits} bits ${cellLabel(c)}`, value: [pct(c.sizeRatio!), pct(c.accuracy!)] })) },
      { name: 'Pareto front', type: 'line', step: 'end', symbol: 'none', data: front.map((c) => [pct(c.sizeRatio!), pct(c.accuracy!)]) },
    ],
  }
}

/** A layer's float weight histogram with the chosen cell's grid levels as vertical lines. */
export function histogramOption(r: QuantizeJobResult, layer: string, cell: QuantizeCell | null): EChartsOption {
  const h = r.histograms.find((x) => x.layer === layer)
  if (!h) return {}
  const w = (h.max - h.min) / h.counts.length
  const levels = cell?.levels[layer] ?? []
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 56, right: 20, top: 30, bottom: 44 },
    xAxis: { type: 'value', name: 'weight', nameLocation: 'middle', nameGap: 28, min: Math.min(h.min, ...levels), max: Math.max(h.max, ...levels) },
    yAxis: { type: 'value', name: 'count' },
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
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 56, right: 20, top: 40, bottom: 60 },
    xAxis: { type: 'category', data: layers, axisLabel: { interval: 0, rotate: 20 } },
    yAxis: { type: 'value', name: 'accuracy drop (points)' },
    series: bits.map((b) => ({ name: `${b} bits`, type: 'bar' as const, data: layers.map((l) => pct(rows.find((x) => x.layer === l && x.bits === b)?.drop ?? 0)) })),
  }
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
    xAxis: { type: 'category', name: 'predicted', nameLocation: 'middle', nameGap: 28, data: Array.from({ length: k }, (_, i) => String(i)) },
    yAxis: { type: 'category', name: 'true', data: Array.from({ length: k }, (_, i) => String(i)), inverse: true },
    visualMap: { min: -m, max: m, calculable: true, orient: 'vertical', right: 0, top: 'center', inRange: { color: ['#2166ac', '#f7f7f7', '#b2182b'] } },
    series: [{ type: 'heatmap', data, label: { show: k <= 12 } }],
  }
}

/** ‖Θ_q − Θ‖_F/‖Θ‖_F against bits per scheme (log y). */
export function ntkShiftOption(r: QuantizeJobResult): EChartsOption {
  const groups = new Map<string, [number, number][]>()
  for (const c of r.cells) {
    if (c.ntkShift === null || typeof c.bits !== 'number' || !(c.ntkShift > 0)) continue
    const list = groups.get(cellLabel(c)) ?? []
    list.push([c.bits, c.ntkShift])
    groups.set(cellLabel(c), list)
  }
  return {
    tooltip: { trigger: 'axis' },
    legend: { type: 'scroll', top: 0 },
    grid: { left: 64, right: 20, top: 64, bottom: 44 },
    xAxis: { type: 'value', name: 'bits', nameLocation: 'middle', nameGap: 28, minInterval: 1, min: 'dataMin', max: 'dataMax' },
    yAxis: { type: 'log', name: '‖Θq − Θ‖F / ‖Θ‖F' },
    series: [...groups].map(([name, data]) => ({ name, type: 'line' as const, data: data.sort((a, b) => a[0] - b[0]) })),
  }
}
