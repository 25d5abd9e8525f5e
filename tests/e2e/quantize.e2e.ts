import * as tf from '@tensorflow/tfjs-core'
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { encodeNpy } from '../../electron/engine/io/npy'
import { buildModel, mlpArch } from '../../electron/engine/models/build'
import { writeModelFolder } from '../../electron/engine/models/format'
import { modelToFiles } from '../../electron/engine/models/io'
import { initBackend } from '../../electron/engine/runtime/backend'
import { readModelFiles } from '../../electron/engine/quantize/read-model'
import { screenshot, useServedApp } from './harness'
import { checkChartLayouts } from './page-helpers'
import { formatBytes } from '../../renderer/src/format'

// The Quantize page in Chromium against `ntkw serve`: sweep bits × granularity × calibration on a seeded MLP
// (labelled by its own argmax, so the float model is exactly right), read the accuracy-vs-bits and Pareto
// chart data from ECharts, export int8 to a folder and load that export in the page with stock @tensorflow/tfjs.

let modelJson = ''
/** A seeded MLP's folder and NPY data it labels by its own argmax. */
async function writeModelAndData(tmp: string): Promise<void> {
  mkdirSync(path.join(tmp, 'data'))
  await initBackend()
  const model = buildModel(mlpArch([48, 48], 'relu'), { inputShape: [20], outputs: 5, seed: 21 })
  modelJson = writeModelFolder(path.join(tmp, 'mlp'), await modelToFiles(model))
  const n = 400
  const x = new Float32Array(n * 20).map((_, i) => Math.sin(i * 0.731) * 1.3 + Math.cos(i * 0.117))
  const y = tf.tidy(() => tf.argMax(model.apply(tf.tensor2d(x, [n, 20])) as tf.Tensor, 1).dataSync())
  writeFileSync(path.join(tmp, 'data', 'x.npy'), encodeNpy(x, [n, 20]))
  writeFileSync(path.join(tmp, 'data', 'y.npy'), encodeNpy(Float32Array.from(y), [n]))
  model.dispose()
}
const app = useServedApp({ name: 'quantize', project: 'q.ntkw', consoleErrors: false, prepare: writeModelAndData })

interface Opt {
  series: { name: string; type: string; data: unknown[] }[]
}
async function chart(name: string): Promise<Opt> {
  return (await app.page.locator(`[data-chart=${name}]`).evaluate((el) => (el as unknown as { ntkwChart: { getOption(): unknown } }).ntkwChart.getOption())) as Opt
}

describe('Quantize page', () => {
  it('sweeps bits, draws accuracy vs bits and the Pareto front, exports int8 and loads it with stock TF.js in the page', async () => {
    await app.page.goto(app.served.url)
    await app.page.click('[data-page=quantize]')
    await app.page.locator('[data-testid=page-quantize]').waitFor()
    // the model is one of the project's (imported here), picked from the list rather than typed as a path
    await app.api('models.import', { path: modelJson, name: 'seeded mlp' })
    await expect.poll(async () => (await app.api<{ name: string }[]>('models.list', {})).map((m) => m.name), { timeout: 60_000 }).toEqual(['seeded mlp'])
    await app.page.click('[data-page=models]')
    await app.page.click('[data-page=quantize]')
    await app.page.locator('[data-testid=page-quantize]').waitFor()
    expect(await app.page.inputValue('[data-testid=q-model-from]')).toBe('project')
    await app.page.locator('[data-testid=q-model-id] option', { hasText: 'seeded mlp' }).waitFor({ state: 'attached' })
    expect(await app.page.locator('[data-testid=q-model-id] option:checked').textContent()).toMatch(/^seeded mlp \(/)
    await app.page.selectOption('[data-testid=q-source]', 'npy')
    await app.page.fill('[data-testid=q-xeval]', path.join(app.tmp, 'data', 'x.npy'))
    await app.page.fill('[data-testid=q-yeval]', path.join(app.tmp, 'data', 'y.npy'))
    await app.page.fill('[data-testid=q-xcalib]', path.join(app.tmp, 'data', 'x.npy'))
    // bits 2, 3, 4, 8 are on by default; add 6
    await app.page.click('[data-testid=q-bits][data-bits="6"]')
    await app.page.click('[data-testid=q-run]')
    await app.page.locator('[data-testid=quantize-results]').waitFor({ timeout: 240_000 })
    // the run is named after the model it quantizes, not a folder
    expect((await app.api<{ kind: string; name: string }[]>('runs.list', {})).filter((r) => r.kind === 'quantize').map((r) => r.name)).toEqual(['quantize seeded mlp'])
    expect(await app.page.textContent('[data-testid=q-float-acc]')).toBe('100.00 %')

    const acc = await chart('q-acc-bits')
    const lines = acc.series.filter((s) => s.name !== 'float')
    // tensor|channel × minmax|mse, named by what differs (every scheme is uniform)
    expect(lines.map((s) => s.name).sort()).toEqual(['channel minmax', 'channel mse', 'tensor minmax', 'tensor mse'])
    for (const s of lines) {
      const pts = s.data as [number, number][]
      expect(pts.map((p) => p[0])).toEqual([2, 3, 4, 6, 8])
      // 8 bits is at least as accurate as 2 bits, and close to the float model
      expect(pts.at(-1)![1]).toBeGreaterThanOrEqual(pts[0]![1])
      expect(pts.at(-1)![1]).toBeGreaterThan(95)
    }
    const pareto = await chart('q-pareto')
    expect((pareto.series[0]!.data as unknown[]).length).toBe(20)
    expect((pareto.series[1]!.data as unknown[]).length).toBeGreaterThan(0)
    const hist = await chart('q-hist')
    expect((hist.series[0]!.data as unknown[]).length).toBe(60)
    const sens = await chart('q-sensitivity')
    expect(sens.series.map((s) => s.name)).toEqual(['2 bits', '4 bits', '8 bits'])
    await screenshot(app.page, 'quantize-sweep')
    const laidOut = await checkChartLayouts(app.page, '[data-testid=quantize-results]', 'layout-quantize', screenshot)
    expect(laidOut.length).toBeGreaterThanOrEqual(5)

    const out = path.join(app.tmp, 'export-int8')
    await app.page.fill('[data-testid=q-export-dir]', out)
    await app.page.click('[data-testid=q-export-int8]')
    const stock = app.page.locator('[data-testid=q-stock]')
    await stock.waitFor({ timeout: 120_000 })
    const text = (await stock.textContent()) ?? ''
    expect(text).toMatch(/Loaded in this page by stock TF\.js/)
    expect(text).toMatch(/3 quantized weights/)
    // the range stock TF.js decoded in the page is the one the export holds on disk
    expect(existsSync(path.join(out, 'model.json'))).toBe(true)
    const disk = readModelFiles(path.join(out, 'model.json'))
    const k = disk.weights.find((w) => w.name === 'dense_1/kernel')!
    let lo = Infinity
    let hi = -Infinity
    for (const v of k.values) {
      lo = Math.min(lo, v)
      hi = Math.max(hi, v)
    }
    const m = /dense_1\/kernel decodes to \[([-0-9.e]+), ([-0-9.e]+)\]/.exec(text)!
    expect(Number(m[1])).toBeCloseTo(lo, 3)
    expect(Number(m[2])).toBeCloseTo(hi, 3)
    await stock.scrollIntoViewIfNeeded()
    await screenshot(app.page, 'quantize-export')
    // model.json's size is its own file's, shown beside the weights'
    const exportedText = (await app.page.textContent('[data-testid=q-exported]')) ?? ''
    expect(exportedText).toContain(`model.json ${formatBytes(statSync(path.join(out, 'model.json')).size)}`)

    // int4 packed after int8: the stock-loading claim goes, the packed format says how it loads
    await app.page.fill('[data-testid=q-export-dir]', path.join(app.tmp, 'export-int4'))
    await app.page.click('[data-testid=q-export-int4]')
    await app.page.locator('[data-testid=q-packed]').waitFor({ timeout: 120_000 })
    expect(await stock.count()).toBe(0)
    expect(await app.page.textContent('[data-testid=q-exported]')).toContain('weights.ntkwq')
    const names = (await app.api<{ kind: string; name: string }[]>('runs.list', {})).filter((r) => r.kind === 'quantize').map((r) => r.name)
    expect(new Set(names).size).toBe(3)
    expect(names.filter((n) => /int8/.test(n) && /stock/.test(n))).toHaveLength(1)
    expect(names.filter((n) => /int4/.test(n) && /packed/.test(n))).toHaveLength(1)
    expect(app.pageErrors).toEqual([])
  })
})
