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

/** The NTK Lab's experiment form and results panel. */
export function labPage(page: Page, onPhase?: (kind: string) => void) {
  async function setField(testId: string, value: string | number): Promise<void> {
    await page.fill(`[data-testid=${testId}]`, String(value))
  }

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
    for (const [k, v] of Object.entries(fields)) await setField(k, v)
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
