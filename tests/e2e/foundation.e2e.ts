import { mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { pixelStats, RESULTS, screenshot, useServedApp } from './harness'

// The foundation floor, in a real Chromium against `ntkw serve`: create a project, run the backend
// benchmark and see progress then a result, cancel a second (long) benchmark within 1 s, and find both runs
// again after a reload and after closing and reopening the project.

// Functions passed to page.waitForFunction run in the page; this file is type-checked without the DOM lib.
interface MiniElement {
  getAttribute(name: string): string | null
}
interface MiniNode extends MiniElement {
  querySelector(s: string): MiniNode | null
  addEventListener(type: string, l: () => void, o?: { capture: boolean }): void
}
declare const document: { querySelector(s: string): MiniNode | null; querySelectorAll(s: string): ArrayLike<MiniElement> }
declare const window: unknown
declare const performance: { now(): number }
declare class MutationObserver {
  constructor(cb: () => void)
  observe(target: MiniNode, o: { attributes: boolean; attributeFilter: string[] }): void
}

const app = useServedApp({ name: 'foundation', project: 'e2e.ntkw', prepare: (tmp) => mkdirSync(path.join(tmp, 'projects')) })

const sel = {
  shell: '[data-testid=app-shell]',
  sidebar: 'nav.sidebar',
  statusbar: '[data-testid=statusbar]',
  jobsPanel: '[data-testid=jobs-panel]',
  projectName: '[data-testid=project-name]',
  runBenchmark: '[data-testid=run-benchmark]',
  preset: '[data-testid=benchmark-preset]',
  result: '[data-testid=benchmark-result]',
  jobItem: (id: string) => `[data-testid=job-item][data-run-id="${id}"]`,
  runRow: '[data-testid=run-row]',
}

async function shellVisible(): Promise<void> {
  for (const s of [sel.shell, sel.sidebar, sel.statusbar, sel.jobsPanel, '[data-testid=main]']) await app.page.locator(s).first().waitFor({ state: 'visible' })
  const box = await app.page.locator('[data-testid=main]').boundingBox()
  expect(box!.width).toBeGreaterThan(400)
  expect(box!.height).toBeGreaterThan(400)
}

/** Submits a benchmark with the given preset and returns its run id (the newest job in the panel). */
async function startBenchmark(preset: string): Promise<string> {
  const before = await app.page.locator('[data-testid=job-item]').evaluateAll((els) => els.map((e) => e.getAttribute('data-run-id')))
  await app.page.selectOption(sel.preset, preset)
  await app.page.click(sel.runBenchmark)
  const handle = await app.page.waitForFunction(
    (known) => {
      const el = Array.from(document.querySelectorAll('[data-testid=job-item]')).find((e) => !known.includes(e.getAttribute('data-run-id')))
      return el ? el.getAttribute('data-run-id') : null
    },
    before,
    { timeout: 15_000 },
  )
  return (await handle.jsonValue()) as string
}

async function runStates(): Promise<Record<string, string>> {
  await app.page.locator(sel.runRow).first().waitFor()
  const rows = await app.page.locator(sel.runRow).evaluateAll((els) => els.map((e) => [e.getAttribute('data-run-id'), e.getAttribute('data-state')]))
  return Object.fromEntries(rows)
}

describe('foundation in Chromium via ntkw serve', () => {
  it('the blank-page guard bites: a blank page fails the screenshot check', async () => {
    const blank = await app.context.newPage()
    await blank.setContent('<html><body style="background:#f5f6f8"></body></html>')
    await expect(screenshot(blank, 'blank-guard')).rejects.toThrow(/looks blank/)
    await blank.close()
  })

  it('create a project, benchmark, cancel, reload, reopen', async () => {
    // --- open the app: the shell renders, the token left the visible URL, the backend is reported
    await app.page.goto(app.served.url)
    await shellVisible()
    expect(app.page.url()).not.toContain('token=')
    await app.page.locator('[data-testid=status-backend]').filter({ hasText: /tensorflow|webgpu|wasm|cpu/ }).waitFor({ timeout: 60_000 })
    await app.page.locator('.statusbar .conn.open').waitFor()

    // --- create a project: New (asks for its place), then Save As to another path
    // New asks for a name and a place (and offers the example datasets, declined here)
    await app.page.click('[data-testid=action-new]')
    await app.page.fill('[data-testid=path-input]', path.join(app.tmp, 'projects', 'first-draft.ntkw'))
    await app.page.uncheck('[data-testid=new-examples]')
    await app.page.click('[data-testid=path-submit]')
    await app.page.locator(sel.projectName).filter({ hasText: 'first-draft' }).waitFor()
    const projectFile = path.join(app.tmp, 'projects', 'foundation.ntkw')
    await app.page.click('[data-testid=action-save-as]')
    await app.page.fill('[data-testid=path-input]', projectFile)
    await app.page.click('[data-testid=path-submit]')
    await app.page.locator(sel.projectName).filter({ hasText: 'foundation' }).waitFor()
    expect(await app.page.locator('[data-testid=project-path]').textContent()).toBe(projectFile)
    expect(await app.page.locator(sel.projectName).textContent()).toContain('saved')

    // --- backend benchmark: progress strictly between 0 and 100 %, then a result with a chart
    const first = await startBenchmark('standard')
    const seen = await app.page.waitForFunction(
      (s) => {
        const b = document.querySelector(s)
        const v = b ? Number(b.getAttribute('aria-valuenow')) : 0
        return v > 0 && v < 100 ? v : null
      },
      `${sel.jobItem(first)} [role=progressbar]`,
      { timeout: 60_000, polling: 'raf' },
    )
    expect(await seen.jsonValue()).toBeGreaterThan(0)
    await app.page.locator(`${sel.jobItem(first)}[data-state=succeeded]`).waitFor({ timeout: 120_000 })
    await app.page.locator(sel.result).waitFor()
    const gflops = await app.page
      .locator('[data-testid=benchmark-matmul-table] tbody tr td:last-child')
      .evaluateAll((tds) => tds.map((td) => Number(td.textContent)))
    expect(gflops).toHaveLength(3)
    for (const g of gflops) expect(g).toBeGreaterThan(0.05)
    // the chart holds the same numbers (read from the ECharts instance, not from pixels)
    const chart = (await app.page.locator('[data-chart=benchmark-matmul]').evaluate((el) => {
      const o = (el as unknown as { ntkwChart: { getOption(): { xAxis: { data: string[] }[]; series: { data: number[] }[] } } }).ntkwChart.getOption()
      return { x: o.xAxis[0]!.data, y: o.series[0]!.data }
    })) as { x: string[]; y: number[] }
    expect(chart.x).toEqual(['256', '512', '1024'])
    chart.y.forEach((v, i) => expect(v).toBeCloseTo(gflops[i]!, 0))
    const shotResult = await screenshot(app.page, 'foundation-benchmark-light')

    // --- a long second benchmark, cancelled while running: `cancelled` within 1 s of the click
    const second = await startBenchmark('large')
    await app.page.waitForFunction(
      (s) => {
        const b = document.querySelector(s)
        return b !== null && Number(b.getAttribute('aria-valuenow')) > 0
      },
      `${sel.jobItem(second)}[data-state=running] [role=progressbar]`,
      { timeout: 60_000, polling: 'raf' },
    )
    // Timed inside the page, from the click event to the DOM showing `cancelled` (what the user sees),
    // so Playwright's own overhead is not counted.
    await app.page.evaluate((id) => {
      const w = window as unknown as { __cancel: { clicked: number; shown: number } }
      w.__cancel = { clicked: 0, shown: 0 }
      const item = document.querySelector(`[data-testid=job-item][data-run-id="${id}"]`)!
      item.querySelector('[data-testid=job-cancel]')!.addEventListener('click', () => (w.__cancel.clicked = performance.now()), { capture: true })
      new MutationObserver(() => {
        if (!w.__cancel.shown && item.getAttribute('data-state') === 'cancelled') w.__cancel.shown = performance.now()
      }).observe(item, { attributes: true, attributeFilter: ['data-state'] })
    }, second)
    await app.page.click(`${sel.jobItem(second)} [data-testid=job-cancel]`)
    await app.page.locator(`${sel.jobItem(second)}[data-state=cancelled]`).waitFor({ timeout: 5_000 })
    const t = (await app.page.evaluate(() => (window as unknown as { __cancel: { clicked: number; shown: number } }).__cancel)) as { clicked: number; shown: number }
    const cancelMs = Math.round(t.shown - t.clicked)
    console.log(`cancel: state 'cancelled' shown ${cancelMs} ms after the click`)
    expect(t.clicked).toBeGreaterThan(0)
    expect(t.shown).toBeGreaterThan(t.clicked)

    // --- reload: the Runs page lists both runs with their final states
    await app.page.click('[data-page=runs]')
    await app.page.reload()
    await shellVisible()
    await app.page.locator('[data-testid=page-runs]').waitFor()
    await app.page.locator(`${sel.runRow}[data-run-id="${second}"]`).waitFor()
    expect(await runStates()).toMatchObject({ [first]: 'succeeded', [second]: 'cancelled' })
    await app.page.click(`${sel.runRow}[data-run-id="${first}"]`)
    await app.page.locator('[data-testid=run-detail]').filter({ hasText: 'Backend benchmark' }).waitFor()
    await app.page.locator('[data-testid=run-detail] [data-testid=benchmark-result]').waitFor()
    await screenshot(app.page, 'foundation-runs-light')
    // its metric series (runs.metric) as a line chart: one point per matmul size
    await app.page.click('[data-testid=run-detail] [data-tab=metrics]')
    await app.page.selectOption('[data-testid=metric-select]', 'matmul_gflops')
    const metricChart = app.page.locator('[data-testid=run-detail] [data-chart$=matmul_gflops]')
    await metricChart.waitFor()
    const points = (await metricChart.evaluate((el) => {
      const o = (el as unknown as { ntkwChart: { getOption(): { series: { data: [number, number][] }[] } } }).ntkwChart.getOption()
      return o.series[0]!.data
    })) as [number, number][]
    expect(points.map((p) => p[0])).toEqual([256, 512, 1024])
    points.forEach((p, i) => expect(p[1]).toBeCloseTo(gflops[i]!, 0))
    await screenshot(app.page, 'foundation-metrics-light')
    // charts export as PNG and SVG files
    for (const kind of ['PNG', 'SVG']) {
      const [download] = await Promise.all([app.page.waitForEvent('download'), app.page.locator('[data-testid=run-detail] .echart').getByRole('button', { name: kind }).click()])
      const file = path.join(RESULTS, `foundation-metric-export.${kind.toLowerCase()}`)
      await download.saveAs(file)
      const head = readFileSync(file).subarray(0, 200)
      if (kind === 'PNG') expect([...head.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47])
      else expect(head.toString('utf8')).toContain('<svg')
    }

    // --- close the project, then reopen it by path (Ctrl+O opens the path dialog in a browser)
    await app.page.click('[data-page=project]')
    await app.page.click('[data-testid=action-close]')
    await app.page.locator('[data-testid=no-project]').waitFor()
    await app.page.keyboard.press('Control+o')
    await app.page.locator('[data-testid=path-dialog]').waitFor()
    await app.page.fill('[data-testid=path-input]', projectFile)
    await app.page.click('[data-testid=path-submit]')
    await app.page.locator(sel.projectName).filter({ hasText: 'foundation' }).waitFor()
    await app.page.click('[data-page=runs]')
    await app.page.locator(`${sel.runRow}[data-run-id="${second}"]`).waitFor()
    expect(await runStates()).toMatchObject({ [first]: 'succeeded', [second]: 'cancelled' })

    // --- dark theme: the document switches and the page still renders content
    await app.page.click('[data-page=project]')
    for (let i = 0; i < 3 && !(await app.page.locator('html.dark').count()); i++) await app.page.click('[data-testid=theme-toggle]')
    await app.page.locator('html.dark').waitFor({ state: 'attached' })
    await app.page.locator(sel.result).waitFor()
    await app.page.waitForTimeout(400) // chart re-initialises with the dark theme
    const shotDark = await screenshot(app.page, 'foundation-benchmark-dark')
    // the dominant colour is dark now, and was light before
    const luma = ([r, g, b]: [number, number, number]) => 0.2126 * r + 0.7152 * g + 0.0722 * b
    expect(luma(shotDark.stats.background)).toBeLessThan(60)
    expect(luma(pixelStats(shotResult.file).background)).toBeGreaterThan(200)

    // --- the server goes away: a visible "disconnected" banner, not a silently frozen page
    await app.served.stop()
    await app.page.locator('[data-testid=disconnected-banner]').waitFor({ timeout: 10_000 })
    await app.page.locator('.statusbar .conn.closed').waitFor()
    await screenshot(app.page, 'foundation-disconnected-dark')

    const unexpected = app.pageErrors.filter((e) => !/ERR_CONNECTION_REFUSED|WebSocket connection/.test(e))
    expect(unexpected).toEqual([])
  })
})
