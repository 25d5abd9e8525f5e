import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { screenshot, useServedApp } from './harness'
import { checkChartLayouts, checkWheel, dragFiles } from './page-helpers'

// Issue 21's "second hour", as a user does it in Chromium against `ntkw serve`, on data the test writes: drop a
// CSV on Datasets (a real drop event carrying its bytes) → imported; train a network on it from Models (the
// dataset choice survives two other pages); quantize that model, picked from the project, to int8 and int4
// (the runs' names differ, the int4 export does not claim stock loading); distil from it at the defaults (KD's
// held-out KL to the teacher is below CE's); the wheel over a chart scrolls; no results page pages a legend.

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

// page errors only: the console is not checked here
const app = useServedApp({ name: 'second-hour', project: 'hour.ntkw', consoleErrors: false, prepare: (tmp) => mkdirSync(path.join(tmp, 'out')) })

const go = async (name: string): Promise<void> => {
  await app.page.click(`[data-page=${name}]`)
  await app.page.locator(`[data-testid=page-${name}]`).waitFor()
}

describe('the second hour', () => {
  it('drop → train → quantize int8 and int4 → distil, with readable results', async () => {
    await app.page.goto(app.served.url)
    await app.page.locator('[data-testid=app-shell]').waitFor()
    await go('datasets')

    // 1. drop the CSV's bytes: imported without typing a path
    const prevented = await dragFiles(app.page, [{ name: 'trees.csv', text: blobsCsv() }], 'drop')
    expect(prevented).toBe(true)
    await expect.poll(async () => (await app.api<{ name: string; rows: number }[]>('datasets.list', {})).map((d) => [d.name, d.rows]), { timeout: 60_000 }).toEqual([['trees', 450]])
    await screenshot(app.page, 'second-hour-datasets')

    // 2. train from Models; the dataset choice survives two other pages
    await go('models')
    await app.page.locator('[data-testid=train-dataset] option', { hasText: 'trees' }).waitFor({ state: 'attached' })
    expect(await app.page.locator('[data-testid=train-dataset] option:checked').textContent()).toMatch(/^trees/)
    await app.page.selectOption('[data-testid=train-arch-preset]', 'fc')
    await app.page.click('[data-testid=train-arch-layer-1-remove]')
    await app.page.fill('[data-testid=train-arch-layer-0-units]', '64')
    await app.page.fill('[data-testid=train-epochs]', '30')
    await app.page.fill('[data-testid=train-batch]', '32')
    await app.page.fill('[data-testid=train-name]', 'trees mlp')
    await go('quantize')
    await go('distill')
    await go('models')
    expect(await app.page.locator('[data-testid=train-dataset] option:checked').textContent()).toMatch(/^trees/)
    expect(await app.page.inputValue('[data-testid=train-name]')).toBe('trees mlp')
    await app.page.click('[data-testid=train-start]')
    await app.page.locator('[data-testid=train-live] .state[data-state=succeeded]').waitFor({ timeout: 240_000 })
    await screenshot(app.page, 'second-hour-models')

    // 3. quantize the project's model (picked, not typed), then export int8 (stock) and int4 (packed)
    await go('quantize')
    await app.page.locator('[data-testid=q-model-id] option', { hasText: 'trees mlp' }).waitFor({ state: 'attached' })
    await app.page.selectOption('[data-testid=q-model-id]', { label: (await app.page.locator('[data-testid=q-model-id] option', { hasText: 'trees mlp' }).textContent())! })
    await app.page.selectOption('[data-testid=q-dataset]', { label: (await app.page.locator('[data-testid=q-dataset] option', { hasText: 'trees' }).textContent())! })
    await app.page.click('[data-testid=q-run]')
    await app.page.locator('[data-testid=quantize-results]').waitFor({ timeout: 240_000 })
    expect((await checkChartLayouts(app.page, '[data-testid=quantize-results]', 'second-hour-layout-quantize', screenshot)).length).toBeGreaterThanOrEqual(3)
    await app.page.fill('[data-testid=q-export-dir]', path.join(app.tmp, 'out', 'int8'))
    await app.page.click('[data-testid=q-export-int8]')
    await app.page.locator('[data-testid=q-stock]').waitFor({ timeout: 120_000 })
    expect(await app.page.textContent('[data-testid=q-stock]')).toMatch(/Loaded in this page by stock TF\.js/)
    await app.page.fill('[data-testid=q-export-dir]', path.join(app.tmp, 'out', 'int4'))
    await app.page.click('[data-testid=q-export-int4]')
    await app.page.locator('[data-testid=q-packed]').waitFor({ timeout: 120_000 })
    expect(await app.page.locator('[data-testid=q-stock]').count()).toBe(0)
    const quantRuns = (await app.api<{ kind: string; name: string }[]>('runs.list', {})).filter((r) => r.kind === 'quantize').map((r) => r.name)
    expect(quantRuns).toHaveLength(3)
    expect(new Set(quantRuns).size).toBe(3)
    for (const n of quantRuns) expect(n).toContain('trees mlp')
    await screenshot(app.page, 'second-hour-quantize')

    // 4. distil from that model at the defaults: a study of CE against KD
    await go('distill')
    await app.page.locator('[data-testid=kd-tab]').waitFor()
    await app.page.locator('[data-testid=kd-teacher-model] option', { hasText: 'trees mlp (' }).waitFor({ state: 'attached' })
    await app.page.selectOption('[data-testid=kd-teacher-model]', { label: (await app.page.locator('[data-testid=kd-teacher-model] option', { hasText: /^trees mlp \(/ }).textContent())! })
    await app.page.selectOption('[data-testid=kd-dataset]', { label: (await app.page.locator('[data-testid=kd-dataset] option', { hasText: 'trees' }).textContent())! })
    for (const l of ['nkd', 'dkd', 'topkld', 'uskd']) await app.page.click(`[data-testid=kd-study-loss][data-loss=${l}]`)
    await app.page.click('[data-testid=kd-run-study]')
    const study = app.page.locator('[data-testid=kd-results][data-kind=distill-study]')
    await study.waitFor({ timeout: 30_000 })
    await expect.poll(async () => study.getAttribute('data-state'), { timeout: 600_000, interval: 1000 }).toBe('succeeded')
    const klOf = async (loss: string): Promise<number> => Number(/([0-9.]+) ± [0-9.]+\s*$/.exec(((await app.page.locator(`[data-testid=kd-study-table] tbody tr[data-loss=${loss}]`).textContent()) ?? '').trim())![1])
    const kl = { ce: await klOf('ce'), kd: await klOf('kd') }
    console.info(`second hour: held-out KL to the teacher, CE ${kl.ce}, KD ${kl.kd}`)
    expect(kl.kd).toBeLessThan(kl.ce)
    expect((await checkChartLayouts(app.page, '[data-testid=kd-results]', 'second-hour-layout-distill', screenshot)).length).toBeGreaterThanOrEqual(2)

    // the wheel over a chart scrolls the page (ctrl + wheel zooms it)
    const wheel = await checkWheel(app.page, '[data-testid=kd-results] [data-kind=kd-study-curves] [data-chart]')
    expect(wheel.scrolled).toBeGreaterThan(0)
    await screenshot(app.page, 'second-hour-distill')
    expect(app.pageErrors).toEqual([])
  })
})
