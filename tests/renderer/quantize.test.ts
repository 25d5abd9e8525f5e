import * as echarts from 'echarts'
import { describe, expect, it } from 'vitest'
import type { QuantizeCell, QuantizeJobResult } from '../../shared/index'
import { accuracyBitsOption, confusionDeltaOption, histogramOption, paretoFront, paretoOption } from '../../renderer/src/components/quantize/options'

const cell = (bits: number, granularity: string, accuracy: number | null, sizeRatio: number | null, extra: Partial<QuantizeCell> = {}): QuantizeCell => ({
  bits,
  granularity,
  calibration: 'minmax',
  method: 'uniform',
  accuracy,
  loss: 0,
  weightBytes: 0,
  sizeRatio,
  ntkShift: null,
  confusionDelta: null,
  error: null,
  levels: {},
  exponents: {},
  ...extra,
})

const result = (cells: QuantizeCell[]): QuantizeJobResult => ({
  modelName: 'm',
  float: { accuracy: 0.95, loss: 0.2, weightBytes: 1000, confusion: [] },
  cells,
  histograms: [{ layer: 'dense_1/kernel', min: -1, max: 1, counts: [1, 2, 3, 4] }],
  sensitivity: null,
  mixed: null,
  export: null,
})

describe('Quantize page charts', () => {
  it('accuracy axes end at 100 % (every scheme at 100 % used to draw an axis to 160 %)', () => {
    const r = { ...result([cell(2, 'tensor', 1, 0.06), cell(8, 'tensor', 1, 0.25), cell(2, 'channel', 1, 0.07)]), float: { accuracy: 1, loss: 0, weightBytes: 1000, confusion: [] } }
    for (const option of [accuracyBitsOption(r), paretoOption(r)]) {
      const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 520, height: 320 })
      chart.setOption(option)
      const y = (chart as unknown as { getModel(): { getComponent(t: string): { axis: { scale: { getExtent(): [number, number] } } } } }).getModel().getComponent('yAxis')
      const [lo, hi] = y.axis.scale.getExtent()
      expect(hi).toBe(100)
      expect(lo).toBeLessThan(100)
      chart.dispose()
    }
  })

  it('Pareto front keeps exactly the non-dominated cells, by size', () => {
    const a = cell(2, 'tensor', 0.5, 0.06)
    const b = cell(4, 'tensor', 0.9, 0.12)
    const c = cell(4, 'channel', 0.85, 0.13) // dominated by b
    const d = cell(8, 'tensor', 0.95, 0.25)
    const e = cell(3, 'tensor', null, null, { error: 'x' })
    expect(paretoFront([d, c, b, a, e])).toEqual([a, b, d])
    const o = paretoOption(result([a, b, c, d, e])) as { series: { data: unknown[] }[] }
    expect(o.series[0]!.data).toHaveLength(4)
    expect(o.series[1]!.data).toEqual([
      [6, 50],
      [12, 90],
      [25, 95],
    ])
  })

  it('accuracy vs bits: one line per scheme, points sorted by bits, in percent; float as a reference line', () => {
    const o = accuracyBitsOption(result([cell(8, 'tensor', 0.95, 0.25), cell(2, 'tensor', 0.4, 0.06), cell(2, 'channel', 0.7, 0.07), cell(4, 'tensor', null, null)])) as {
      series: { name: string; data: [number, number][]; markLine?: { data: { yAxis: number }[] } }[]
    }
    // legend names keep only what differs between the schemes; the tooltip names them in full
    expect(o.series.map((s) => s.name)).toEqual(['tensor', 'channel', 'float'])
    const tip = (o as unknown as { tooltip: { formatter(items: unknown[]): string } }).tooltip.formatter([{ axisValue: 2, marker: '', seriesName: 'channel', value: [2, 70] }])
    expect(tip).toContain('uniform channel minmax')
    expect(o.series[0]!.data).toEqual([
      [2, 40],
      [8, 95],
    ])
    expect(o.series[2]!.markLine!.data[0]!.yAxis).toBe(95)
  })

  it('histogram bars sit at bin centres and the grid levels become vertical lines', () => {
    const c = cell(2, 'tensor', 0.5, 0.06, { levels: { 'dense_1/kernel': [-0.8, 0, 0.8] } })
    const o = histogramOption(result([c]), 'dense_1/kernel', c) as { series: { data: [number, number][]; markLine: { data: { xAxis: number }[] } }[] }
    expect(o.series[0]!.data).toEqual([
      [-0.75, 1],
      [-0.25, 2],
      [0.25, 3],
      [0.75, 4],
    ])
    expect(o.series[0]!.markLine.data.map((d) => d.xAxis)).toEqual([-0.8, 0, 0.8])
  })

  it('confusion difference: [predicted, true, delta] cells and a symmetric colour scale', () => {
    const o = confusionDeltaOption(cell(2, 'tensor', 0.5, 0.1, { confusionDelta: [[-3, 3], [1, -1]] })) as { series: { data: number[][] }[]; visualMap: { min: number; max: number } }
    expect(o.series[0]!.data).toEqual([
      [0, 0, -3],
      [1, 0, 3],
      [0, 1, 1],
      [1, 1, -1],
    ])
    expect(o.visualMap).toMatchObject({ min: -3, max: 3 })
  })
})
