import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { launchBrowser, ROOT } from './harness'

// A heatmap disposed while zrender still has a slice of its paint pending (renderer/src/charts/dispose.ts):
// in Chromium, with the app's own ECharts set-up, a chart big enough that its first paint overruns zrender's
// 15 ms slice. Plain dispose() shows the hazard (an error on the next animation frame); disposeChart leaves
// none. If an ECharts update stops marking heatmap cells incremental, the first test fails: then the
// work-around can go.

declare const window: { drawAndDispose(cells: number, guarded: boolean): Promise<void> }

let tmp: string
let context: BrowserContext
let page: Page
const errors: string[] = []

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ntkw-e2e-chart-dispose-'))
  const entry = `
    import { echarts, themeName } from ${JSON.stringify(path.join(ROOT, 'renderer/src/charts/echarts.ts'))}
    import { disposeChart } from ${JSON.stringify(path.join(ROOT, 'renderer/src/charts/dispose.ts'))}
    const frames = (k) => new Promise((r) => { const step = () => (k-- > 0 ? requestAnimationFrame(step) : r()); step() })
    window.drawAndDispose = async (cells, guarded) => {
      const host = document.createElement('div')
      host.style.cssText = 'width: 900px; height: 700px'
      document.body.appendChild(host)
      const c = echarts.init(host, themeName(false), { renderer: 'canvas' })
      const data = []
      for (let i = 0; i < cells; i++) for (let j = 0; j < cells; j++) data.push([i, j, Math.sin(i * j)])
      const axis = (n) => ({ type: 'category', data: Array.from({ length: n }, (_, i) => i) })
      c.setOption({ animation: false, xAxis: axis(cells), yAxis: axis(cells), visualMap: { min: -1, max: 1, show: false }, series: [{ type: 'heatmap', data }] })
      if (guarded) disposeChart(c)
      else c.dispose()
      host.remove()
      await frames(5)
    }`
  const out = await build({ stdin: { contents: entry, resolveDir: ROOT, loader: 'js' }, bundle: true, write: false, format: 'iife', platform: 'browser', define: { 'process.env.NODE_ENV': '"production"' }, logLevel: 'silent' })
  ;({ context, page } = await launchBrowser(path.join(tmp, 'profile')))
  page.on('pageerror', (e) => errors.push(e.message))
  await page.setContent('<!doctype html><html><body></body></html>')
  await page.addScriptTag({ content: out.outputFiles[0]!.text })
}, 120_000)

afterAll(async () => {
  await context?.close()
  rmSync(tmp, { recursive: true, force: true })
})

describe('disposing a chart mid-paint', () => {
  it('plain dispose() of a heatmap whose paint overruns one slice errors on the next frame', async () => {
    errors.length = 0
    await page.evaluate(() => window.drawAndDispose(300, false))
    expect(errors.some((e) => /layerStack/.test(e))).toBe(true)
  })

  it('disposeChart drops the pending slice: no error', async () => {
    errors.length = 0
    for (let i = 0; i < 3; i++) await page.evaluate(() => window.drawAndDispose(300, true))
    expect(errors).toEqual([])
  })
})
