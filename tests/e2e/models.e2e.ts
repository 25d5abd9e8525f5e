import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT, screenshot, useServedApp } from './harness'
import { checkChartLayouts } from './page-helpers'

// Models in Chromium against `ntkw serve`: train an MLP on MNIST from the Models page and watch its curves
// grow epoch by epoch, open the model (confusion matrix and weight histograms read from the charts' data),
// export it as a browser download, import the download back, and show both side by side.

const EPOCHS = 4
const TEST_ROWS = 200 // 200 digits per class, split 0.8 / 0.1 / 0.1

type ChartOpt = { series: { data: unknown[] }[] }
async function chart(sel: string): Promise<ChartOpt> {
  return (await app.page.locator(sel).evaluate((el) => (el as unknown as { ntkwChart: { getOption(): unknown } }).ntkwChart.getOption())) as ChartOpt
}
function importMnist(tmp: string): void {
  mkdirSync(path.join(tmp, 'dl'))
  const project = path.join(tmp, 'models.ntkw')
  execFileSync(process.execPath, [path.join(ROOT, 'bin/ntkw.js'), 'data', 'import', 'example:mnist', '--project', project, '--subset', '200', '--split', '0.8,0.1'], { stdio: 'pipe' })
  // a second dataset, so the page's choice between them can be lost (issue 21: it reset to mnist)
  execFileSync(process.execPath, [path.join(ROOT, 'bin/ntkw.js'), 'data', 'import', 'example:iris', '--project', project], { stdio: 'pipe' })
}
const app = useServedApp({ name: 'models', project: 'models.ntkw', prepare: importMnist })

describe('models in Chromium via ntkw serve', () => {
  it('train an MLP with live curves, inspect, export, import back, compare', async () => {
    await app.page.goto(app.served.url)
    await app.page.locator('[data-testid=app-shell]').waitFor()
    await app.page.click('[data-page=models]')
    await app.page.locator('[data-testid=page-models]').waitFor()
    await app.page.locator('[data-testid=models-empty]').waitFor()
    await app.page.locator('[data-testid=train-dataset] option', { hasText: 'mnist' }).waitFor({ state: 'attached' })
    // the chosen dataset survives two other pages and a reload
    const datasetShown = async () => (await app.page.locator('[data-testid=train-dataset] option:checked').textContent()) ?? ''
    await app.page.locator('[data-testid=train-dataset] option', { hasText: 'iris' }).waitFor({ state: 'attached' })
    await app.page.selectOption('[data-testid=train-dataset]', { label: (await app.page.locator('[data-testid=train-dataset] option', { hasText: 'iris' }).textContent())! })
    await app.page.click('[data-page=datasets]')
    await app.page.click('[data-page=quantize]')
    await app.page.click('[data-page=models]')
    await app.page.locator('[data-testid=train-dataset] option', { hasText: 'iris' }).waitFor({ state: 'attached' })
    expect(await datasetShown()).toMatch(/^iris/)
    await app.page.reload()
    await app.page.click('[data-page=models]')
    await app.page.locator('[data-testid=train-dataset] option', { hasText: 'iris' }).waitFor({ state: 'attached' })
    expect(await datasetShown()).toMatch(/^iris/)
    await app.page.selectOption('[data-testid=train-dataset]', { label: (await app.page.locator('[data-testid=train-dataset] option', { hasText: 'mnist' }).textContent())! })

    // the architecture editor: a CNN preset fills the layer list; the FC preset, cut to one 64-unit layer, is trained
    await app.page.selectOption('[data-testid=train-arch-preset]', 'cnn-gp-flatten')
    await expect.poll(async () => app.page.locator('[data-testid=train-arch-layers] > li[data-type=conv2d]').count()).toBe(3)
    await app.page.selectOption('[data-testid=train-arch-preset]', 'fc')
    await app.page.click('[data-testid=train-arch-layer-1-remove]')
    await app.page.fill('[data-testid=train-arch-layer-0-units]', '64')
    await expect.poll(async () => app.page.locator('[data-testid=train-arch-layers] > li').count()).toBe(1)
    await app.page.fill('[data-testid=train-epochs]', String(EPOCHS))
    await app.page.fill('[data-testid=train-batch]', '32')
    await app.page.fill('[data-testid=train-name]', 'mnist mlp')
    await app.page.click('[data-testid=train-start]')

    // the loss curve gains a point per epoch while the run is going
    const seen = new Set<number>()
    const lossChart = '[data-testid=train-panel] [data-chart=train-loss]'
    await app.page.locator(lossChart).waitFor()
    const deadline = Date.now() + 240_000
    for (;;) {
      const o = await chart(lossChart)
      seen.add(o.series[0]!.data.length)
      if (await app.page.locator('[data-testid=train-live] .state[data-state=succeeded]').count()) break
      if (await app.page.locator('[data-testid=train-live] .state[data-state=failed]').count()) throw new Error('training failed')
      if (Date.now() > deadline) throw new Error(`training did not finish; curve lengths seen: ${[...seen].join(',')}`)
      await app.page.waitForTimeout(150)
    }
    await app.page.waitForFunction(
      ([sel, n]) => {
        const el = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector(sel as string) as { ntkwChart?: { getOption(): ChartOpt } } | null
        return el?.ntkwChart?.getOption().series[0]!.data.length === n
      },
      [lossChart, EPOCHS] as const,
    )
    const grew = [...seen].filter((n) => n > 0 && n < EPOCHS)
    expect(grew.length, `intermediate curve lengths seen: ${[...seen].join(',')}`).toBeGreaterThan(0)
    const loss = (await chart(lossChart)).series[0]!.data as [number, number][]
    expect(loss.map((p) => p[0])).toEqual([1, 2, 3, 4])
    expect(loss[EPOCHS - 1]![1]).toBeLessThan(loss[0]![1])
    await screenshot(app.page, 'models-trained')

    // the trained model: listed, opened, with a confusion matrix over the test split and weight histograms
    const row = app.page.locator('[data-testid=model-row][data-name="mnist mlp"]')
    await row.waitFor()
    expect(await row.locator('[data-col=params]').textContent()).toBe((784 * 64 + 64 + 64 * 10 + 10).toLocaleString('en-US'))
    const detail = app.page.locator('[data-testid=model-detail]')
    await detail.locator('[data-chart=confusion]').waitFor()
    const conf = (await chart('[data-testid=model-detail] [data-chart=confusion]')).series[0]!.data as [number, number, number][]
    const total = conf.reduce((a, c) => a + c[2], 0)
    const diag = conf.filter((c) => c[0] === c[1]).reduce((a, c) => a + c[2], 0)
    expect(total).toBe(TEST_ROWS)
    expect(diag / total).toBeGreaterThan(0.7) // 1 600 digits, 4 epochs: ~85–90 % (chance 10 %)
    const acc = Number(((await detail.locator('[data-testid=model-eval]').textContent()) ?? '').match(/accuracy ([\d.]+) %/)![1]) / 100
    expect(acc).toBeCloseTo(diag / total, 4)
    const k = await chart('[data-testid=weight-histogram][data-weight="dense_1/kernel"] [data-chart]')
    expect((k.series[0]!.data as number[]).reduce((a, b) => a + b, 0)).toBe(784 * 64)
    expect(await app.page.locator('[data-testid=layer-row]').count()).toBe(4) // input, dense, relu activation, dense readout
    await detail.locator('[data-chart=reliability]').waitFor()
    expect((await checkChartLayouts(app.page, '[data-testid=model-detail]', 'layout-models-detail', screenshot)).length).toBeGreaterThanOrEqual(3)
    await detail.locator('[data-chart=reliability]').scrollIntoViewIfNeeded()
    await screenshot(app.page, 'models-detail')

    // export: the browser downloads model.json and weights.bin
    const downloads: string[] = []
    app.page.on('download', (d) => {
      const to = path.join(app.tmp, 'dl', d.suggestedFilename())
      void d.saveAs(to).then(() => downloads.push(to))
    })
    await app.page.click('[data-testid=model-export]')
    await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(2)
    const mj = JSON.parse(readFileSync(path.join(app.tmp, 'dl', 'model.json'), 'utf8')) as { format: string; weightsManifest: { paths: string[] }[] }
    expect(mj.format).toBe('layers-model')
    expect(mj.weightsManifest[0]!.paths).toEqual(['./weights.bin'])
    expect(readFileSync(path.join(app.tmp, 'dl', 'weights.bin')).byteLength).toBe((784 * 64 + 64 + 64 * 10 + 10) * 4)

    // import the download back: it shows up as a second model with the same parameters
    await app.page.fill('[data-testid=model-import-path]', path.join(app.tmp, 'dl'))
    await app.page.click('[data-testid=model-import]')
    await expect.poll(() => app.page.locator('[data-testid=model-row]').count(), { timeout: 60_000 }).toBe(2)
    const imported = app.page.locator('[data-testid=model-row][data-name="mnist mlp (imported)"]')
    expect(await imported.locator('[data-col=params]').textContent()).toBe((784 * 64 + 64 + 64 * 10 + 10).toLocaleString('en-US'))

    // side by side
    await app.page.locator('[data-testid=model-row][data-name="mnist mlp"]').click()
    await imported.locator('[data-testid=compare-model]').click()
    await expect.poll(() => app.page.locator('[data-testid=model-detail]').count()).toBe(2)
    await screenshot(app.page, 'models-compare')

    // ONNX: export the model as one model.onnx download, import that file back (what a drop of a .onnx does)
    await app.page.locator('[data-testid=model-row][data-name="mnist mlp"]').click()
    await app.page.locator('[data-testid=model-detail]').first().locator('[data-testid=model-export-format]').selectOption('onnx')
    await app.page.locator('[data-testid=model-detail]').first().locator('[data-testid=model-export]').click()
    await expect.poll(() => downloads.filter((d) => d.endsWith('model.onnx')).length, { timeout: 30_000 }).toBe(1)
    const onnxFile = path.join(app.tmp, 'dl', 'model.onnx')
    expect(readFileSync(onnxFile).byteLength).toBeGreaterThan((784 * 64 + 64 + 64 * 10 + 10) * 4)
    await app.page.fill('[data-testid=model-import-path]', onnxFile)
    await app.page.click('[data-testid=model-import]')
    await expect.poll(() => app.page.locator('[data-testid=model-row]').count(), { timeout: 60_000 }).toBe(3)
    const fromOnnx = app.page.locator('[data-testid=model-row][data-name="model"]')
    expect(await fromOnnx.locator('[data-col=params]').textContent()).toBe((784 * 64 + 64 + 64 * 10 + 10).toLocaleString('en-US'))
    expect(app.pageErrors).toEqual([])
  })
})
