import { describe, expect, it } from 'vitest'
import { screenshot, useServedApp } from './harness'
import { checkChartLayouts, checkWheel, fillFields, panelChart, xy, type ChartHost, type ChartSeries } from './page-helpers'

// The Distill page in Chromium through `ntkw serve`, on the example project: the self-distillation tab runs
// a kernel self-distillation on MNIST and its charts' data (read from the ECharts instances) obeys the theory.

const app = useServedApp({ name: 'distill' })

const chartSeries = (kind: string, panel = 'self-distill-results'): Promise<ChartSeries[]> => panelChart(app.page, kind, [`[data-testid=${panel}]`])

describe('Distill page in Chromium via ntkw serve', () => {
  it('runs a kernel self-distillation and shows its curves', async () => {
    await app.page.goto(app.served.url)
    await app.page.click('nav.sidebar [data-page=distill]')
    await app.page.locator('[data-testid=page-distill]').waitFor()
    await app.page.click('[data-testid=distill-tab][data-tab=self]')
    await app.page.locator('[data-testid=self-distill-tab]').waitFor()
    await expect.poll(async () => app.page.locator('[data-testid=sd-dataset] option:checked').textContent(), { timeout: 15_000 }).toMatch(/mnist/)
    await fillFields(app.page, { 'sd-train': 250, 'sd-test': 200, 'sd-alphas': '0.2, 0.6', 'sd-steps': 6 })
    await app.page.click('[data-testid=sd-run]')
    const results = app.page.locator('[data-testid=self-distill-results]')
    await results.waitFor()
    await expect.poll(async () => results.getAttribute('data-state'), { timeout: 180_000, interval: 500 }).toBe('succeeded')

    // the page opens on classification error; the checks below are on the MSE, exact in every step
    await app.page.click('[data-testid=sd-metric-mse]')
    await expect
      .poll(async () => app.page.locator('[data-testid=self-distill-results] [data-kind=sd-error] [data-chart]').evaluate((el) => ((el as unknown as { ntkwChart: { getOption(): { yAxis: { name: string }[] } } }).ntkwChart.getOption().yAxis[0]!.name)), { timeout: 10_000 })
      .toBe('mean squared error')
    const err = await chartSeries('sd-error')
    const names = err.map((s) => s.name)
    for (const n of ['α = 0.2 test', 'α = 0.2 train', 'α = 0.6 test', 'optimal α test']) expect(names).toContain(n)
    // step 1 is the same ridge regression for every curve
    const firsts = err.filter((s) => s.name.endsWith(' test')).map((s) => xy(s.data)[0]![1])
    for (const v of firsts) expect(v).toBeCloseTo(firsts[0]!, 8)
    // constant α: the training error grows with every step (more shrinkage), faster for smaller α
    const tr02 = xy(err.find((s) => s.name === 'α = 0.2 train')!.data)
    const tr06 = xy(err.find((s) => s.name === 'α = 0.6 train')!.data)
    expect(tr02).toHaveLength(6)
    for (let i = 1; i < 6; i++) expect(tr02[i]![1]).toBeGreaterThan(tr02[i - 1]![1])
    expect(tr02[5]![1]).toBeGreaterThan(tr06[5]![1])

    // shrinkage: τ = 1 is d/(d + λ) (one half at d = λ); τ → ∞ sits below τ = 1 everywhere (α < 1)
    const sh = await chartSeries('sd-shrinkage')
    const t1 = xy(sh.find((s) => s.name === 'τ = 1')!.data)
    const tInf = xy(sh.find((s) => s.name.startsWith('τ → ∞'))!.data)
    for (let i = 0; i < t1.length; i++) expect(tInf[i]![1]).toBeLessThanOrEqual(t1[i]![1] + 1e-12)
    for (let i = 1; i < t1.length; i++) expect(t1[i]![1]).toBeGreaterThanOrEqual(t1[i - 1]![1])

    const alpha = await chartSeries('sd-alpha')
    const applied = xy(alpha.find((s) => s.name.startsWith('optimal α'))!.data)
    expect(applied).toHaveLength(5)
    for (const [, a] of applied) expect(a >= 0 && a <= 1).toBe(true)

    // the plain wheel over the chart scrolls the page, ctrl + wheel zooms the chart
    const wheel = await checkWheel(app.page, '[data-testid=self-distill-results] [data-kind=sd-error] [data-chart]')
    expect(wheel.scrolled).toBeGreaterThan(0)
    expect(wheel.zoom.end - wheel.zoom.start).toBeLessThan(100)
    expect((await checkChartLayouts(app.page, '[data-testid=self-distill-results]', 'layout-distill-self', screenshot)).length).toBe(3)
    await app.page.locator('[data-testid=self-distill-results] [data-kind=sd-error]').scrollIntoViewIfNeeded()
    await screenshot(app.page, 'distill-self-distillation')
    await app.page.locator('[data-testid=self-distill-results] [data-kind=sd-shrinkage]').scrollIntoViewIfNeeded()
    await screenshot(app.page, 'distill-self-distillation-shrinkage')
    expect(app.pageErrors).toEqual([])
  }, 300_000)

  it('distils a student from a project model with live curves, then runs a small study and shows its table', async () => {
    // a teacher model: a train job on the example MNIST, submitted through the app's API
    const ds = (await app.api<{ id: string; name: string }[]>('datasets.list', {})).find((d) => d.name.includes('mnist'))!
    const ref = (split: string, field: string, limit: number) => ({ type: 'dataset', datasetId: ds.id, split, field, limit })
    const { runId: teacherRun } = await app.api<{ runId: string }>('jobs.submit', { spec: { kind: 'train', name: 'e2e teacher', xTrain: ref('train', 'x', 3000), yTrain: ref('train', 'y', 3000), network: { layers: [{ type: 'dense', units: 64, activation: 'relu' }] }, epochs: 8, modelName: 'e2e teacher 64', seed: 1 } })
    await expect.poll(async () => (await app.api<{ summary: { state: string } }>('runs.get', { runId: teacherRun })).summary.state, { timeout: 180_000, interval: 1000 }).toBe('succeeded')

    await app.page.goto(app.served.url)
    await app.page.click('nav.sidebar [data-page=distill]')
    await app.page.click('[data-testid=distill-tab][data-tab=kd]')
    await app.page.locator('[data-testid=kd-tab]').waitFor()
    await expect.poll(async () => app.page.locator('[data-testid=kd-teacher-model] option:checked').textContent(), { timeout: 30_000 }).toMatch(/e2e teacher 64/)
    await expect.poll(async () => app.page.locator('[data-testid=kd-dataset] option:checked').textContent()).toMatch(/mnist/)
    await fillFields(app.page, { 'kd-train': 3000, 'kd-test': 500, 'kd-student-layers': 16 })
    await app.page.selectOption('[data-testid=kd-loss]', 'kd')
    await app.page.fill('[data-testid=kd-epochs]', '15')
    await app.page.click('[data-testid=kd-run]')
    const results = app.page.locator('[data-testid=kd-results][data-kind=distill]')
    await results.waitFor({ timeout: 30_000 })
    // live: the curves chart shows some epochs while the run is still going
    let sawLive = false
    const seen: string[] = []
    for (let i = 0; i < 600 && !sawLive; i++) {
      const state = await results.getAttribute('data-state')
      const box = app.page.locator('[data-testid=kd-results] [data-kind=kd-curves]')
      if ((await box.count()) > 0) await box.first().scrollIntoViewIfNeeded()
      const host = app.page.locator('[data-testid=kd-results] [data-kind=kd-curves] [data-chart]')
      if ((await host.count()) > 0 && state === 'running') {
        const n = (await host.first().evaluate((el) => (el as unknown as ChartHost).ntkwChart.getOption().series[0]?.data.length ?? 0)) as number
        if (n > 0 && n < 15) sawLive = true
        seen.push(`${state}:${n}`)
      } else seen.push(`${state}:-`)
      if (state === 'succeeded' || state === 'failed') break
      await app.page.waitForTimeout(100)
    }
    expect(sawLive).toBe(true)
    await expect.poll(async () => results.getAttribute('data-state'), { timeout: 180_000, interval: 500 }).toBe('succeeded')
    await expect.poll(async () => ((await chartSeries('kd-curves', 'kd-results')).find((s) => s.name === 'student accuracy')?.data.length ?? 0), { timeout: 10_000 }).toBe(15)
    const curves = await chartSeries('kd-curves', 'kd-results')
    const acc = xy(curves.find((s) => s.name === 'student accuracy')!.data)
    const teacherAcc = xy(curves.find((s) => s.name === 'teacher accuracy')!.data)
    expect(acc[14]![1]).toBeGreaterThan(0.7)
    expect(acc[14]![1]).toBeGreaterThan(acc[0]![1] - 0.05)
    for (const [, t] of teacherAcc) expect(t).toBeCloseTo(teacherAcc[0]![1], 12)
    await screenshot(app.page, 'distill-kd-run')

    // a small study: CE-only against KD, 2 seeds each
    for (const l of ['nkd', 'dkd', 'topkld', 'uskd']) await app.page.click(`[data-testid=kd-study-loss][data-loss=${l}]`)
    await app.page.fill('[data-testid=kd-seeds]', '2')
    await app.page.fill('[data-testid=kd-epochs]', '4')
    await app.page.click('[data-testid=kd-run-study]')
    const studyPanel = app.page.locator('[data-testid=kd-results][data-kind=distill-study]')
    await studyPanel.waitFor({ timeout: 30_000 })
    await expect.poll(async () => studyPanel.getAttribute('data-state'), { timeout: 300_000, interval: 500 }).toBe('succeeded')
    const rows = app.page.locator('[data-testid=kd-study-table] tbody tr')
    await expect.poll(async () => rows.count(), { timeout: 15_000 }).toBe(2)
    expect(await rows.nth(0).getAttribute('data-loss')).toBe('ce')
    expect(await rows.nth(1).getAttribute('data-loss')).toBe('kd')
    const kdRow = (await rows.nth(1).textContent())!
    expect(kdRow).toMatch(/temperature 4, alpha 0\.9/)
    expect(kdRow).toMatch(/\d+\.\d\d ± \d+\.\d\d %/)
    const bars = await chartSeries('kd-study-bars', 'kd-results')
    expect(bars.find((s) => s.name === 'mean over seeds')!.data).toHaveLength(2)
    const err = bars.find((s) => s.name === '±1 sd')!.data as number[][]
    const means = (bars.find((s) => s.name === 'mean over seeds')!.data as { value: number }[]).map((d) => d.value)
    err.forEach(([, lo, hi], i) => expect(lo! <= means[i]! && means[i]! <= hi!).toBe(true))
    expect((await checkChartLayouts(app.page, '[data-testid=kd-results]', 'layout-distill-study', screenshot)).length).toBe(2)
    await app.page.locator('[data-testid=kd-study-table]').scrollIntoViewIfNeeded()
    await screenshot(app.page, 'distill-kd-study')
    expect(app.pageErrors).toEqual([])
  }, 600_000)
})
