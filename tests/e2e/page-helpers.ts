import WebSocket from 'ws'
import { expect } from 'vitest'
import type { Page } from 'playwright-core'
import type { Served } from './harness'

// Helpers several end-to-end tests share: the app's API as the page calls it, chart data read from the
// ECharts instances, and the NTK Lab's experiment form. Functions passed to page.evaluate run in the page;
// these files are type-checked without the DOM lib, hence the small structural types.

export interface ChartSeries {
  name: string
  type: string
  data: unknown[]
  markLine?: { data?: unknown[] }
}
export interface ChartHost {
  ntkwChart: { getOption(): { series: ChartSeries[] } }
}
type Doc = { querySelector(s: string): { getAttribute(n: string): string | null } | null }
declare const window: { document: Doc }

/** One call of the app's API over the served WebSocket, as the page makes it (reads what the server stored). */
export async function apiCall<T>(served: Served, method: string, params: unknown): Promise<T> {
  const u = new URL(served.url)
  const ws = new WebSocket(`ws://${u.host}/ws?token=${u.searchParams.get('token')}`, { origin: `http://${u.host}` })
  try {
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)))
    ws.send(JSON.stringify({ id: 1, method, params }))
    return await new Promise<T>((resolve, reject) =>
      ws.on('message', (raw) => {
        const m = JSON.parse(String(raw)) as { id?: number; result?: T; error?: { message: string } }
        if (m.id !== 1) return
        if (m.error) reject(new Error(m.error.message))
        else resolve(m.result as T)
      }),
    )
  } finally {
    ws.close()
  }
}

/** The series of the first drawn chart matching `selector` (an element with `data-chart`, or inside one). */
export async function seriesOf(page: Page, selector: string): Promise<ChartSeries[]> {
  const host = page.locator(selector).first()
  await host.waitFor()
  await host.scrollIntoViewIfNeeded()
  return (await host.evaluate((el) => {
    const o = (el as unknown as ChartHost).ntkwChart.getOption()
    return JSON.parse(JSON.stringify(o.series.map((s) => ({ name: s.name, type: s.type, data: s.data, markLine: s.markLine ? { data: s.markLine.data } : undefined }))))
  })) as ChartSeries[]
}

/**
 * The chart of kind `kind` inside one of the result panels: scrolled into view first, because charts mount
 * (and draw) only on screen.
 */
export async function panelChart(page: Page, kind: string, panels = ['[data-testid=lab-results]', '[data-testid=run-compare]']): Promise<ChartSeries[]> {
  await page.locator(panels.map((p) => `${p} [data-kind=${kind}]`).join(', ')).first().scrollIntoViewIfNeeded()
  return seriesOf(page, panels.map((p) => `${p} [data-kind=${kind}] [data-chart]`).join(', '))
}

/** [x, y] pairs from ECharts data items (plain arrays or {value}). */
export function xy(data: unknown[]): [number, number][] {
  return data.map((d) => {
    const v = Array.isArray(d) ? d : (d as { value: number[] }).value
    return [Number(v[0]), Number(v[1])]
  })
}

/** Types each value into the input with that data-testid, in order (a form filled as a user would). */
export async function fillFields(page: Page, fields: Record<string, string | number>): Promise<void> {
  for (const [testId, value] of Object.entries(fields)) await page.fill(`[data-testid=${testId}]`, String(value))
}

/** The NTK Lab's experiment form and results panel. */
export function labPage(page: Page, onPhase?: (kind: string) => void) {
  const setField = (testId: string, value: string | number): Promise<void> => fillFields(page, { [testId]: value })

  /** The run the results panel shows after `before` (read without waiting: there may be no panel yet). */
  async function nextRunId(before: string | null): Promise<string> {
    const handle = await page.waitForFunction(
      (prev) => {
        const id = window.document.querySelector('[data-testid=lab-results]')?.getAttribute('data-run-id') ?? null
        return id && id !== prev ? id : null
      },
      before,
      { timeout: 15_000 },
    )
    return (await handle.jsonValue()) as string
  }

  async function shownRunId(): Promise<string | null> {
    const results = page.locator('[data-testid=lab-results]')
    return (await results.count()) > 0 ? await results.first().getAttribute('data-run-id') : null
  }

  /** Builds an experiment in the form, presses Run, and returns the run id the results panel shows. */
  async function runExperiment(kind: string, fields: Record<string, string | number>, name: string): Promise<string> {
    onPhase?.(kind)
    await page.click('[data-testid=exp-new]')
    await page.click(`[data-testid=exp-kind][data-kind=${kind}]`)
    await fillFields(page, fields)
    await setField('f-name', name)
    const before = await shownRunId()
    await page.click('[data-testid=exp-run]')
    return nextRunId(before)
  }

  async function waitDone(runId: string, timeout = 90_000): Promise<void> {
    const el = page.locator(`[data-testid=lab-results][data-run-id="${runId}"]`)
    await page.waitForFunction(
      (id) => {
        const s = window.document.querySelector(`[data-testid=lab-results][data-run-id="${id}"]`)?.getAttribute('data-state')
        return s === 'succeeded' || s === 'failed' || s === 'cancelled'
      },
      runId,
      { timeout },
    )
    expect(await el.getAttribute('data-state'), (await el.textContent()) ?? '').toBe('succeeded')
  }

  return { setField, nextRunId, shownRunId, runExperiment, waitDone }
}

interface Rect {
  x: number
  y: number
  width: number
  height: number
}
interface LaidOut {
  name: string
  legendType: string | null
  /** each series' progressive setting: 0 = drawn in one frame (see renderer/src/charts/echarts.ts) */
  progressive: (number | null)[]
  paged: boolean
  legend: Rect | null
  grids: Rect[]
}
type El = { getAttribute(n: string): string | null; parentElement: El | null; scrollHeight: number; clientHeight: number; scrollTop: number; scrollBy(x: number, y: number): void }
declare function getComputedStyle(e: El): { overflowY: string }
type ScopeDoc = { querySelector(s: string): El | null; scrollingElement: El }

/** In the page: the element that scrolls `selector`'s element (the app's main pane, or the document). */
function scrollerOf(selector: string): El {
  const doc = (window as unknown as { document: ScopeDoc }).document
  let e = doc.querySelector(selector)
  while (e) {
    if (e.scrollHeight > e.clientHeight + 1 && /auto|scroll/.test(getComputedStyle(e).overflowY)) return e
    e = e.parentElement
  }
  return doc.scrollingElement
}

/**
 * Every chart inside `scope`, scrolled into view step by step (charts mount only on screen): no legend pages
 * ("1/2", read from the drawn legend component), the legend ends above every plot. Then a screenshot of the
 * scope's top into the test artifacts. Returns the charts checked.
 */
export async function checkChartLayouts(page: Page, scope: string, shot: string, screenshotFn: (page: Page, name: string) => Promise<unknown>): Promise<LaidOut[]> {
  await page.locator(scope).first().waitFor()
  const seen = new Map<string, LaidOut>()
  await page.evaluate(`(${scrollerOf.toString()})(${JSON.stringify(scope)}).scrollTop = 0`)
  for (let step = 0; step < 60; step++) {
    await page.waitForTimeout(300)
    const hosts = page.locator(`${scope} [data-chart]`)
    for (let i = 0; i < (await hosts.count()); i++) {
      const got = (await hosts.nth(i).evaluate((el) => {
        const c = (el as unknown as { ntkwChart: { getOption(): { legend?: { type?: string }[]; series?: { progressive?: number }[] }; layout(): Omit<LaidOut, 'name' | 'legendType' | 'progressive'> } }).ntkwChart
        const o = c.getOption()
        return { name: (el as unknown as El).getAttribute('data-chart') ?? '', legendType: o.legend?.[0]?.type ?? null, progressive: (o.series ?? []).map((s) => s.progressive ?? null), ...c.layout() }
      })) as LaidOut
      seen.set(got.name, got)
    }
    const more = (await page.evaluate(`(() => { const s = (${scrollerOf.toString()})(${JSON.stringify(scope)}); const before = s.scrollTop; s.scrollBy(0, 450); return s.scrollTop > before })()`)) as boolean
    if (!more) break
  }
  for (const c of seen.values()) {
    expect(c.legendType, `${shot}: chart ${c.name} legend type`).not.toBe('scroll')
    expect(c.paged, `${shot}: chart ${c.name} pages its legend`).toBe(false)
    // a chart replaced while it still draws progressively throws inside zrender: every series draws at once
    for (const p of c.progressive) expect(p, `${shot}: chart ${c.name}: a series draws progressively`).toBe(0)
    if (c.legend && c.legend.height > 0) for (const g of c.grids) expect(c.legend.y + c.legend.height, `${shot}: chart ${c.name}: legend ${JSON.stringify(c.legend)} over the plot ${JSON.stringify(g)}`).toBeLessThanOrEqual(g.y + 1)
  }
  await page.evaluate(`(${scrollerOf.toString()})(${JSON.stringify(scope)}).scrollTop = 0`)
  await screenshotFn(page, shot)
  return [...seen.values()]
}

/**
 * The plain wheel over a chart scrolls the page and leaves the chart's zoom alone; ctrl + wheel zooms it
 * and does not scroll. `chart`: a drawn chart (an element with data-chart) that has an inside dataZoom.
 */
export async function checkWheel(page: Page, chart: string): Promise<{ scrolled: number; zoom: { start: number; end: number } }> {
  const host = page.locator(chart).first()
  await host.scrollIntoViewIfNeeded()
  const zoomOf = async (): Promise<{ start: number; end: number }> =>
    (await host.evaluate((el) => {
      const z = (el as unknown as { ntkwChart: { getOption(): { dataZoom?: { start?: number; end?: number }[] } } }).ntkwChart.getOption().dataZoom?.[0]
      return { start: z?.start ?? 0, end: z?.end ?? 100 }
    })) as { start: number; end: number }
  const top = async (): Promise<number> => (await page.evaluate(`(${scrollerOf.toString()})(${JSON.stringify(chart)}).scrollTop`)) as number
  const aim = async (): Promise<void> => {
    const b = (await host.boundingBox())!
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2)
  }
  // ctrl + wheel zooms the chart and does not scroll
  await aim()
  const zoom0 = await zoomOf()
  const top0 = await top()
  await page.keyboard.down('Control')
  await page.mouse.wheel(0, -240)
  await page.keyboard.up('Control')
  await expect.poll(async () => JSON.stringify(await zoomOf()), { timeout: 5000 }).not.toBe(JSON.stringify(zoom0))
  const zoom = await zoomOf()
  expect(await top(), 'ctrl + wheel does not scroll the page').toBe(top0)
  // the plain wheel scrolls the page and leaves the zoom alone (up when the chart ends the page)
  await aim()
  const room = (await page.evaluate(`(() => { const s = (${scrollerOf.toString()})(${JSON.stringify(chart)}); return s.scrollHeight - s.clientHeight - s.scrollTop })()`)) as number
  await page.mouse.wheel(0, room > 10 ? 240 : -240)
  await expect.poll(top, { timeout: 5000 }).not.toBe(top0)
  let last = -1
  await expect.poll(async () => { const t = await top(); const still = t === last; last = t; return still }, { timeout: 5000, interval: 200 }).toBe(true)
  expect(await zoomOf(), 'the plain wheel does not zoom').toEqual(zoom)
  return { scrolled: Math.abs((await top()) - top0), zoom }
}

/**
 * Files dragged from the desktop onto the window: a real DataTransfer holding the files' bytes, dispatched as
 * dragenter + dragover ('over') or dragenter + drop ('drop'). Returns whether the page prevented the
 * browser's default of the last event (for a drop: navigating away to the file). A string is evaluated so
 * this file needs no DOM types.
 */
export async function dragFiles(page: Page, files: { name: string; text: string; type?: string }[], phase: 'over' | 'drop'): Promise<boolean> {
  return (await page.evaluate(`(() => {
    const dt = new DataTransfer()
    for (const f of ${JSON.stringify(files)}) dt.items.add(new File([f.text], f.name, { type: f.type ?? 'text/csv' }))
    const fire = (type) => {
      const e = new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true })
      window.dispatchEvent(e)
      return e.defaultPrevented
    }
    fire('dragenter')
    return fire(${JSON.stringify(phase === 'over' ? 'dragover' : 'drop')})
  })()`)) as boolean
}
