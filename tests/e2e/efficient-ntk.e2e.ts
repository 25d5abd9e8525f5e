import { describe, expect, it } from 'vitest'
import { screenshot, useServedApp } from './harness'
import { checkChartLayouts, labPage, panelChart, xy, type ChartSeries } from './page-helpers'

// Efficient NTK experiment in Chromium through `ntkw serve`, on the example project's MNIST: built and run
// through the NTK Lab form; the error-vs-m, accuracy-vs-m and time-vs-n chart data is read from the ECharts
// instances and checked against the stored result and for sense (errors fall with m, Nyström with m = n
// is exact, the exact accuracy is marked).

// Functions passed to page.evaluate run in the page; this file is type-checked without the DOM lib.
declare const performance: { now(): number }

const report: Record<string, unknown> = {}
const app = useServedApp({ name: 'Efficient NTK', frameTimes: true, report, runTimes: true })

const lab = () => labPage(app.page, (kind) => ((report.phases ??= []) as unknown[]).push({ start: kind, at: +(performance.now() / 1000).toFixed(1) }))
const runExperiment = (kind: string, fields: Record<string, string | number>, name: string): Promise<string> => lab().runExperiment(kind, fields, name)
const waitDone = (runId: string, timeout?: number): Promise<void> => lab().waitDone(runId, timeout)
const chartSeries = (kind: string): Promise<ChartSeries[]> => panelChart(app.page, kind)

describe('Efficient NTK experiment in Chromium via ntkw serve', () => {
  it('runs the efficiency experiment and its charts hold the error-vs-m curves', async () => {
    await app.page.goto(app.served.url)
    await app.page.locator('[data-testid=status-backend]').filter({ hasText: /tensorflow|webgpu|wasm|cpu/ }).waitFor({ timeout: 60_000 })
    await app.page.click('nav.sidebar [data-page=ntk-lab]')
    await app.page.locator('[data-testid=page-ntk-lab]').waitFor()
    await expect.poll(async () => app.page.locator('[data-testid=f-dataset] option:checked').textContent(), { timeout: 15_000 }).toMatch(/mnist/)

    const id = await runExperiment('lab-efficiency', { 'f-train': 128, 'f-test': 64, 'f-features': '32, 128, 512', 'f-timing-sizes': '32, 128', 'f-timing-features': 64, 'f-lowrank-ranks': '1, 16, 256', 'f-lowrank-width': 256 }, 'e2e efficiency')
    await waitDone(id, 180_000)

    const errSeries = await chartSeries('error-vs-m')
    const rf = xy(errSeries.find((s) => s.name === 'random features + TensorSRHT')!.data)
    const ny = xy(errSeries.find((s) => s.name === 'Nyström')!.data)
    expect(rf.map((p) => p[0])).toEqual([32, 128, 512])
    expect(ny.map((p) => p[0])).toEqual([32, 128]) // landmarks above n = 128 are skipped
    for (const [, e] of rf) expect(e).toBeGreaterThan(0)
    expect(rf[2]![1]).toBeLessThan(rf[0]![1])
    expect(ny[1]![1]).toBeLessThan(1e-2) // m = n landmarks: the kernel itself
    expect(errSeries.some((s) => s.name === 'm^(−½)')).toBe(true)
    report.errorRf = rf
    report.errorNystrom = ny

    // the chart shows what the run stored
    const runs = await app.api<{ id: string; name: string }[]>('runs.list', {})
    expect(runs.some((r) => r.id === id && r.name === 'e2e efficiency')).toBe(true)

    const accSeries = await chartSeries('accuracy-vs-m')
    const accRf = xy(accSeries.find((s) => s.name === 'random features + TensorSRHT')!.data)
    for (const [, a] of accRf) expect(a).toBeGreaterThan(10)
    const exactLine = accSeries.find((s) => s.markLine?.data?.length)!
    const exactAcc = (exactLine.markLine!.data![0] as { yAxis: number }).yAxis
    expect(exactAcc).toBeGreaterThan(50)
    report.exactAccuracy = exactAcc
    report.accuracyRf = accRf

    const time = await chartSeries('time-vs-n')
    const exactT = xy(time.find((s) => s.name === 'exact kernel + Cholesky')!.data)
    expect(exactT.map((p) => p[0])).toEqual([32, 128])
    const mem = xy(time.find((s) => s.name === 'memory, exact (MB)')!.data)
    expect(mem[1]![1] / mem[0]![1]).toBeCloseTo(16, 6) // n² memory
    // low-rank layers: distance of each rank-r network's empirical NTK to its limit, falling with r
    const lowRank = await chartSeries('low-rank-vs-r')
    const dist = xy(lowRank.find((s) => s.name === 'kernel distance to the limit')!.data)
    expect(dist.map((p) => p[0])).toEqual([1, 16, 256])
    expect(dist[2]![1]).toBeLessThan(dist[0]![1])
    const fullLine = lowRank.find((s) => s.name === 'kernel distance to the limit')!.markLine!.data![0] as { yAxis: number }
    expect(fullLine.yAxis).toBeGreaterThan(0)
    const lrAcc = xy(lowRank.find((s) => s.name === 'test accuracy (%)')!.data)
    for (const [, a] of lrAcc) expect(a).toBeGreaterThan(10)
    report.lowRankDistance = dist
    report.lowRankAccuracy = lrAcc
    await app.page.locator('[data-testid=lab-results] [data-kind=low-rank-vs-r]').scrollIntoViewIfNeeded()
    await screenshot(app.page, 'efficient-ntk-low-rank')

    expect((await checkChartLayouts(app.page, '[data-testid=lab-results]', 'layout-efficient-ntk', screenshot)).length).toBeGreaterThanOrEqual(4)
    await app.page.locator('[data-testid=lab-results] [data-kind=error-vs-m]').scrollIntoViewIfNeeded()
    await screenshot(app.page, 'efficient-ntk-lab')
    expect(app.pageErrors).toEqual([])
  }, 300_000)
})
