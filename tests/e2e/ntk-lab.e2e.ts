import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { RESULTS, screenshot, useServedApp } from './harness'
import { checkChartLayouts, labPage, panelChart, xy, type ChartHost, type ChartSeries } from './page-helpers'

// NTK Lab in Chromium through `ntkw serve`, on the example project's MNIST: a width sweep, training vs
// theory, a kernel and a spectrum experiment built and run through the UI; the charts' data is read from
// the ECharts instances and checked for sense; the Runs page overlays two runs and exports CSV; the page
// stays responsive while a job streams; reopening shows everything without a new run.

// Functions passed to page.evaluate run in the page; this file is type-checked without the DOM lib.
declare const window: Record<string, unknown> & { requestAnimationFrame(cb: (t: number) => void): void }
declare const performance: { now(): number }

const report: Record<string, unknown> = {}
const app = useServedApp({ name: 'NTK Lab', frameTimes: true, report, runTimes: true })

const lab = () => labPage(app.page, (kind) => ((report.phases ??= []) as unknown[]).push({ start: kind, at: +(performance.now() / 1000).toFixed(1) }))
const setField = (id: string, v: string | number): Promise<void> => lab().setField(id, v)
const runExperiment = (kind: string, fields: Record<string, string | number>, name: string): Promise<string> => lab().runExperiment(kind, fields, name)
const waitDone = (runId: string, timeout?: number): Promise<void> => lab().waitDone(runId, timeout)
const chartSeries = (kind: string): Promise<ChartSeries[]> => panelChart(app.page, kind)

describe('NTK Lab in Chromium via ntkw serve', () => {
  it('runs a width sweep, training vs theory, kernel and spectrum experiments with sensible charts', async () => {
    const t0 = Date.now()
    await app.page.goto(app.served.url)
    await app.page.locator('[data-testid=status-backend]').filter({ hasText: /tensorflow|webgpu|wasm|cpu/ }).waitFor({ timeout: 60_000 })
    await app.page.click('nav.sidebar [data-page=ntk-lab]')
    await app.page.locator('[data-testid=page-ntk-lab]').waitFor()
    // the example project's MNIST is the default dataset
    await expect.poll(async () => app.page.locator('[data-testid=f-dataset] option:checked').textContent(), { timeout: 15_000 }).toMatch(/mnist/)

    // --- width sweep: relative error falls with width; the fitted log-log slope is negative
    const sweep = await runExperiment('width-sweep', { 'f-train': 48, 'f-test': 16, 'f-widths': '64, 256, 1024', 'f-seeds': 2 }, 'e2e width sweep')
    await waitDone(sweep)
    const sweepSeries = await chartSeries('width-sweep')
    const perSeed = xy(sweepSeries.find((s) => s.name === 'per seed')!.data)
    expect(perSeed).toHaveLength(6)
    expect(new Set(perSeed.map((p) => p[0]))).toEqual(new Set([64, 256, 1024]))
    for (const [, e] of perSeed) expect(e).toBeGreaterThan(0)
    const mean = xy(sweepSeries.find((s) => s.name === 'mean over seeds')!.data)
    expect(mean[2]![1]).toBeLessThan(mean[0]![1])
    const fitSeries = sweepSeries.find((s) => s.name.startsWith('fit: slope'))!
    const fitLine = xy(fitSeries.data)
    const slope = (Math.log(fitLine[1]![1]) - Math.log(fitLine[0]![1])) / (Math.log(fitLine[1]![0]) - Math.log(fitLine[0]![0]))
    expect(slope).toBeLessThan(0)
    expect(fitSeries.name).toContain(slope.toFixed(3))
    const ideal = xy(sweepSeries.find((s) => s.name === 'ideal slope −½')!.data)
    expect((Math.log(ideal[1]![1]) - Math.log(ideal[0]![1])) / (Math.log(ideal[1]![0]) - Math.log(ideal[0]![0]))).toBeCloseTo(-0.5, 6)
    report.widthSweepSlope = slope
    expect((await checkChartLayouts(app.page, '[data-testid=lab-results]', 'layout-ntk-lab-width-sweep', screenshot)).length).toBeGreaterThanOrEqual(1)
    await app.page.locator('[data-testid=lab-results] [data-kind=width-sweep]').scrollIntoViewIfNeeded()
    await screenshot(app.page, 'ntk-lab-width-sweep')

    // --- training vs theory, with the renderer watched for long tasks while the job streams metrics
    const tStart = (await app.page.evaluate(() => performance.now())) as number
    const tvt = await runExperiment('train-vs-theory', { 'f-train': 48, 'f-test': 48, 'f-widths': '64, 256, 512', 'f-steps': 60 }, 'e2e training vs theory')
    // live: curves appear while the run is still going; the loss charts are on screen meanwhile
    await app.page.locator('[data-testid=lab-results] [data-kind=train-loss]').scrollIntoViewIfNeeded()
    // One evaluation reads both the chart's data and the run's state, so "data while running" is observed, not
    // inferred from two reads that a finishing run could fall between.
    const seen = await app.page.waitForFunction(
      (id) => {
        const doc = (window as unknown as { document: { querySelector(s: string): (ChartHost & { getAttribute?(n: string): string | null }) | null } }).document
        const res = doc.querySelector(`[data-testid=lab-results][data-run-id="${id}"]`) as unknown as { getAttribute(n: string): string | null } | null
        const host = doc.querySelector('[data-testid=lab-results] [data-kind=train-loss] [data-chart]')
        if (!res || !host) return false
        const state = res.getAttribute('data-state')
        const n = host.ntkwChart.getOption().series.reduce((a, s) => a + s.data.length, 0)
        if (n > 0 && state === 'running') return `running with ${n} points`
        if (state === 'succeeded' || state === 'failed' || state === 'cancelled') return `${state} before its chart showed data`
        return false
      },
      tvt,
      { timeout: 60_000 },
    )
    const live = (await seen.jsonValue()) as string
    const liveState = live.startsWith('running') ? 'running' : live
    report.trainVsTheoryCurvesSeenWhile = live
    await waitDone(tvt)
    const tEnd = (await app.page.evaluate(() => performance.now())) as number
    const perf = (await app.page.evaluate(
      ([a, b]) => {
        const tasks = (window.__longTasks as { start: number; duration: number }[]).filter((t) => t.start >= a! && t.start <= b!)
        const frames = (window.__frames as number[]).filter((t) => t >= a! && t <= b!)
        let gap = 0
        for (let i = 1; i < frames.length; i++) gap = Math.max(gap, frames[i]! - frames[i - 1]!)
        return { longTasks: tasks.length, maxLongTask: tasks.reduce((m, t) => Math.max(m, t.duration), 0), maxFrameGap: gap, frames: frames.length }
      },
      [tStart, tEnd],
    )) as { longTasks: number; maxLongTask: number; maxFrameGap: number; frames: number }
    // reported, not asserted: frame timings depend on the machine's load
    report.streaming = { seconds: (tEnd - tStart) / 1000, ...perf }
    expect(liveState).toBe('running')

    const widths = [64, 256, 512]
    for (const part of ['train-loss', 'test-loss']) {
      const series = await chartSeries(part)
      for (const w of widths) {
        const actual = xy(series.find((s) => s.name === `w=${w}`)!.data)
        const theory = xy(series.find((s) => s.name === `w=${w} NTK theory`)!.data)
        expect(actual.length).toBeGreaterThan(10)
        expect(theory.length).toBe(actual.length)
        if (part === 'train-loss') {
          // both the trained network and its closed-form prediction lose most of their training loss
          expect(actual.at(-1)![1]).toBeLessThan(0.5 * actual[0]![1])
          expect(theory.at(-1)![1]).toBeLessThan(0.5 * theory[0]![1])
        }
      }
      const inf = xy(series.find((s) => s.name.startsWith('∞ width'))!.data)
      expect(inf.length).toBeGreaterThan(10)
      if (part === 'train-loss') expect(inf.at(-1)![1]).toBeLessThan(inf[0]![1])
    }
    // on a linear step axis step 0 is shown: the prediction starts from the network's own outputs f₀
    await app.page.uncheck('[data-testid=theory-logx]')
    await expect.poll(async () => xy((await chartSeries('train-loss')).find((s) => s.name === 'w=64')!.data)[0]![0]).toBe(0)
    const linear = await chartSeries('train-loss')
    for (const w of widths) {
      const a0 = xy(linear.find((s) => s.name === `w=${w}`)!.data)[0]!
      const t0 = xy(linear.find((s) => s.name === `w=${w} NTK theory`)!.data)[0]!
      expect(t0[0]).toBe(0)
      expect(t0[1]).toBeCloseTo(a0[1], 5)
    }
    await app.page.check('[data-testid=theory-logx]')
    const drift = await chartSeries('kernel-drift')
    expect(drift.map((s) => s.name)).toEqual(widths.map((w) => `w=${w}`))
    // lazy training: the widest network's kernel moves least by the end
    const lastDrift = drift.map((s) => xy(s.data).at(-1)![1])
    expect(lastDrift[2]!).toBeLessThan(lastDrift[0]!)
    expect((await checkChartLayouts(app.page, '[data-testid=lab-results]', 'layout-ntk-lab-train-vs-theory', screenshot)).length).toBeGreaterThanOrEqual(3)
    await app.page.locator('[data-testid=lab-results] [data-kind=train-loss]').scrollIntoViewIfNeeded()
    await screenshot(app.page, 'ntk-lab-train-vs-theory')
    await app.page.locator('[data-testid=lab-results] [data-kind=kernel-drift]').scrollIntoViewIfNeeded()
    await screenshot(app.page, 'ntk-lab-kernel-drift')

    // --- kernel: both heatmaps hold an s×s matrix, largest on the diagonal blocks; spectra descend
    const kernel = await runExperiment('lab-kernel', { 'f-train': 160, 'f-test': 160, 'f-heatmap': 64 }, 'e2e kernel')
    await waitDone(kernel)
    await app.page.locator('[data-testid=lab-results] [data-kind=heatmap]').first().scrollIntoViewIfNeeded()
    const heatHosts = app.page.locator('[data-testid=lab-results] [data-kind=heatmap] [data-chart]')
    await expect.poll(() => heatHosts.count()).toBe(2)
    for (let h = 0; h < 2; h++) {
      const cells = (await heatHosts.nth(h).evaluate((el) => JSON.parse(JSON.stringify((el as unknown as ChartHost).ntkwChart.getOption().series[0]!.data)))) as [number, number, number][]
      expect(cells).toHaveLength(64 * 64)
      let diag = 0
      let off = 0
      for (const [x, y, v] of cells) {
        expect(Number.isFinite(v)).toBe(true)
        if (x === y) diag += v / 64
        else off += v / (64 * 63)
      }
      expect(diag).toBeGreaterThan(off)
    }
    const spectrum = await chartSeries('spectrum')
    expect(spectrum.map((s) => s.name).sort()).toEqual(['NNGP', 'NTK'])
    for (const s of spectrum) {
      const ev = xy(s.data).map((p) => p[1])
      expect(ev.length).toBeGreaterThan(100)
      for (let i = 1; i < ev.length; i++) expect(ev[i]!).toBeLessThanOrEqual(ev[i - 1]! * (1 + 1e-6))
    }
    expect(await app.page.locator('[data-testid=kernel-metrics]').textContent()).toMatch(/Test accuracy/)
    expect((await checkChartLayouts(app.page, '[data-testid=lab-results]', 'layout-ntk-lab-kernel', screenshot)).length).toBeGreaterThanOrEqual(3)
    await app.page.locator('[data-testid=lab-results] [data-kind=heatmap]').first().scrollIntoViewIfNeeded()
    await screenshot(app.page, 'ntk-lab-kernel')

    // --- spectrum and early stopping, twice (relu, erf) for the Runs-page comparison
    const spec1 = await runExperiment('lab-spectrum', { 'f-train': 160, 'f-test': 160 }, 'e2e spectrum relu')
    await waitDone(spec1)
    const stop = await chartSeries('early-stopping')
    const testLoss = stop.find((s) => s.name === 'test loss')!
    expect(xy(testLoss.data).length).toBeGreaterThan(20)
    expect(testLoss.markLine?.data?.length).toBe(1)
    const energy = await chartSeries('label-energy')
    expect(energy[0]!.data.length).toBeGreaterThan(100)
    const modes = await chartSeries('mode-decay')
    expect(modes.length).toBeGreaterThan(2)
    // the top mode (largest λ) decays first
    const half = (s: ChartSeries): number => xy(s.data).find((p) => p[1] < 0.5)?.[0] ?? Infinity
    expect(half(modes[0]!)).toBeLessThan(half(modes.at(-1)!))
    expect((await checkChartLayouts(app.page, '[data-testid=lab-results]', 'layout-ntk-lab-spectrum', screenshot)).length).toBeGreaterThanOrEqual(3)
    await app.page.locator('[data-testid=lab-results] [data-kind=label-energy]').scrollIntoViewIfNeeded()
    await screenshot(app.page, 'ntk-lab-spectrum')
    // Duplicate, then change the activation with no delay at all: the copy's run must compute the form.
    const before = await app.page.locator('[data-testid=lab-results]').first().getAttribute('data-run-id')
    await app.page.click('[data-testid=exp-duplicate]')
    await app.page.selectOption('[data-testid=f-activation]', 'erf')
    await setField('f-name', 'e2e spectrum erf')
    await app.page.click('[data-testid=exp-run]')
    const dupRun = (await (
      await app.page.waitForFunction(
        (prev) => {
          const el = (window as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document.querySelector('[data-testid=lab-results]')
          const id = el?.getAttribute('data-run-id') ?? null
          return id && id !== prev ? id : null
        },
        before,
        { timeout: 15_000 },
      )
    ).jsonValue()) as string
    await waitDone(dupRun)
    const stored = await app.api<{ summary: { name: string; experimentId: string }; spec: { arch: { activation: { name: string } } } }>('runs.get', { runId: dupRun })
    expect(stored.summary.name).toBe('e2e spectrum erf')
    expect(stored.spec.arch.activation.name).toBe('erf')
    const experiments = await app.api<{ id: string; name: string; spec: unknown }[]>('experiments.list', {})
    const copy = experiments.find((e) => e.id === stored.summary.experimentId)!
    expect(copy.name).toBe('e2e spectrum erf')
    expect(stored.spec).toMatchObject(copy.spec as object)
    expect(experiments.find((e) => e.name === 'e2e spectrum relu')!.spec).toMatchObject({ arch: { activation: { name: 'relu' } } })
    report.experimentsSeconds = (Date.now() - t0) / 1000
    expect(app.pageErrors).toEqual([])
  })

  it('compares runs on the Runs page and exports the overlaid metric', async () => {
    await app.page.click('nav.sidebar [data-page=runs]')
    const rows = app.page.locator('[data-testid=run-row]')
    await rows.first().waitFor()
    const spectrumRows = rows.filter({ hasText: 'e2e spectrum' })
    await expect.poll(() => spectrumRows.count()).toBe(2)
    // key metrics and architecture columns are filled from the stored runs
    await expect.poll(async () => (await spectrumRows.first().textContent()) ?? '').toMatch(/t\*/)
    // each row fills in when its run's details arrive, in no particular order: wait for this one too
    await expect.poll(async () => (await rows.filter({ hasText: 'e2e width sweep' }).textContent()) ?? '').toMatch(/slope −?-?0\.\d+/)
    await spectrumRows.nth(0).locator('[data-testid=compare-tick]').check()
    await spectrumRows.nth(1).locator('[data-testid=pin-baseline]').click()
    await app.page.locator('[data-testid=run-compare]').waitFor()
    await app.page.selectOption('[data-testid=compare-metric]', 'test_loss')
    await expect.poll(async () => (await chartSeries('compare')).filter((s) => s.data.length > 0).length).toBe(2)
    expect(await app.page.locator('[data-testid=run-compare] input[type=checkbox]').first().isChecked()).toBe(true)
    const overlay = await chartSeries('compare')
    expect(overlay.filter((s) => s.name.endsWith('(baseline)'))).toHaveLength(1)
    const [download] = await Promise.all([app.page.waitForEvent('download'), app.page.click('[data-testid=export-csv]')])
    const file = path.join(RESULTS, 'ntk-lab-compare.csv')
    await download.saveAs(file)
    const lines = readFileSync(file, 'utf8').trim().split('\n')
    expect(lines[0]).toBe('run_id,run,metric,step,value')
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(2)
    expect(lines.length).toBeGreaterThan(2 * 20)
    await app.page.locator('.table-wrap').evaluate((el) => ((el as unknown as { scrollLeft: number }).scrollLeft = 0))
    await screenshot(app.page, 'ntk-lab-runs-compare')
  })

  // Timings are reported, not asserted (shared machines): what must hold is that a long series is reduced to
  // the chart limit before it is drawn, keeping its first and last points.
  it('reduces a 100 000-point series to the chart limit (LTTB) before drawing it', async () => {
    await app.page.click('nav.sidebar [data-page=ntk-lab]')
    const timings = (await app.page.evaluate(async () => {
      const probe = window.ntkwLabProbe as { drawSeries(n: number): Promise<{ points: number; drawn: number; lttbMs: number; drawMs: number }> }
      const out = []
      for (let i = 0; i < 5; i++) out.push(await probe.drawSeries(100_000))
      return out
    })) as { points: number; drawn: number; lttbMs: number; drawMs: number }[]
    report.draw100k = timings.map((t) => ({ lttbMs: +t.lttbMs.toFixed(1), drawMs: +t.drawMs.toFixed(1), drawn: t.drawn }))
    for (const t of timings) {
      expect(t.points).toBe(100_000)
      expect(t.drawn).toBeLessThanOrEqual(2000)
      expect(t.drawn).toBeGreaterThan(1000)
    }
    const median = [...timings.map((t) => t.lttbMs + t.drawMs)].sort((a, b) => a - b)[2]!
    report.draw100kMedianMs = +median.toFixed(1)
  })

  it('reopening shows every experiment and chart from the stored runs, without a new run', async () => {
    const runCount = async (): Promise<number> => {
      await app.page.click('nav.sidebar [data-page=runs]')
      await app.page.locator('[data-testid=run-row]').first().waitFor()
      return app.page.locator('[data-testid=run-row]').count()
    }
    const before = await runCount()
    // a dark window this time: the charts follow the theme
    await app.page.emulateMedia({ colorScheme: 'dark' })
    await app.page.reload()
    await app.page.click('nav.sidebar [data-page=ntk-lab]')
    const items = app.page.locator('[data-testid=experiment-item]')
    await expect.poll(() => items.count()).toBe(5)
    await items.filter({ hasText: 'e2e training vs theory' }).locator('.head').click()
    await app.page.locator('[data-testid=lab-results][data-kind=train-vs-theory][data-state=succeeded]').waitFor()
    await expect.poll(async () => (await chartSeries('train-loss')).filter((s) => s.data.length > 10).length).toBe(7)
    await app.page.locator('[data-testid=lab-results] [data-kind=train-loss]').scrollIntoViewIfNeeded()
    await screenshot(app.page, 'ntk-lab-train-vs-theory-dark')
    await items.filter({ hasText: 'e2e width sweep' }).locator('.head').click()
    await expect.poll(async () => (await chartSeries('width-sweep')).find((s) => s.name === 'per seed')?.data.length).toBe(6)
    await items.filter({ hasText: 'e2e kernel' }).locator('.head').click()
    await app.page.locator('[data-testid=lab-results] [data-kind=heatmap]').first().scrollIntoViewIfNeeded()
    await app.page.locator('[data-testid=lab-results] [data-kind=heatmap] [data-chart]').nth(1).waitFor()
    await app.page.locator('[data-testid=lab-results] [data-kind=spectrum]').first().scrollIntoViewIfNeeded()
    await app.page.locator('[data-testid=lab-results] [data-kind=spectrum] [data-chart]').waitFor()
    await app.page.locator('[data-testid=lab-results] [data-kind=heatmap]').first().scrollIntoViewIfNeeded()
    await app.page.waitForTimeout(300)
    await screenshot(app.page, 'ntk-lab-kernel-dark')
    expect(await runCount()).toBe(before)
    expect(await app.page.locator('[data-testid=run-row][data-state=running], [data-testid=run-row][data-state=queued]').count()).toBe(0)
    await app.page.emulateMedia({ colorScheme: 'light' })
    expect(app.pageErrors).toEqual([])
  })
})
