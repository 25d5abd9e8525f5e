import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { launchBrowser, screenshot, startServe, type Served } from './harness'

// The Distill page in Chromium through `ntkw serve`, on the example project: the self-distillation tab runs
// a kernel self-distillation on MNIST and its charts' data (read from the ECharts instances) obeys the theory.

interface ChartSeries {
  name: string
  data: unknown[]
}
interface ChartHost {
  ntkwChart: { getOption(): { series: ChartSeries[] } }
}

let tmp: string
let served: Served
let context: BrowserContext
let page: Page
const pageErrors: string[] = []

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ntkw-distill-e2e-'))
  served = await startServe([], { NTKW_CONFIG_DIR: path.join(tmp, 'config') })
  ;({ context, page } = await launchBrowser(path.join(tmp, 'profile')))
  page.on('pageerror', (e) => pageErrors.push(e.message))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/favicon/.test(m.location().url)) pageErrors.push(`console: ${m.text()}`)
  })
})

afterAll(async () => {
  await context?.close().catch(() => undefined)
  await served?.stop()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

async function chartSeries(kind: string): Promise<ChartSeries[]> {
  await page.locator(`[data-testid=self-distill-results] [data-kind=${kind}]`).first().scrollIntoViewIfNeeded()
  const host = page.locator(`[data-testid=self-distill-results] [data-kind=${kind}] [data-chart]`).first()
  await host.waitFor()
  return (await host.evaluate((el) => {
    const o = (el as unknown as ChartHost).ntkwChart.getOption()
    return JSON.parse(JSON.stringify(o.series.map((s) => ({ name: s.name, data: s.data }))))
  })) as ChartSeries[]
}

const xy = (data: unknown[]): [number, number][] => data.map((d) => [Number((d as number[])[0]), Number((d as number[])[1])])

describe('Distill page in Chromium via ntkw serve', () => {
  it('runs a kernel self-distillation and shows its curves', async () => {
    await page.goto(served.url)
    await page.click('nav.sidebar [data-page=distill]')
    await page.locator('[data-testid=page-distill]').waitFor()
    await page.click('[data-testid=distill-tab][data-tab=self]')
    await page.locator('[data-testid=self-distill-tab]').waitFor()
    await expect.poll(async () => page.locator('[data-testid=sd-dataset] option:checked').textContent(), { timeout: 15_000 }).toMatch(/mnist/)
    await page.fill('[data-testid=sd-train]', '250')
    await page.fill('[data-testid=sd-test]', '200')
    await page.fill('[data-testid=sd-alphas]', '0.2, 0.6')
    await page.fill('[data-testid=sd-steps]', '6')
    await page.click('[data-testid=sd-run]')
    const results = page.locator('[data-testid=self-distill-results]')
    await results.waitFor()
    await expect.poll(async () => results.getAttribute('data-state'), { timeout: 180_000, interval: 500 }).toBe('succeeded')

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

    await page.locator('[data-testid=self-distill-results] [data-kind=sd-error]').scrollIntoViewIfNeeded()
    await screenshot(page, 'distill-self-distillation')
    await page.locator('[data-testid=self-distill-results] [data-kind=sd-shrinkage]').scrollIntoViewIfNeeded()
    await screenshot(page, 'distill-self-distillation-shrinkage')
    expect(pageErrors).toEqual([])
  }, 300_000)
})
