import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { launchBrowser, screenshot, startServe, type Served } from './harness'
import { apiCall as callApi, checkChartLayouts, labPage, panelChart, xy, type ChartSeries } from './page-helpers'

// Efficient NTK experiment in Chromium through `ntkw serve`, on the example project's MNIST: built and run
// through the NTK Lab form; the error-vs-m, accuracy-vs-m and time-vs-n chart data is read from the ECharts
// instances and checked against the stored result and for sense (errors fall with m, Nyström with m = n
// is exact, the exact accuracy is marked).

// Functions passed to page.evaluate run in the page; this file is type-checked without the DOM lib.
declare const window: Record<string, unknown> & { requestAnimationFrame(cb: (t: number) => void): void }
declare const performance: { now(): number }
declare class PerformanceObserver {
  constructor(cb: (list: { getEntries(): { startTime: number; duration: number }[] }) => void)
  observe(o: { type: string; buffered: boolean }): void
}

let tmp: string
let served: Served
let context: BrowserContext
let page: Page
const pageErrors: string[] = []
const report: Record<string, unknown> = {}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ntkw-efficiency-e2e-'))
  // No --project and a fresh config folder: the app opens the example project (MNIST, Iris, moons, spirals).
  served = await startServe([], { NTKW_CONFIG_DIR: path.join(tmp, 'config') })
  ;({ context, page } = await launchBrowser(path.join(tmp, 'profile')))
  page.on('pageerror', (e) => pageErrors.push(e.message))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/favicon/.test(m.location().url)) pageErrors.push(`console: ${m.text()}`)
  })
  // Long tasks (> 50 ms on the main thread) and frame gaps, recorded from the first script on.
  await page.addInitScript(() => {
    const tasks: { start: number; duration: number }[] = []
    const frames: number[] = []
    window.__longTasks = tasks
    window.__frames = frames
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) tasks.push({ start: e.startTime, duration: e.duration })
    }).observe({ type: 'longtask', buffered: true })
    const tick = (t: number): void => {
      frames.push(t)
      window.requestAnimationFrame(tick)
    }
    window.requestAnimationFrame(tick)
  })
})

afterAll(async () => {
  // Engine time of each run (queued → started → finished), to tell the app's time from the test's own.
  try {
    const runs = await apiCall<{ name: string; createdAt: number; startedAt: number | null; finishedAt: number | null }[]>('runs.list', {})
    report.runs = runs.map((x) => ({ name: x.name, queuedS: ((x.startedAt ?? 0) - x.createdAt) / 1000, runS: ((x.finishedAt ?? 0) - (x.startedAt ?? 0)) / 1000 }))
  } catch (e) {
    report.runs = `not read: ${(e as Error).message}`
  }
  // The figures the issue asks for, in the test log.
  console.log(`Efficient NTK E2E report: ${JSON.stringify(report, null, 1)}`)
  await context?.close().catch(() => undefined)
  await served?.stop()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

const apiCall = <T>(method: string, params: unknown): Promise<T> => callApi<T>(served, method, params)
const lab = () => labPage(page, (kind) => ((report.phases ??= []) as unknown[]).push({ start: kind, at: +(performance.now() / 1000).toFixed(1) }))
const runExperiment = (kind: string, fields: Record<string, string | number>, name: string): Promise<string> => lab().runExperiment(kind, fields, name)
const waitDone = (runId: string, timeout?: number): Promise<void> => lab().waitDone(runId, timeout)
const chartSeries = (kind: string): Promise<ChartSeries[]> => panelChart(page, kind)

describe('Efficient NTK experiment in Chromium via ntkw serve', () => {
  it('runs the efficiency experiment and its charts hold the error-vs-m curves', async () => {
    await page.goto(served.url)
    await page.locator('[data-testid=status-backend]').filter({ hasText: /tensorflow|webgpu|wasm|cpu/ }).waitFor({ timeout: 60_000 })
    await page.click('nav.sidebar [data-page=ntk-lab]')
    await page.locator('[data-testid=page-ntk-lab]').waitFor()
    await expect.poll(async () => page.locator('[data-testid=f-dataset] option:checked').textContent(), { timeout: 15_000 }).toMatch(/mnist/)

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
    const runs = await apiCall<{ id: string; name: string }[]>('runs.list', {})
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
    await page.locator('[data-testid=lab-results] [data-kind=low-rank-vs-r]').scrollIntoViewIfNeeded()
    await screenshot(page, 'efficient-ntk-low-rank')

    expect((await checkChartLayouts(page, '[data-testid=lab-results]', 'layout-efficient-ntk', screenshot)).length).toBeGreaterThanOrEqual(4)
    await page.locator('[data-testid=lab-results] [data-kind=error-vs-m]').scrollIntoViewIfNeeded()
    await screenshot(page, 'efficient-ntk-lab')
    expect(pageErrors).toEqual([])
  }, 300_000)
})
