import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { launchBrowser, screenshot, startServe, type Served } from './harness'
import { apiCall, checkChartLayouts, checkWheel, dragFiles } from './page-helpers'

// Issue 21's "second hour", as a user does it in Chromium against `ntkw serve`, on data the test writes: drop a
// CSV on Datasets (a real drop event carrying its bytes) → imported; train a network on it from Models (the
// dataset choice survives two other pages); quantize that model, picked from the project, to int8 and int4
// (the runs' names differ, the int4 export does not claim stock loading); distil from it at the defaults (KD's
// held-out KL to the teacher is below CE's); the wheel over a chart scrolls; no results page pages a legend.

let tmp: string
let served: Served
let context: BrowserContext
let page: Page
const pageErrors: string[] = []

/** three overlapping Gaussian-ish classes in 6 features (deterministic), 450 rows: a teacher is not perfect */
function blobsCsv(): string {
  let s = 12345
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1
  const lines = ['f1,f2,f3,f4,f5,f6,species']
  const names = ['alder', 'birch', 'cedar']
  for (let i = 0; i < 450; i++) {
    const c = i % 3
    const x = Array.from({ length: 6 }, (_, j) => (j % 3 === c ? 1.2 : 0) + (rnd() + rnd() + rnd()) * 0.6)
    lines.push(`${x.map((v) => v.toFixed(4)).join(',')},${names[c]}`)
  }
  return lines.join('\n') + '\n'
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ntkw-e2e-second-hour-'))
  mkdirSync(path.join(tmp, 'out'))
  served = await startServe(['--project', path.join(tmp, 'hour.ntkw')], { NTKW_CONFIG_DIR: path.join(tmp, 'config') })
  ;({ context, page } = await launchBrowser(path.join(tmp, 'profile')))
  page.on('pageerror', (e) => pageErrors.push(e.message))
})

afterAll(async () => {
  await context?.close().catch(() => undefined)
  await served?.stop()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

const go = async (name: string): Promise<void> => {
  await page.click(`[data-page=${name}]`)
  await page.locator(`[data-testid=page-${name}]`).waitFor()
}

describe('the second hour', () => {
  it('drop → train → quantize int8 and int4 → distil, with readable results', async () => {
    await page.goto(served.url)
    await page.locator('[data-testid=app-shell]').waitFor()
    await go('datasets')

    // 1. drop the CSV's bytes: imported without typing a path
    const prevented = await dragFiles(page, [{ name: 'trees.csv', text: blobsCsv() }], 'drop')
    expect(prevented).toBe(true)
    await expect.poll(async () => (await apiCall<{ name: string; rows: number }[]>(served, 'datasets.list', {})).map((d) => [d.name, d.rows]), { timeout: 60_000 }).toEqual([['trees', 450]])
    await screenshot(page, 'second-hour-datasets')

    // 2. train from Models; the dataset choice survives two other pages
    await go('models')
    await page.locator('[data-testid=train-dataset] option', { hasText: 'trees' }).waitFor({ state: 'attached' })
    expect(await page.locator('[data-testid=train-dataset] option:checked').textContent()).toMatch(/^trees/)
    await page.selectOption('[data-testid=train-arch-preset]', 'fc')
    await page.click('[data-testid=train-arch-layer-1-remove]')
    await page.fill('[data-testid=train-arch-layer-0-units]', '64')
    await page.fill('[data-testid=train-epochs]', '30')
    await page.fill('[data-testid=train-batch]', '32')
    await page.fill('[data-testid=train-name]', 'trees mlp')
    await go('quantize')
    await go('distill')
    await go('models')
    expect(await page.locator('[data-testid=train-dataset] option:checked').textContent()).toMatch(/^trees/)
    expect(await page.inputValue('[data-testid=train-name]')).toBe('trees mlp')
    await page.click('[data-testid=train-start]')
    await page.locator('[data-testid=train-live] .state[data-state=succeeded]').waitFor({ timeout: 240_000 })
    await screenshot(page, 'second-hour-models')

    // 3. quantize the project's model (picked, not typed), then export int8 (stock) and int4 (packed)
    await go('quantize')
    await page.locator('[data-testid=q-model-id] option', { hasText: 'trees mlp' }).waitFor({ state: 'attached' })
    await page.selectOption('[data-testid=q-model-id]', { label: (await page.locator('[data-testid=q-model-id] option', { hasText: 'trees mlp' }).textContent())! })
    await page.selectOption('[data-testid=q-dataset]', { label: (await page.locator('[data-testid=q-dataset] option', { hasText: 'trees' }).textContent())! })
    await page.click('[data-testid=q-run]')
    await page.locator('[data-testid=quantize-results]').waitFor({ timeout: 240_000 })
    expect((await checkChartLayouts(page, '[data-testid=quantize-results]', 'second-hour-layout-quantize', screenshot)).length).toBeGreaterThanOrEqual(3)
    await page.fill('[data-testid=q-export-dir]', path.join(tmp, 'out', 'int8'))
    await page.click('[data-testid=q-export-int8]')
    await page.locator('[data-testid=q-stock]').waitFor({ timeout: 120_000 })
    expect(await page.textContent('[data-testid=q-stock]')).toMatch(/Loaded in this page by stock TF\.js/)
    await page.fill('[data-testid=q-export-dir]', path.join(tmp, 'out', 'int4'))
    await page.click('[data-testid=q-export-int4]')
    await page.locator('[data-testid=q-packed]').waitFor({ timeout: 120_000 })
    expect(await page.locator('[data-testid=q-stock]').count()).toBe(0)
    const quantRuns = (await apiCall<{ kind: string; name: string }[]>(served, 'runs.list', {})).filter((r) => r.kind === 'quantize').map((r) => r.name)
    expect(quantRuns).toHaveLength(3)
    expect(new Set(quantRuns).size).toBe(3)
    for (const n of quantRuns) expect(n).toContain('trees mlp')
    await screenshot(page, 'second-hour-quantize')

    // 4. distil from that model at the defaults: a study of CE against KD
    await go('distill')
    await page.locator('[data-testid=kd-tab]').waitFor()
    await page.locator('[data-testid=kd-teacher-model] option', { hasText: 'trees mlp (' }).waitFor({ state: 'attached' })
    await page.selectOption('[data-testid=kd-teacher-model]', { label: (await page.locator('[data-testid=kd-teacher-model] option', { hasText: /^trees mlp \(/ }).textContent())! })
    await page.selectOption('[data-testid=kd-dataset]', { label: (await page.locator('[data-testid=kd-dataset] option', { hasText: 'trees' }).textContent())! })
    for (const l of ['nkd', 'dkd', 'topkld', 'uskd']) await page.click(`[data-testid=kd-study-loss][data-loss=${l}]`)
    await page.click('[data-testid=kd-run-study]')
    const study = page.locator('[data-testid=kd-results][data-kind=distill-study]')
    await study.waitFor({ timeout: 30_000 })
    await expect.poll(async () => study.getAttribute('data-state'), { timeout: 600_000, interval: 1000 }).toBe('succeeded')
    const klOf = async (loss: string): Promise<number> => Number(/([0-9.]+) ± [0-9.]+\s*$/.exec(((await page.locator(`[data-testid=kd-study-table] tbody tr[data-loss=${loss}]`).textContent()) ?? '').trim())![1])
    const kl = { ce: await klOf('ce'), kd: await klOf('kd') }
    console.info(`second hour: held-out KL to the teacher, CE ${kl.ce}, KD ${kl.kd}`)
    expect(kl.kd).toBeLessThan(kl.ce)
    expect((await checkChartLayouts(page, '[data-testid=kd-results]', 'second-hour-layout-distill', screenshot)).length).toBeGreaterThanOrEqual(2)

    // the wheel over a chart scrolls the page (ctrl + wheel zooms it)
    const wheel = await checkWheel(page, '[data-testid=kd-results] [data-kind=kd-study-curves] [data-chart]')
    expect(wheel.scrolled).toBeGreaterThan(0)
    await screenshot(page, 'second-hour-distill')
    expect(pageErrors).toEqual([])
  })
})
