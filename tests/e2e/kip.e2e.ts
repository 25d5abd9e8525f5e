import { describe, expect, it } from 'vitest'
import { screenshot, useServedApp } from './harness'
import { checkChartLayouts, fillFields } from './page-helpers'

// KIP (dataset distillation) in Chromium through `ntkw serve`, on the example project's MNIST: start a run
// from the Distill page, watch the support images and the test accuracy change, stop it, find the
// distilled dataset on the Datasets page and train a network on it (a `train` job on that dataset); a
// short run that finishes fills the transfer chart (network trained on the KIP set vs random real images).

interface ChartHost {
  ntkwChart: { getOption(): { series: { name: string; type: string; data: unknown[] }[] } }
}
interface El {
  getAttribute(n: string): string | null
  querySelector(s: string): El | null
  querySelectorAll(s: string): El[]
  toDataURL(): string
}
declare const document: El

const report: Record<string, unknown> = {}
const app = useServedApp({ name: 'KIP', report })

async function series(name: string): Promise<{ name: string; data: unknown[] }[]> {
  const host = app.page.locator(`[data-chart=${name}]`)
  await host.scrollIntoViewIfNeeded()
  return (await host.evaluate((el) => JSON.parse(JSON.stringify((el as unknown as ChartHost).ntkwChart.getOption().series.map((s) => ({ name: s.name, data: s.data })))))) as {
    name: string
    data: unknown[]
  }[]
}

/** The grid's snapshot step and a fingerprint of its first images' pixels. */
async function gridState(): Promise<{ step: number; pixels: string }> {
  return (await app.page.evaluate(() => {
    const grid = document.querySelector('[data-testid=kip-support-grid]')
    if (!grid) return { step: -1, pixels: '' }
    const canvases = Array.from(grid.querySelectorAll('canvas')).slice(0, 4)
    return { step: Number(grid.getAttribute('data-step')), pixels: canvases.map((c) => c.toDataURL()).join('|') }
  })) as { step: number; pixels: string }
}

async function waitRun(runId: string, states: string[], timeout = 120_000): Promise<string> {
  const t0 = Date.now()
  for (;;) {
    const d = await app.api<{ summary: { state: string } }>('runs.get', { runId })
    if (states.includes(d.summary.state)) return d.summary.state
    if (Date.now() - t0 > timeout) throw new Error(`run ${runId} still ${d.summary.state}`)
    await new Promise((r) => setTimeout(r, 300))
  }
}


describe('KIP in Chromium via ntkw serve', () => {
  it('distils MNIST from the Distill page, streams the grid and accuracy, stops, and the dataset trains a network', async () => {
    await app.page.goto(app.served.url)
    await app.page.locator('[data-testid=status-backend]').filter({ hasText: /wasm|cpu|tensorflow/ }).waitFor({ timeout: 60_000 })
    await app.page.click('nav.sidebar [data-page=distill]')
    await app.page.click('[data-testid=distill-tab][data-tab=kip]')
    await app.page.locator('[data-testid=kip-panel]').waitFor()
    await expect.poll(async () => app.page.locator('[data-testid=kip-dataset] option:checked').textContent(), { timeout: 15_000 }).toMatch(/mnist/)

    await fillFields(app.page, { 'kip-train-cap': 1000, 'kip-test-cap': 300, 'kip-per-class': 2, 'kip-steps': 5000, 'kip-batch': 200, 'kip-eval-every': 10 })
    await app.page.click('[data-testid=kip-start]')
    await app.page.locator('[data-testid=kip-stop]').waitFor({ timeout: 30_000 })

    // the grid shows the step-0 support (real digits), then a later snapshot with different pixels
    await app.page.locator('[data-testid=kip-support-grid]').waitFor({ timeout: 60_000 }).catch(async (e) => {
      const runs = await app.api<unknown[]>('runs.list', {})
      const kip = (runs as { id: string; kind: string }[]).find((r) => r.kind === 'kip')
      const d = kip ? await app.api<unknown>('runs.get', { runId: kip.id }) : null
      await screenshot(app.page, 'kip-debug', { colours: 1, foreground: 0 })
      throw new Error(`${(e as Error).message}\n${JSON.stringify(d, null, 1).slice(0, 3000)}\n${app.served.log().slice(-2000)}`)
    })
    await expect.poll(async () => (await app.page.locator('[data-testid=kip-support-image]').count()), { timeout: 30_000 }).toBe(20)
    const first = await gridState()
    await expect.poll(async () => (await gridState()).step, { timeout: 90_000 }).toBeGreaterThanOrEqual(first.step + 20)
    const later = await gridState()
    expect(later.pixels).not.toBe(first.pixels)
    await screenshot(app.page, 'kip-running')

    // accuracy: several evaluations, and the curve moves; loss streams every step
    await expect.poll(async () => ((await series('kip-accuracy'))[0]?.data.length ?? 0), { timeout: 60_000 }).toBeGreaterThanOrEqual(4)
    const acc = (await series('kip-accuracy'))[0]!.data.map((d) => Number((d as number[])[1]))
    expect(new Set(acc.map((a) => a.toFixed(4))).size).toBeGreaterThan(1)
    report.accuracy = acc
    const loss = (await series('kip-loss'))[0]!.data
    expect(loss.length).toBeGreaterThan(20)
    const labels = (await series('kip-labels'))[0]!.data
    expect(labels).toHaveLength(20 * 10)

    // stop: the run ends cancelled, the last support set stays on screen and is saved as a dataset
    await app.page.click('[data-testid=kip-stop]')
    await app.page.locator('[data-testid=kip-state] [data-state=cancelled]').waitFor({ timeout: 15_000 })
    expect(await app.page.locator('[data-testid=kip-support-image]').count()).toBe(20)
    // the grid ends on the support set as it was when stopped (the last step that ran)
    const kipRun = (await app.api<{ id: string; kind: string }[]>('runs.list', {})).find((r) => r.kind === 'kip')!
    const lossSeries = await app.api<{ steps: number[] }>('runs.metric', { runId: kipRun.id, name: 'loss', maxPoints: 100_000 })
    const lastStep = lossSeries.steps.at(-1)!
    expect(lastStep).toBeGreaterThan(later.step)
    await expect.poll(async () => (await gridState()).step, { timeout: 15_000 }).toBe(lastStep)
    report.stoppedAt = lastStep
    await screenshot(app.page, 'kip-stopped')

    await app.page.click('nav.sidebar [data-page=datasets]')
    const row = app.page.locator('[data-testid=dataset-row]').filter({ hasText: 'KIP 2/class NTK' })
    await row.waitFor({ timeout: 15_000 })
    await row.click()
    await expect.poll(async () => app.page.locator('[data-testid=fact-shape]').textContent(), { timeout: 15_000 }).toMatch(/20\s*×\s*28\s*×\s*28/)
    await screenshot(app.page, 'kip-dataset')

    // train a finite network on the distilled dataset (a train job on its x and learned-label y)
    const ds = (await app.api<{ id: string; name: string; rows: number }[]>('datasets.list', {})).find((d) => d.name.startsWith('KIP 2/class NTK'))!
    expect(ds.rows).toBe(20)
    const ref = (field: 'x' | 'y') => ({ type: 'dataset', datasetId: ds.id, field })
    const { runId } = await app.api<{ runId: string }>('jobs.submit', {
      spec: { kind: 'train', name: 'train on the KIP set', xTrain: ref('x'), yTrain: ref('y'), arch: { depth: 2, width: 64, activation: { name: 'relu' }, wStd: 1.4, bStd: 0.1 }, optimizer: 'adam', learningRate: 0.01, steps: 100 },
    })
    expect(await waitRun(runId, ['succeeded', 'failed', 'cancelled'])).toBe('succeeded')
    const trained = await app.api<{ metricNames: string[] }>('runs.get', { runId })
    expect(trained.metricNames).toContain('train_loss')
    expect(app.pageErrors).toEqual([])
  }, 400_000)

  it('a run that finishes fills the transfer chart: network on the KIP set vs on random real images', async () => {
    await app.page.click('nav.sidebar [data-page=distill]')
    await app.page.click('[data-testid=distill-tab][data-tab=kip]')
    await app.page.locator('[data-testid=kip-panel]').waitFor()
    await fillFields(app.page, { 'kip-steps': 30, 'kip-eval-every': 15, 'kip-transfer-width': 64, 'kip-transfer-steps': 150 })
    await app.page.click('[data-testid=kip-start]')
    await app.page.locator('[data-testid=kip-state] [data-state=succeeded]').waitFor({ timeout: 180_000 })
    await expect.poll(async () => ((await series('kip-transfer'))[0]?.data.length ?? 0), { timeout: 15_000 }).toBe(2)
    const bars = (await series('kip-transfer'))[0]!.data.map(Number)
    for (const b of bars) expect(b).toBeGreaterThan(0.1)
    report.transfer = bars
    report.krr = [await app.page.locator('[data-testid=kip-acc-first]').textContent(), await app.page.locator('[data-testid=kip-acc-last]').textContent()]
    expect((await checkChartLayouts(app.page, '[data-testid=kip-panel]', 'layout-kip', screenshot)).length).toBeGreaterThanOrEqual(4)
    await app.page.locator('[data-chart=kip-transfer]').scrollIntoViewIfNeeded()
    await screenshot(app.page, 'kip-transfer')
    expect(app.pageErrors).toEqual([])
  }, 300_000)
})
