// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, reactive, ref, toRaw } from 'vue'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { JobSpec } from '../../shared/jobs/spec'
import type { Experiment, MetricSeries, RunDetail, RunSummary } from '../../shared/project'
import type { DatasetSummary } from '../../shared/dataset'
import type { MetricIncrement } from '../../shared/ipc'
import { setApi } from '../../renderer/src/api/index'
import { useExperiments } from '../../renderer/src/stores/experiments'
import { useCompare } from '../../renderer/src/stores/compare'
import { useRuns } from '../../renderer/src/stores/runs'
import { buildSpec, defaultForm, formFromSpec, parseWidths, switchKind } from '../../renderer/src/forms/lab-form'
import { widthColor } from '../../renderer/src/components/lab/colors'
import { downsample, logLogFit, points } from '../../renderer/src/components/lab/chart-common'
import { driftOption, lossOption, widthsOf } from '../../renderer/src/components/lab/options-theory'
import { sweepFromMetric, widthSweepOption } from '../../renderer/src/components/lab/options-sweep'
import { metricsCsv, overlayOption } from '../../renderer/src/components/lab/options-overlay'
import { heatmapOption } from '../../renderer/src/components/lab/options-kernel'
import { LIVE_REFRESH_MS, useRunData } from '../../renderer/src/components/lab/use-run-data'
import { fakeApi, summary } from './fake-api'

type Series = { name: string; type: string; data: unknown[]; lineStyle?: { color?: string; type?: string }; itemStyle?: { color?: string } }
const seriesOf = (o: unknown): Series[] => (o as { series: Series[] }).series

let pinia: Pinia
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => vi.useRealTimers())

describe('experiment form → JobSpec', () => {
  it('builds a width-sweep spec the engine schema accepts, with every architecture field from the form', () => {
    const d = defaultForm('width-sweep', 'ds-1')
    const f = { ...d, arch: { ...d.arch, depth: 3, activation: 'erf' as const, params: { ...d.arch.params, 'erf.a': 2, 'erf.b': 0.5, 'erf.c': 0.1 }, wStd: 1.3, bias: false }, widths: '64, 256 1024', seedsPerWidth: 4, train: 96, test: 40, seed: 7 }
    const { spec, errors } = buildSpec(f, 'mnist')
    expect(errors).toEqual({})
    const parsed = JobSpec.parse(spec)
    expect(parsed).toMatchObject({
      kind: 'width-sweep',
      seed: 7,
      data: { datasetId: 'ds-1', train: 96, test: 40 },
      arch: { depth: 3, width: 'inf', activation: { name: 'erf', a: 2, b: 0.5, c: 0.1 }, wStd: 1.3, bStd: null, parameterization: 'ntk' },
      widths: [64, 256, 1024],
      seedsPerWidth: 4,
    })
    expect(parsed.name).toContain('mnist')
  })

  it('switching the kind of a reactive form gives a plain form (structuredClone takes it)', () => {
    const held = reactive(defaultForm('lab-kernel', 'ds'))
    expect(() => structuredClone(toRaw(switchKind(held, 'width-sweep')))).not.toThrow()
  })

  it('leaves the learning rate out when blank (automatic) and passes it when typed', () => {
    const f = defaultForm('train-vs-theory', 'ds')
    expect('learningRate' in (buildSpec(f).spec as object)).toBe(false)
    const typed = buildSpec({ ...f, learningRate: '0.25', arch: { ...f.arch, activation: 'leaky_relu', params: { ...f.arch.params, 'leaky_relu.alpha': 0.2 } } }).spec as { learningRate: number; arch: { activation: unknown } }
    expect(typed.learningRate).toBe(0.25)
    expect(typed.arch.activation).toEqual({ name: 'leaky_relu', alpha: 0.2 })
    expect(buildSpec({ ...f, learningRate: 'fast' }).errors.learningRate).toMatch(/positive number/)
  })

  it('reports bad fields instead of building a spec', () => {
    const f = defaultForm('width-sweep', '')
    const r = buildSpec({ ...f, widths: '64, x', train: 1 })
    expect(r.spec).toBeNull()
    expect(Object.keys(r.errors).sort()).toEqual(['datasetId', 'train', 'widths'])
    expect(buildSpec({ ...f, datasetId: 'd', widths: '128' }).errors.widths).toMatch(/two widths/)
    expect(buildSpec({ ...f, datasetId: 'd', arch: { ...f.arch, parameterization: 'standard' } }).errors.parameterization).toMatch(/NTK parameterization/)
    expect(parseWidths('8 16,32;64')).toEqual([8, 16, 32, 64])
    expect(parseWidths('8, 0')).toBeNull()
  })

  it('reads a saved spec back into the same form', () => {
    const d = defaultForm('lab-spectrum', 'ds')
    const f = { ...d, arch: { ...d.arch, activation: 'abrelu' as const, params: { ...d.arch.params, 'abrelu.a': -0.3, 'abrelu.b': 1.2 } }, kernel: 'nngp' as const, tMax: 5000, name: 'mine' }
    const spec = buildSpec(f).spec!
    const back = formFromSpec(spec, 'mine')!
    expect(buildSpec(back).spec).toEqual(spec)
    expect(back.kernel).toBe('nngp')
    expect(formFromSpec({ kind: 'backend-benchmark' } as never)).toBeNull()
  })

  it('efficiency: the low-rank study is in the spec when ranks are given, left out when blank, and read back', () => {
    const f = { ...defaultForm('lab-efficiency', 'ds'), lowRankRanks: '4, 16', lowRankWidth: 256 }
    const spec = buildSpec(f).spec! as { lowRank?: unknown }
    expect(JobSpec.parse(spec)).toMatchObject({ lowRank: { width: 256, ranks: [4, 16] } })
    expect(buildSpec(formFromSpec(spec as never)!).spec).toEqual(spec)
    const off = buildSpec({ ...f, lowRankRanks: ' ' }).spec! as { lowRank?: unknown }
    expect(off.lowRank).toBeUndefined()
    expect(formFromSpec(off as never)!.lowRankRanks).toBe('')
    expect(buildSpec({ ...f, lowRankRanks: '4, x' }).errors.lowRankRanks).toMatch(/positive integers/)
    expect(buildSpec({ ...f, arch: { ...f.arch, parameterization: 'standard' } }).errors.lowRankRanks).toMatch(/NTK parameterization/)
    expect(buildSpec({ ...f, lowRankWidth: 2 }).errors.lowRankWidth).toMatch(/Low-rank width/)
  })
})

describe('colours per width', () => {
  it('gives a width the same colour in every chart, whatever other widths are shown', () => {
    const curves = { 'train_loss/w=256': { steps: [1, 2], values: [1, 0.5] }, 'theory_train_loss/w=256': { steps: [1, 2], values: [1, 0.4] }, 'kernel_drift/w=256': { steps: [1, 2], values: [0.1, 0.2] } }
    const a = seriesOf(lossOption('train', curves, [64, 256], false))
    const b = seriesOf(lossOption('test', curves, [256, 1024, 2048], false))
    const d = seriesOf(driftOption(curves, [128, 256], false))
    const colour = widthColor(256, false)
    for (const list of [a, b, d]) for (const s of list.filter((x) => x.name.startsWith('w=256'))) expect(s.lineStyle!.color).toBe(colour)
    // actual solid, theory dashed, same hue
    expect(a.find((s) => s.name === 'w=256')!.lineStyle!.type).toBeUndefined()
    expect(a.find((s) => s.name === 'w=256 NTK theory')!.lineStyle!.type).toBe('dashed')
    // the width sweep's points use it too
    const sweep = seriesOf(widthSweepOption({ widths: [64, 256], errors: [[0.4], [0.2]] }, false))
    const pt = (sweep[0]!.data as { value: number[]; itemStyle: { color: string } }[]).find((p) => p.value[0] === 256)!
    expect(pt.itemStyle.color).toBe(colour)
  })

  it('gives the usual widths 64 … 2048 distinct colours, in light and dark', () => {
    for (const dark of [false, true]) {
      const cs = [64, 128, 256, 512, 1024, 2048].map((w) => widthColor(w, dark))
      expect(new Set(cs).size).toBe(6)
      expect(widthColor('inf', dark)).not.toBe(cs[0])
    }
    expect(widthColor(64, true)).not.toBe(widthColor(64, false))
  })
})

describe('chart data', () => {
  it('width sweep: the fit through exact w^(−½) errors has slope −½; streamed points group by width', () => {
    const widths = [32, 128, 512, 2048]
    const errs = widths.map((w) => [3 / Math.sqrt(w), 3.2 / Math.sqrt(w)])
    const o = seriesOf(widthSweepOption({ widths, errors: errs }, false))
    const fit = o.find((s) => s.name.startsWith('fit'))!
    const [[x0, y0], [x1, y1]] = fit.data as [[number, number], [number, number]]
    expect((Math.log(y1!) - Math.log(y0!)) / (Math.log(x1!) - Math.log(x0!))).toBeCloseTo(-0.5, 10)
    expect(o.find((s) => s.name === 'per seed')!.data).toHaveLength(8)
    const g = sweepFromMetric([64, 64, 256, 256, 256], [0.5, 0.6, 0.2, 0.25, 0.3])
    expect(g).toEqual({ widths: [64, 256], errors: [[0.5, 0.6], [0.2, 0.25, 0.3]] })
    expect(logLogFit([1, 10], [5, 0.5])!.slope).toBeCloseTo(-1, 12)
  })

  it('training vs theory: widths come from the metric names; step 0 is left out on a log axis', () => {
    expect(widthsOf(['train_loss/w=1024', 'theory_train_loss/inf', 'kernel_drift/w=64', 'test_loss/w=1024'])).toEqual([64, 1024])
    const curves = { 'train_loss/w=64': { steps: [0, 1, 10], values: [2, 1, 0.1] }, 'theory_train_loss/inf': { steps: [0, 1, 10], values: [2, 1.1, 0.2] } }
    const log = seriesOf(lossOption('train', curves, [64], false))
    expect(log.find((s) => s.name === 'w=64')!.data).toEqual([[1, 1], [10, 0.1]])
    expect(log.find((s) => s.name.startsWith('∞'))!.data).toHaveLength(2)
    const lin = seriesOf(lossOption('train', curves, [64], false, { logX: false, logY: false }))
    expect(lin.find((s) => s.name === 'w=64')!.data).toEqual([[0, 2], [1, 1], [10, 0.1]])
  })

  it('LTTB keeps long series at the chart limit, with first and last point', () => {
    const n = 100_000
    const xs = Array.from({ length: n }, (_, i) => i + 1)
    const pts = points(xs, xs.map((x) => 1 / x))
    const d = downsample(pts, 2000)
    expect(d).toHaveLength(2000)
    expect(d[0]).toEqual([1, 1])
    expect(d.at(-1)).toEqual([n, 1 / n])
    // for a log x axis the kept points spread over the decades instead of crowding the last one
    const dl = downsample(pts, 2000, true)
    expect(dl.length).toBeLessThanOrEqual(2000)
    expect(dl[0]).toEqual([1, 1])
    expect(dl.at(-1)).toEqual([n, 1 / n])
    for (let k = 1; k < dl.length; k++) expect(dl[k]![0]).toBeGreaterThan(dl[k - 1]![0])
    expect(dl.filter((p) => p[0] < 100).length).toBe(99)
    expect(d.filter((p) => p[0] < 100).length).toBeLessThan(10)
  })

  it('overlay: one series per selected run (no cap), the baseline dashed and named', () => {
    const curves = Array.from({ length: 13 }, (_, i) => ({ runId: `r${i}`, label: `run ${i}`, steps: [0, 1, 2], values: [1, 0.5, i], baseline: i === 4 }))
    const s = seriesOf(overlayOption(curves, 'test_loss', false))
    expect(s).toHaveLength(13)
    expect(s.map((x) => (x as unknown as { id: string }).id)).toEqual(curves.map((c) => c.runId))
    const base = s.filter((x) => x.name.endsWith('(baseline)'))
    expect(base).toHaveLength(1)
    expect(base[0]!.lineStyle!.type).toBe('dashed')
    expect(base[0]!.data).toEqual([[0, 1], [1, 0.5], [2, 4]])
    const csv = metricsCsv([{ runId: 'a', run: 'x, "y"', metric: 'loss', steps: [0, 1], values: [2, 1] }])
    expect(csv).toBe('run_id,run,metric,step,value\na,"x, ""y""",loss,0,2\na,"x, ""y""",loss,1,1\n')
  })

  it('heatmap: s² cells at (column, row), class boundaries drawn between blocks', () => {
    const s = 4
    const data = Array.from({ length: s * s }, (_, k) => k)
    const o = heatmapOption({ size: s, data, boundaries: [{ cls: 0, start: 0, end: 1.5 }, { cls: 1, start: 1.5, end: 4 }] }, 'NTK', false) as unknown as {
      series: { data: [number, number, number][]; markLine?: { data: Record<string, number>[] } }[]
    }
    expect(o.series[0]!.data).toHaveLength(16)
    expect(o.series[0]!.data).toContainEqual([2, 1, expect.any(Number), 6])
    expect(o.series[1]!.markLine!.data).toEqual([{ xAxis: 1.5 }, { yAxis: 1.5 }])
  })
})

describe('experiments store', () => {
  const experiment = (over: Partial<Experiment> = {}): Experiment => ({
    id: 'e1',
    name: 'sweep',
    spec: JobSpec.parse(buildSpec(defaultForm('width-sweep', 'ds')).spec),
    createdAt: 1,
    updatedAt: 2,
    runs: 0,
    ...over,
  })

  it('Run saves the form as a spec, then runs that experiment and shows its run', async () => {
    const f = fakeApi({
      'experiments.list': () => [],
      'datasets.list': () => [{ id: 'ds', name: 'mnist', source: 'example:mnist', format: 'idx', hash: 'h', createdAt: 1, rows: 10, xShape: [10, 784], task: 'classification', classes: 10, bytes: 1, recipe: { scale: 'none', l2Normalize: false, flatten: 'hwc', labels: 'one-hot', split: { train: 0.8, validation: 0, stratified: true, seed: 0 } } }],
      'experiments.save': (p) => experiment({ id: 'e9', name: p.name, spec: JobSpec.parse(p.spec) }),
      'experiments.run': () => ({ runId: 'run-7' }),
      'runs.get': () => ({ summary: summary({ id: 'run-7', experimentId: 'e9', kind: 'width-sweep' }), spec: {}, result: null, versions: {}, logs: [], metricNames: [], artifacts: [] }),
    })
    setApi(f.api)
    const exp = useExperiments()
    await exp.load()
    expect(exp.form.datasetId).toBe('ds')
    exp.form.widths = '32, 64, 128'
    exp.form.train = 50
    const runId = await exp.run()
    expect(runId).toBe('run-7')
    const saved = f.callsOf('experiments.save')[0]!.params as { id?: string; name: string; spec: { widths: number[]; data: { train: number } } }
    expect(saved.id).toBeUndefined()
    expect(saved.spec.widths).toEqual([32, 64, 128])
    expect(saved.spec.data.train).toBe(50)
    expect(f.callsOf('experiments.run')[0]!.params).toEqual({ experimentId: 'e9' })
    expect(exp.selectedId).toBe('e9')
    expect(exp.shownRunId).toBe('run-7')
    expect(useRuns().get('run-7')?.experimentId).toBe('e9')
    // saving again updates the same experiment
    await exp.save()
    expect((f.callsOf('experiments.save')[1]!.params as { id?: string }).id).toBe('e9')
  })

  it('refuses to save an invalid form and says which field is wrong', async () => {
    const f = fakeApi({ 'experiments.list': () => [], 'datasets.list': () => [] })
    setApi(f.api)
    const exp = useExperiments()
    await exp.load()
    expect(await exp.run()).toBeUndefined()
    expect(exp.errors.datasetId).toBeTruthy()
    expect(f.callsOf('experiments.save')).toHaveLength(0)
  })

  it('Duplicate, then an edit at zero delay, then Run: the run computes the form, in the copy, never the original', async () => {
    const saved = new Map<string, Experiment>()
    let n = 0
    const f = fakeApi({
      'experiments.list': () => [experiment({ id: 'e1', name: 'relu sweep' })],
      'datasets.list': () => [],
      // answers late, as a loaded machine does
      'experiments.save': async (p) => {
        await new Promise((r) => setTimeout(r, 20))
        const e = experiment({ id: p.id ?? `copy-${++n}`, name: p.name, spec: JobSpec.parse(p.spec) })
        saved.set(e.id, e)
        return e
      },
      'experiments.run': () => ({ runId: 'run-9' }),
      'runs.get': () => ({ summary: summary({ id: 'run-9', kind: 'width-sweep' }), spec: {}, result: null, versions: {}, logs: [], metricNames: [], artifacts: [] }),
    })
    setApi(f.api)
    const exp = useExperiments()
    await exp.load()
    expect(exp.selectedId).toBe('e1')
    const dup = exp.duplicate('e1')
    // no await: the user changes the activation and the name right after the click
    exp.form.arch.activation = 'erf'
    exp.form.name = 'fast dup erf'
    const run = exp.run()
    await Promise.all([dup, run])
    expect(f.callsOf('experiments.duplicate')).toHaveLength(0)
    const saves = f.callsOf('experiments.save').map((c) => c.params as { id?: string; name: string; spec: { arch: { activation: { name: string } } } })
    // one copy was created, then updated with the edit; the original was never written
    expect(saves.filter((s) => !s.id)).toHaveLength(1)
    expect(saves.every((s) => s.id !== 'e1')).toBe(true)
    const ran = (f.callsOf('experiments.run')[0]!.params as { experimentId: string }).experimentId
    expect(ran).toBe('copy-1')
    const stored = saved.get(ran)!
    expect(stored.name).toBe('fast dup erf')
    expect(JobSpec.parse(stored.spec)).toEqual(JobSpec.parse(buildSpec(exp.form, undefined).spec))
    expect((stored.spec as { arch: { activation: { name: string } } }).arch.activation.name).toBe('erf')
    expect(exp.form.arch.activation).toBe('erf')
    expect(exp.dirty).toBe(false)
  })

  it('opens the newest experiment with its latest run; selecting one loads its spec into the form', async () => {
    const f = fakeApi({
      'experiments.list': () => [experiment({ id: 'old', updatedAt: 1 }), experiment({ id: 'new', name: 'newest', updatedAt: 5 })],
      'datasets.list': () => [],
    })
    setApi(f.api)
    const runs = useRuns()
    runs.onJob({ runId: 'r1', event: { type: 'queued', t: 1 }, summary: summary({ id: 'r1', experimentId: 'new', createdAt: 1 }) })
    runs.onJob({ runId: 'r2', event: { type: 'queued', t: 2 }, summary: summary({ id: 'r2', experimentId: 'new', createdAt: 2 }) })
    const exp = useExperiments()
    await exp.load()
    expect(exp.selectedId).toBe('new')
    expect(exp.form.name).toBe('newest')
    expect(exp.shownRunId).toBe('r2')
    expect(exp.dirty).toBe(false)
    exp.form.arch.depth = 5
    expect(exp.dirty).toBe(true)
  })
})

describe('compare store', () => {
  it('overlays the baseline first, then every ticked run; key metrics per kind', async () => {
    const detail = (id: string, kind: string, result: unknown): RunDetail => ({ summary: summary({ id, kind }), spec: { arch: { depth: 2, width: 'inf', activation: { name: 'relu' }, wStd: 1.4, bStd: null, parameterization: 'ntk' } }, result, versions: {}, logs: [], metricNames: ['test_loss'], artifacts: [] })
    const results: Record<string, RunDetail> = {
      a: detail('a', 'width-sweep', { fit: { slope: -0.43, r2: 0.9 } }),
      b: detail('b', 'lab-spectrum', { tStar: 120, minTestLoss: 0.02 }),
      c: detail('c', 'lab-kernel', { ntk: { testAccuracy: 0.81 }, nngp: { testAccuracy: 0.8 } }),
    }
    setApi(fakeApi({ 'runs.get': (p) => results[p.runId]! }).api)
    const cmp = useCompare()
    await cmp.ensure(['a', 'b', 'c'])
    cmp.toggle('a')
    cmp.toggle('c')
    cmp.pin('b')
    expect(cmp.members).toEqual(['b', 'a', 'c'])
    cmp.toggle('a')
    expect(cmp.members).toEqual(['b', 'c'])
    expect(cmp.keyMetrics('a', 'width-sweep')).toBe('slope -0.43 (r² 0.9)')
    expect(cmp.keyMetrics('b', 'lab-spectrum')).toBe('t* 120 · test 0.02')
    expect(cmp.keyMetrics('c', 'lab-kernel')).toBe('acc NTK 81.0 % · NNGP 80.0 %')
    expect(cmp.archOf('a')).toMatch(/^2×relu · w ∞ · σ_w 1.4 · no bias$/)
    expect(cmp.metricChoices).toEqual(['test_loss'])
  })

  it('names the network and the data of a training run from the Models page', async () => {
    // issue 21 walk-through: the Runs table showed Architecture "—" for every training run
    const ref = (split: string, field: string) => ({ type: 'dataset', datasetId: 'd1', split, field })
    const spec = { kind: 'train', xTrain: ref('train', 'x'), yTrain: ref('train', 'y'), network: { layers: [{ type: 'dense', units: 256, activation: 'relu' }, { type: 'dense', units: 128, activation: 'relu' }], readout: true } }
    setApi(fakeApi({ 'runs.get': () => ({ summary: summary({ id: 't', kind: 'train' }), spec, result: null, versions: {}, logs: [], metricNames: [], artifacts: [] }), 'datasets.list': () => [{ id: 'd1', name: 'iris' } as DatasetSummary], 'experiments.list': () => [] }).api)
    const cmp = useCompare()
    await cmp.loadContext()
    await cmp.ensure(['t'])
    expect(cmp.archOf('t')).toBe('MLP 256-128')
    expect(cmp.datasetOf('t')).toBe('iris')
  })
})

describe('live run data', () => {
  it('follows a running run by increments since a cursor (one call per tick for every series), at most once per 500 ms', async () => {
    vi.useFakeTimers()
    let metricNames = ['rel_error']
    const artifacts: RunDetail['artifacts'] = []
    let state: RunSummary['state'] = 'running'
    // the store: points appended as the run streams; the cursor is the index after the last point sent
    const stored: { name: string; step: number; value: number }[] = [{ name: 'rel_error', step: 64, value: 0.4 }]
    const f = fakeApi({
      'runs.get': () => ({ summary: summary({ id: 'r', kind: 'width-sweep', state }), spec: {}, result: null, versions: {}, logs: [], metricNames, artifacts: [...artifacts] }),
      'runs.metricsSince': (p): MetricIncrement => {
        const rows = stored.slice(p.since ?? 0)
        const names = [...new Set(rows.map((r) => r.name))]
        return {
          cursor: stored.length,
          complete: true,
          series: names.map((name) => ({ name, steps: rows.filter((r) => r.name === name).map((r) => r.step), values: rows.filter((r) => r.name === name).map((r) => r.value) })),
          summary: summary({ id: 'r', kind: 'width-sweep', state }),
        }
      },
      'runs.metric': (p): MetricSeries => ({ name: p.name, steps: [64, 128], values: [0.4, 0.3], total: 2 }),
      'artifacts.json': () => ({ widths: [64] }),
    })
    setApi(f.api)
    const runs = useRuns()
    let data: ReturnType<typeof useRunData> | null = null
    mount(defineComponent({ setup: () => ((data = useRunData(ref('r'))), () => h('div')) }), { global: { plugins: [pinia] } })
    await vi.advanceTimersByTimeAsync(0)
    expect(f.callsOf('runs.get')).toHaveLength(1)
    expect(data!.metrics.value.rel_error!.values).toEqual([0.4])
    for (let i = 0; i < 40; i++) {
      stored.push({ name: 'rel_error', step: 100 + i, value: i / 100 })
      runs.onJob({ runId: 'r', event: { type: 'metric', t: i, name: 'rel_error', step: 100 + i, value: i / 100 }, summary: summary({ id: 'r' }) })
      await vi.advanceTimersByTimeAsync(25)
    }
    await vi.advanceTimersByTimeAsync(LIVE_REFRESH_MS)
    // 40 events over 1 s: two or three increments, never one per event, and no re-read of the whole run
    expect(f.callsOf('runs.get')).toHaveLength(1)
    expect(f.callsOf('runs.metric')).toHaveLength(0)
    const incs = f.callsOf('runs.metricsSince')
    expect(incs.length - 1).toBeGreaterThanOrEqual(1)
    expect(incs.length - 1).toBeLessThanOrEqual(Math.ceil(1000 / LIVE_REFRESH_MS) + 2)
    const cursors = incs.map((c) => (c.params as { since?: number }).since ?? 0)
    expect(cursors[0]).toBe(0)
    for (let k = 1; k < cursors.length; k++) expect(cursors[k]!).toBeGreaterThan(cursors[k - 1]!)
    // every point arrived exactly once, in order
    expect(data!.metrics.value.rel_error!.steps).toEqual(stored.map((r) => r.step))
    expect(data!.metrics.value.rel_error!.total).toBe(41)
    state = 'succeeded'
    metricNames = ['rel_error', 'rel_error_mean']
    artifacts.push({ id: 'a1', name: 'width_sweep', type: 'json' })
    runs.onJob({ runId: 'r', event: { type: 'done', t: 99, result: null }, summary: summary({ id: 'r', state: 'succeeded' }) })
    await vi.advanceTimersByTimeAsync(0)
    await vi.advanceTimersByTimeAsync(0)
    expect(f.callsOf('runs.get')).toHaveLength(2)
    expect(data!.json.value.width_sweep).toEqual({ widths: [64] })
    expect(data!.metrics.value.rel_error!.values).toEqual([0.4, 0.3])
    runs.onJob({ runId: 'r', event: { type: 'done', t: 100, result: null }, summary: summary({ id: 'r', state: 'succeeded' }) })
    await vi.advanceTimersByTimeAsync(0)
    expect(f.callsOf('artifacts.json')).toHaveLength(1)
  })
})
