import { describe, expect, it } from 'vitest'
import * as kd from '../../renderer/src/components/distill/options-kd'
import * as sd from '../../renderer/src/components/distill/options-self-distill'
import * as eff from '../../renderer/src/components/lab/options-efficiency'
import * as kernel from '../../renderer/src/components/lab/options-kernel'
import * as overlay from '../../renderer/src/components/lab/options-overlay'
import * as spectrum from '../../renderer/src/components/lab/options-spectrum'
import * as sweep from '../../renderer/src/components/lab/options-sweep'
import * as theory from '../../renderer/src/components/lab/options-theory'
import * as quantize from '../../renderer/src/components/quantize/options'
import * as kip from '../../renderer/src/components/kip/kip-charts'
import * as models from '../../renderer/src/components/models/charts'
import { tick } from '../../renderer/src/components/lab/chart-common'
import { legendRows, logCeil, logFloor, niceRange, NARROWEST_CHART } from '../../renderer/src/charts/layout'
import { efficiencyReport, evaluation, kdMetrics, liveStudyMetrics, quantizeResult, selfDistillReport, spectrumReport, studyReport, theoryCurves, WIDTHS } from './chart-fixtures'

// Every chart-options builder of the app, at its busiest realistic input, against the layout rules of
// issue 21: no legend pages ("1/2"), the plot starts below the legend's rows, axis names clear their tick
// labels and stay inside the canvas, and no y-axis name sits at the top where the legend is.

type Obj = Record<string, unknown>
const MODULES = { kd, sd, eff, kernel, overlay, spectrum, sweep, theory, quantize, kip, models } as const

const heat = { size: 30, data: Float32Array.from({ length: 900 }, (_, i) => Math.sin(i) + (i % 31 === 0 ? 3 : 0)), boundaries: [{ cls: 0, start: 0, end: 10 }, { cls: 1, start: 10, end: 20 }, { cls: 2, start: 20, end: 30 }] }
const q = quantizeResult()

/** module#builder → its option at a busy input (several per builder where a switch changes the layout) */
const BUILDERS: Record<string, () => unknown[]> = {
  'kd#kdCurvesOption': () => [kd.kdCurvesOption(kdMetrics(), false)],
  'kd#studyBarsOption': () => (['accuracy', 'agreement', 'kl'] as const).map((m) => kd.studyBarsOption(studyReport(), m, false)),
  'kd#studyCurvesOption': () => (['studentAccuracy', 'agreement', 'kl'] as const).map((m) => kd.studyCurvesOption(studyReport(), m, false)),
  'kd#liveStudyOption': () => [kd.liveStudyOption(liveStudyMetrics(), false)],
  'sd#errorVsStepsOption': () => [sd.errorVsStepsOption(selfDistillReport(), 'mse', false), sd.errorVsStepsOption(selfDistillReport(), 'error', true)],
  'sd#optimalAlphaOption': () => [sd.optimalAlphaOption(selfDistillReport(), false)],
  'sd#shrinkageOption': () => [sd.shrinkageOption(selfDistillReport(), 0, false)],
  'eff#errorOption': () => [eff.errorOption(efficiencyReport(), false)],
  'eff#accuracyOption': () => [eff.accuracyOption(efficiencyReport(), false)],
  'eff#timingOption': () => [eff.timingOption(efficiencyReport(), false)],
  'eff#lowRankOption': () => [eff.lowRankOption(efficiencyReport(), false)],
  'kernel#heatmapOption': () => [kernel.heatmapOption(heat, 'NTK', false, ['setosa', 'versicolor', 'virginica'])],
  'kernel#spectrumOption': () => [kernel.spectrumOption({ ntk: Float32Array.from({ length: 300 }, (_, i) => 50 / (i + 1) ** 2), nngp: Float32Array.from({ length: 300 }, (_, i) => 20 / (i + 1) ** 2) }, false)],
  'overlay#overlayOption': () => [
    overlay.overlayOption(Array.from({ length: 13 }, (_, i) => ({ runId: `r${i}`, label: `NTK Lab run ${i} · relu depth 3`, steps: [1, 2, 3, 4], values: [1, 0.5, 0.3, 0.2 + i / 100], baseline: i === 4 })), 'test_loss', false, { logX: true }),
    overlay.overlayOption(Array.from({ length: 5 }, (_, i) => ({ runId: `r${i}`, label: `run ${i}`, steps: [64 * 2 ** i], values: [0.1 * i] })), 'rel_error', false),
  ],
  'spectrum#labelEnergyOption': () => [spectrum.labelEnergyOption(spectrumReport(), false)],
  'spectrum#modeDecayOption': () => [spectrum.modeDecayOption(spectrumReport(), false)],
  'spectrum#stoppingOption': () => [spectrum.stoppingOption(spectrumReport(), false)],
  'sweep#widthSweepOption': () => [sweep.widthSweepOption({ widths: [64, 128, 256, 512, 1024], errors: [64, 128, 256, 512, 1024].map((w) => [1, 1.1, 0.9].map((s) => s / Math.sqrt(w))) }, false)],
  'theory#lossOption': () => [theory.lossOption('train', theoryCurves(), WIDTHS, false), theory.lossOption('test', theoryCurves(), WIDTHS, false, { logX: false, logY: false })],
  'theory#driftOption': () => [theory.driftOption(theoryCurves(), WIDTHS, false)],
  'quantize#accuracyBitsOption': () => [quantize.accuracyBitsOption(q)],
  'quantize#paretoOption': () => [quantize.paretoOption(q)],
  'quantize#histogramOption': () => [quantize.histogramOption(q, 'dense_1/kernel', q.cells[0]!)],
  'quantize#sensitivityOption': () => [quantize.sensitivityOption(q)],
  'quantize#confusionDeltaOption': () => [quantize.confusionDeltaOption(q.cells[0]!)],
  'quantize#ntkShiftOption': () => [quantize.ntkShiftOption(q)],
  'kip#lossOption': () => [kip.lossOption({ steps: [0, 10, 20], values: [1, 0.1, 0.01], total: 3 } as never)],
  'kip#accuracyOption': () => [kip.accuracyOption({ steps: [0, 10, 20], values: [0.5, 0.8, 0.9], total: 3 } as never)],
  'kip#labelsOption': () => [kip.labelsOption({ shape: [100, 10], data: Float32Array.from({ length: 1000 }, (_, i) => Math.cos(i)) }, 10)],
  'kip#transferOption': () => [kip.transferOption({ distilled: 0.8, random: 0.6, width: 1024, steps: 500 }, 10)],
  'models#curvesOption': () => [models.curvesOption('loss', [[1, 1], [40, 0.1]], [[1, 1.2], [40, 0.2]]), models.curvesOption('accuracy', [[1, 0.5], [40, 0.99]], [[1, 0.4], [40, 0.95]])],
  'models#confusionOption': () => [models.confusionOption(evaluation()), models.confusionOption(evaluation(3), ['setosa', 'versicolor', 'virginica'])],
  'models#reliabilityOption': () => [models.reliabilityOption(evaluation())],
  'models#histogramOption': () => [models.histogramOption({ name: 'dense_1/kernel', min: -0.6, max: 0.6, counts: Array.from({ length: 40 }, (_, i) => i * (40 - i)) } as never)],
}

const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : v ? [v as Obj] : [])
const CHAR = 7 // px per character of an 11–12 px label, on the wide side
const LABEL_HEIGHT = 14

/** the numbers an axis shows: its series' values on that axis (dimension 0 for x, 1 for y) */
function axisValues(o: Obj, dim: 'x' | 'y', index: number): number[] {
  const out: number[] = []
  for (const s of list(o.series)) {
    if (Number((s[`${dim}AxisIndex`] as number | undefined) ?? 0) !== index) continue
    for (const d of (s.data as unknown[] | undefined) ?? []) {
      const v = Array.isArray(d) ? d : typeof d === 'object' && d !== null && 'value' in d ? (d as { value: unknown }).value : d
      const x = Array.isArray(v) ? v[dim === 'x' ? 0 : 1] : dim === 'y' ? v : undefined
      if (typeof x === 'number' && Number.isFinite(x)) out.push(x)
    }
  }
  return out
}

/** the tick labels an axis draws, as text (a close estimate: ECharts' ticks are a nice subset of these) */
function tickLabels(o: Obj, axis: Obj, dim: 'x' | 'y', index: number): string[] {
  const label = (axis.axisLabel ?? {}) as Obj
  if (label.show === false || axis.show === false) return []
  const fmt = typeof label.formatter === 'function' ? (label.formatter as (v: number | string) => string) : (v: number | string) => (typeof v === 'number' ? tick(v) : String(v))
  if (axis.type === 'category') return ((axis.data as unknown[]) ?? []).map((c) => fmt(c as string))
  if (Array.isArray(label.customValues)) return (label.customValues as number[]).map((v) => fmt(v))
  const vals = axisValues(o, dim, index)
  const extent = { min: Math.min(...vals), max: Math.max(...vals) }
  // a bound is a number, or a function ECharts calls with the data extent (log axes: logExtent)
  const bound = (b: unknown, d: number): number => (typeof b === 'number' ? b : typeof b === 'function' ? ((b as (e: typeof extent) => number | undefined)(extent) ?? d) : d)
  const lo = bound(axis.min, extent.min)
  const hi = bound(axis.max, extent.max)
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return []
  if (axis.type === 'log') {
    const out = [fmt(lo), fmt(hi)]
    for (let e = Math.ceil(Math.log10(lo)); e <= Math.floor(Math.log10(hi)); e++) out.push(fmt(10 ** e))
    return out
  }
  const r = niceRange(lo, hi)
  const out: string[] = []
  for (let v = r.min; v <= r.max + r.interval / 2; v += r.interval) out.push(fmt(Number(v.toPrecision(12))))
  return out
}

function checkAxes(o: Obj, where: string): void {
  const grid = list(o.grid)[0] ?? {}
  for (const dim of ['x', 'y'] as const) {
    list(o[`${dim}Axis`]).forEach((axis, index) => {
      if (!axis.name || axis.show === false) return
      const at = `${where} ${dim}Axis[${index}] "${String(axis.name)}"`
      const labels = tickLabels(o, axis, dim, index)
      const widest = Math.max(0, ...labels.map((l) => l.length)) * CHAR
      const gap = Number(axis.nameGap ?? 15)
      if (dim === 'y') {
        // a name on top of the axis collides with the legend there (the sensitivity chart's did)
        if (o.legend) expect(axis.nameLocation, `${at}: beside the axis, not on top where the legend is`).toBe('middle')
        if (axis.nameLocation !== 'middle') return
        expect(gap, `${at}: name gap clears tick labels ${JSON.stringify(labels.slice(0, 4))}`).toBeGreaterThanOrEqual(widest + 8)
        const side = axis.position === 'right' ? 'right' : 'left'
        if (typeof grid[side] === 'number') expect(grid[side] as number, `${at}: the name stays inside the canvas`).toBeGreaterThanOrEqual(gap + 12)
      } else {
        if (axis.nameLocation !== 'middle') return
        const rotate = Number(((axis.axisLabel ?? {}) as Obj).rotate ?? 0)
        const need = LABEL_HEIGHT + Math.sin((Math.abs(rotate) * Math.PI) / 180) * widest + 6
        expect(gap, `${at}: name gap clears (rotated ${rotate}°) tick labels`).toBeGreaterThanOrEqual(need)
        if (typeof grid.bottom === 'number') expect(grid.bottom as number, `${at}: the name stays inside the canvas`).toBeGreaterThanOrEqual(gap + 12)
      }
    })
  }
}

function legendNames(o: Obj): string[] {
  const lg = o.legend as Obj
  if (Array.isArray(lg.data)) return (lg.data as unknown[]).map((d) => (typeof d === 'string' ? d : String((d as Obj).name)))
  return [...new Set(list(o.series).map((s) => s.name as string).filter(Boolean))]
}

describe('chart layout: every options builder', () => {
  it('the table covers every exported *Option builder', () => {
    const exported = Object.entries(MODULES).flatMap(([m, mod]) => Object.entries(mod).filter(([k, v]) => typeof v === 'function' && k.endsWith('Option')).map(([k]) => `${m}#${k}`))
    expect(Object.keys(BUILDERS).sort()).toEqual(exported.sort())
  })

  for (const [key, build] of Object.entries(BUILDERS)) {
    it(key, () => {
      const options = build()
      expect(options.length).toBeGreaterThan(0)
      options.forEach((raw, i) => {
        expect(raw, `${key}[${i}] builds an option`).toBeTruthy()
        const o = raw as Obj
        const where = `${key}[${i}]`
        if (o.legend) {
          const lg = o.legend as Obj
          expect(lg.type ?? 'plain', `${where}: a paging legend hides entries behind "1/2"`).not.toBe('scroll')
          const names = legendNames(o)
          const rows = legendRows(names, NARROWEST_CHART)
          for (const g of list(o.grid)) expect(Number(g.top), `${where}: the plot starts below ${rows} legend row(s) of ${names.length} entries`).toBeGreaterThanOrEqual(20 * rows + 20)
        }
        checkAxes(o, where)
      })
    })
  }
})

describe('nice axis ranges', () => {
  it('bounds are multiples of the step, 1-2-5 steps, clamped where asked: no "0.7928" beside "0.8"', () => {
    const r = niceRange(0.7928 - 0.02, 0.911 + 0.01, { pad: 0.15, clamp: [0, 1] })
    expect([r.min, r.max, r.interval]).toEqual([0.75, 0.95, 0.05])
    for (const [lo, hi] of [[0.0123, 0.0789], [3, 1017], [-2.5, 7.1], [0.9, 0.9]]) {
      const n = niceRange(lo!, hi!)
      expect(n.min).toBeLessThanOrEqual(lo!)
      expect(n.max).toBeGreaterThanOrEqual(hi!)
      const k = (n.max - n.min) / n.interval
      expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-9)
      expect(Math.abs(n.min / n.interval - Math.round(n.min / n.interval))).toBeLessThan(1e-9)
      const mant = n.interval / 10 ** Math.floor(Math.log10(n.interval))
      expect([1, 2, 5]).toContain(Math.round(mant))
    }
    expect(niceRange(0.95, 0.999, { clamp: [0, 1] }).max).toBe(1)
  })

  it('log axes stop at the data, on a round value at or beyond it', () => {
    expect([logFloor(16), logCeil(2048)]).toEqual([15, 3000])
    expect([logFloor(0.00123), logCeil(0.0123)]).toEqual([0.001, 0.015])
    expect([logFloor(150), logCeil(150)]).toEqual([150, 150])
  })

  it('legend rows: names wrap like words at the chart width', () => {
    expect(legendRows([], 480)).toBe(0)
    expect(legendRows(['train', 'test'], 480)).toBe(1)
    expect(legendRows(Array.from({ length: 18 }, (_, i) => `kd seed ${i}`), 480)).toBeGreaterThan(2)
    expect(legendRows(Array.from({ length: 18 }, (_, i) => `kd seed ${i}`), 2000)).toBeLessThan(legendRows(Array.from({ length: 18 }, (_, i) => `kd seed ${i}`), 480))
  })
})
