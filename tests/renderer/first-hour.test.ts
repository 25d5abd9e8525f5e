// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { DatasetSummary } from '../../shared/dataset'
import { LIFETIME, MAX_VISIBLE, useToasts } from '../../renderer/src/stores/toasts'
import { labRequirement } from '../../renderer/src/forms/lab-requirements'
import { robustRange, heatmapOption } from '../../renderer/src/components/lab/options-kernel'
import { lossAxisMin } from '../../renderer/src/components/lab/options-spectrum'
import { overlayOption, stepLabel } from '../../renderer/src/components/lab/options-overlay'
import { describeArch } from '../../renderer/src/forms/lab-form'

beforeEach(() => setActivePinia(createPinia()))
afterEach(() => vi.useRealTimers())

describe('toasts (issue 14 #5)', () => {
  it('leave the screen after a few seconds and stay in the history', () => {
    vi.useFakeTimers()
    const t = useToasts()
    t.push('error', 'Could not delete', 'The file is locked')
    expect(t.toasts).toHaveLength(1)
    vi.advanceTimersByTime(LIFETIME.error + 1)
    expect(t.toasts).toHaveLength(0)
    expect(t.history).toMatchObject([{ kind: 'error', message: 'Could not delete', hint: 'The file is locked' }])
    expect(t.unread).toBe(1)
    t.markRead()
    expect(t.unread).toBe(0)
  })

  it('a burst shows at most a few at once; all are in the history, newest first', () => {
    vi.useFakeTimers()
    const t = useToasts()
    for (let i = 0; i < 5; i++) t.push('error', `e${i}`)
    expect(t.toasts.map((x) => x.message)).toEqual(['e2', 'e3', 'e4'].slice(-MAX_VISIBLE))
    expect(t.history.map((x) => x.message)).toEqual(['e4', 'e3', 'e2', 'e1', 'e0'])
  })

  it('hovering keeps a toast while it is read', () => {
    vi.useFakeTimers()
    const t = useToasts()
    const id = t.push('info', 'hello')
    t.hold(id)
    vi.advanceTimersByTime(LIFETIME.info * 3)
    expect(t.toasts).toHaveLength(1)
    t.release(id)
    vi.advanceTimersByTime(3000)
    expect(t.toasts).toHaveLength(0)
  })
})

const ds = (over: Partial<DatasetSummary>): DatasetSummary => ({
  id: 'd1', name: 'three.csv', source: 'three.csv', format: 'csv', hash: 'h', createdAt: 0, rows: 120, xShape: [120, 3], task: 'classification', classes: 3, bytes: 1,
  recipe: { scale: 'standardize', l2Normalize: false, flatten: 'hwc', labels: 'one-hot', split: { train: 0.7, validation: 0.15, stratified: true, seed: 0 } },
  ...over,
})

describe('lab requirements before Run (issue 14 #1)', () => {
  it('a split dataset with labels is ready', () => {
    expect(labRequirement(ds({}), true)).toEqual({ ok: true })
  })
  it('no split: Run disabled with the reason and a split offered', () => {
    const r = labRequirement(ds({ recipe: { scale: 'none', l2Normalize: false, flatten: 'hwc', labels: 'one-hot' } }), true)
    expect(r.ok).toBe(false)
    expect(r.reason).toMatch(/no train\/test split/)
    expect(r.fix?.recipe.split).toMatchObject({ train: 0.7, validation: 0.15, stratified: true })
    expect(r.fix?.recipe.scale).toBe('none')
  })
  it('a split without a test part, no labels, or no dataset are refused with their reasons', () => {
    expect(labRequirement(ds({ recipe: { ...ds({}).recipe, split: { train: 0.8, validation: 0.2, stratified: true, seed: 0 } } }), true).reason).toMatch(/no test part/)
    expect(labRequirement(ds({ task: 'none', classes: 0 }), true)).toMatchObject({ ok: false, reason: expect.stringMatching(/no labels/) })
    expect(labRequirement(undefined, true).reason).toMatch(/Choose a dataset/)
  })
})

describe('charts that answer their question (issue 14 #3)', () => {
  it('heatmap colours span the off-diagonal cells, not the diagonal', () => {
    // two class blocks: within 0.5 ± small, between 0.1; diagonal 10 (would wash everything out)
    const s = 8
    const data: number[] = []
    for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) data.push(i === j ? 10 : (i < 4) === (j < 4) ? 0.5 + 0.01 * ((i + j) % 3) : 0.1)
    const r = robustRange({ size: s, data, boundaries: [] })
    expect(r.hi).toBeLessThan(0.6)
    expect(r.lo).toBeCloseTo(0.1, 6)
    expect(r.clipped).toBe(true)
    const opt = heatmapOption({ size: s, data, boundaries: [] }, 'NTK', true) as { visualMap: { max: number; textStyle: { color: string } }; series: { data: number[][] }[] }
    expect(opt.visualMap.max).toBeLessThan(0.6)
    expect(opt.visualMap.textStyle.color).toBe('#d9dee8')
    // the raw value survives for the tooltip; the colour value is clamped
    expect(opt.series[0]!.data[0]).toEqual([0, 0, opt.visualMap.max, 10])
  })

  it('the loss axis starts two decades under the minimum test loss', () => {
    expect(lossAxisMin([0.5, 0.02, 0.031, 0.04])).toBeCloseTo(1e-4, 12)
    expect(lossAxisMin([])).toBeUndefined()
  })

  it('a scalar metric per run is drawn as bars per run, the axis named after the swept quantity', () => {
    const opt = overlayOption(
      [
        { runId: 'a', label: 'w64', steps: [64], values: [0.3] },
        { runId: 'b', label: 'w2048', steps: [2048], values: [0.05], baseline: true },
      ],
      'rel_error_mean',
      false,
    ) as { xAxis: { type: string; name: string; data: string[] }; series: { type: string; data: { value: number }[] }[] }
    expect(opt.series[0]!.type).toBe('bar')
    expect(opt.series[0]!.data.map((d) => d.value)).toEqual([0.3, 0.05])
    expect(opt.xAxis.type).toBe('category')
    expect(opt.xAxis.name).toBe('run (width)')
    expect(opt.xAxis.data[0]).toContain('width 64')
    expect(stepLabel('test_loss')).toBe('gradient-descent step')
  })
})

describe('runs table architecture (issue 14 #4)', () => {
  it('a sweep shows the widths it used, not ∞', () => {
    const arch = { depth: 2, width: 'inf', activation: { name: 'relu' }, wStd: 1, bStd: 0.1, parameterization: 'ntk' }
    expect(describeArch(arch, [64, 256, 2048])).toContain('w 64–2048')
    expect(describeArch(arch)).toContain('w ∞')
  })
})

describe('GUI errors in GUI words (issue 14 #8)', () => {
  it('engine hints written for the CLI reach the screen without flags or a current folder', () => {
    const t = useToasts()
    t.push('error', 'Import failed: /x/missing.csv does not exist', 'Check the path (relative paths are taken from the current folder).')
    t.push('error', 'Import failed: a.bin: cannot tell the file format', 'Supported: CSV/TSV, NPY, NPZ, IDX (MNIST ubyte, .gz), JSON/JSON Lines, or a folder of images; pass --format to choose one.')
    t.push('error', 'Import failed: missing values', "Choose what to do with them: missing 'drop' removes those rows, missing 'mean' fills in the column mean (CLI: --missing drop|mean).")
    for (const x of t.history) {
      expect(x.hint).not.toMatch(/--[a-z]|current folder|CLI/)
    }
    expect(t.history[1]!.hint).toMatch(/choose the format in the import options/)
  })
})
