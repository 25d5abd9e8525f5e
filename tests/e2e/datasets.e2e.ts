import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { screenshot, useServedApp } from './harness'
import { dragFiles } from './page-helpers'

// Datasets in Chromium against `ntkw serve`: import an NPY file (typed path) and a labelled CSV (dropped on
// the window: a real drop event carrying the file's bytes, uploaded in chunks and imported), see shape, values and
// class counts, apply a split and see its counts, and find everything again after a reload and a reopen.


const N = 30
const BIG = 1_000_000
const D = 4
/** the NPY's known pattern: x[i][j] = i + (j + 1) / 8 (exact in float32) */
const npyValue = (i: number, j: number) => i + (j + 1) / 8

/** NPY v1.0 bytes written by hand: magic, version, header length, dict header padded to 64 bytes, data. */
function npyBytes(n = N, d = D, value = npyValue): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${n}, ${d}), }`
  const total = 10 + header.length + 1
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n'
  const pre = Buffer.alloc(10)
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(pre)
  pre.writeUInt16LE(header.length, 8)
  const data = Buffer.alloc(n * d * 4)
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data.writeFloatLE(value(i, j), (i * d + j) * 4)
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), data])
}

/** 25 rows, 3 classes (10 cat, 10 dog, 5 fish), two numeric features and a `label` column. */
const CLASS_COUNTS: Record<string, number> = { cat: 10, dog: 10, fish: 5 }
function csvText(): string {
  const lines = ['width,height,label']
  let i = 0
  for (const [name, n] of Object.entries(CLASS_COUNTS)) for (let k = 0; k < n; k++, i++) lines.push(`${(i * 0.5).toFixed(1)},${100 - i},${name}`)
  return lines.join('\n') + '\n'
}
function writeDataFiles(tmp: string): void {
  mkdirSync(path.join(tmp, 'projects'))
  mkdirSync(path.join(tmp, 'data'))
  writeFileSync(path.join(tmp, 'data', 'pattern.npy'), npyBytes())
  writeFileSync(path.join(tmp, 'data', 'pets.csv'), csvText())
  // a million rows: x[i] = [i, -i, i / 4] (exact in float32 below 2^24)
  writeFileSync(path.join(tmp, 'data', 'million.npy'), npyBytes(BIG, 3, (i, j) => (j === 0 ? i : j === 1 ? -i : i / 4)))
}
const app = useServedApp({ name: 'datasets', project: 'start.ntkw', prepare: writeDataFiles })

const row = (name: string) => `[data-testid=dataset-row][data-name="${name}"]`

async function selectDataset(name: string): Promise<void> {
  await app.page.click(row(name))
  await app.page.locator('[data-testid=detail-name]').filter({ hasText: new RegExp(`^${name}$`) }).waitFor()
}

/** Screenshots show the page from its top, as a user lands on it. */
async function shot(name: string): Promise<void> {
  await app.page.locator('[data-testid=page-datasets]').evaluate((el) => ((el as unknown as { scrollTop: number }).scrollTop = 0))
  await screenshot(app.page, name)
}

async function splitCounts(): Promise<Record<string, number>> {
  const parts = await app.page.locator('[data-testid=split-counts] b').evaluateAll((els) => els.map((e) => [e.getAttribute('data-part'), (e.textContent ?? '').replace(/,/g, '')]))
  return Object.fromEntries(parts.map(([k, v]) => [k, Number(v)]))
}

/** classes → counts as the histogram chart holds them (read from the ECharts instance, not from pixels) */
async function histogram(): Promise<Record<string, number>> {
  const o = (await app.page.locator('[data-testid=dataset-detail] [data-chart^=classes-]').evaluate((el) => {
    const opt = (el as unknown as { ntkwChart: { getOption(): { xAxis: { data: string[] }[]; series: { data: number[] }[] } } }).ntkwChart.getOption()
    return { x: opt.xAxis[0]!.data, y: opt.series[0]!.data }
  })) as { x: string[]; y: number[] }
  return Object.fromEntries(o.x.map((name, i) => [name, o.y[i]!]))
}

async function checkNpy(): Promise<void> {
  await selectDataset('pattern')
  expect(await app.page.textContent('[data-testid=fact-shape]')).toBe('30 × 4')
  expect(await app.page.textContent(`${row('pattern')} [data-col=rows]`)).toBe('30')
  // the preview's rows arrive after the selection: wait for them rather than read an empty table
  const dataRows = app.page.locator('[data-testid=rows-table] [data-testid=data-row]')
  await expect.poll(() => dataRows.count(), { timeout: 15_000 }).toBe(N)
  const cells = await dataRows.evaluateAll((trs) =>
    trs.map((tr) => Array.from((tr as unknown as { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> }).querySelectorAll('td'), (td) => td.textContent ?? '')),
  )
  expect(cells).toHaveLength(N)
  for (let i = 0; i < N; i++) {
    // # column, then the 4 values (unlabelled: no label column)
    expect(cells[i]!.slice(1).map(Number)).toEqual([0, 1, 2, 3].map((j) => npyValue(i, j)))
  }
}

async function checkCsv(expectSplit: Record<string, number> | null): Promise<void> {
  await selectDataset('pets')
  expect(await app.page.textContent('[data-testid=fact-shape]')).toBe('25 × 2')
  expect(await app.page.textContent('[data-testid=fact-task]')).toBe('3 classes')
  expect(await histogram()).toEqual(CLASS_COUNTS)
  const stats = app.page.locator('[data-testid=column-stats] tr[data-column=height] td')
  // height = 100 - i for i = 0..24: min 76, max 100, mean 88
  expect(await stats.evaluateAll((tds) => tds.map((t) => t.textContent))).toEqual(['height', 'numeric', '76', '100', '88', expect.any(String), '0'])
  if (expectSplit) expect(await splitCounts()).toEqual(expectSplit)
}

describe('datasets in Chromium via ntkw serve', () => {
  it('import NPY and CSV, preview, split, reload, reopen', async () => {
    await app.page.goto(app.served.url)
    await app.page.locator('[data-testid=app-shell]').waitFor()
    await app.page.locator('.statusbar .conn.open').waitFor()

    // --- a fresh project, saved under a real path
    // New asks for a name and a place (and offers the example datasets, declined here)
    await app.page.click('[data-testid=action-new]')
    await app.page.fill('[data-testid=path-input]', path.join(app.tmp, 'projects', 'first-draft.ntkw'))
    await app.page.uncheck('[data-testid=new-examples]')
    await app.page.click('[data-testid=path-submit]')
    await app.page.locator('[data-testid=project-name]').filter({ hasText: 'first-draft' }).waitFor()
    const projectFile = path.join(app.tmp, 'projects', 'data.ntkw')
    await app.page.click('[data-testid=action-save-as]')
    await app.page.fill('[data-testid=path-input]', projectFile)
    await app.page.click('[data-testid=path-submit]')
    await app.page.locator('[data-testid=project-name]').filter({ hasText: 'data' }).waitFor()

    await app.page.click('[data-page=datasets]')
    await app.page.locator('[data-testid=datasets-empty]').filter({ hasText: 'No datasets yet' }).waitFor()
    await shot('datasets-empty-light')

    // --- a path that does not exist: an error toast that says what and how to fix it
    await app.page.fill('[data-testid=import-path]', path.join(app.tmp, 'data', 'missing.csv'))
    await app.page.click('[data-testid=import-submit]')
    const toast = app.page.locator('[data-testid=toast].error').filter({ hasText: 'missing.csv' })
    await toast.waitFor({ timeout: 30_000 })
    expect(await toast.locator('.hint').count()).toBe(1)
    expect((await toast.locator('.hint').textContent())!.length).toBeGreaterThan(5)
    // the wrong path stays in the field to be corrected
    expect(await app.page.inputValue('[data-testid=import-path]')).toBe(path.join(app.tmp, 'data', 'missing.csv'))
    await app.page.waitForTimeout(250) // let the toast fade in
    await screenshot(app.page, 'datasets-error-toast-light')
    await toast.locator('.close').click()

    // --- NPY by typed path
    await app.page.fill('[data-testid=import-path]', path.join(app.tmp, 'data', 'pattern.npy'))
    await app.page.click('[data-testid=import-submit]')
    await app.page.locator(row('pattern')).waitFor({ timeout: 60_000 })
    // a successful import clears the field
    await expect.poll(() => app.page.inputValue('[data-testid=import-path]')).toBe('')
    await checkNpy()

    // --- CSV by drag and drop: the overlay appears; the drop carries the file's bytes, which the page streams
    // to the server and imports exactly as a typed path would
    const petsCsv = csvText()
    await dragFiles(app.page, [{ name: 'pets.csv', text: 'width,height,label\n' }], 'over')
    const overlay = app.page.locator('[data-testid=drop-overlay]')
    await overlay.waitFor()
    expect(await overlay.getAttribute('data-mode')).toBe('upload')
    await app.page.waitForTimeout(250) // let the fade-in finish
    await screenshot(app.page, 'datasets-drop-overlay-light')
    const dropPrevented = await dragFiles(app.page, [{ name: 'pets.csv', text: petsCsv }], 'drop')
    expect(dropPrevented).toBe(true) // the browser must not navigate away to the dropped file
    await overlay.waitFor({ state: 'detached' })
    await app.page.locator(row('pets')).waitFor({ timeout: 60_000 })
    // the new dataset is selected once its import succeeds
    await app.page.locator('[data-testid=detail-name]').filter({ hasText: /^pets$/ }).waitFor()
    // imported with the default recipe: a stratified 70 / 15 / 15 split of classes of 10, 10 and 5 rows
    await checkCsv({ all: 25, train: 18, validation: 5, test: 2 })

    // --- a split: 60 % train, 20 % validation, stratified; invalid fractions are refused inline first
    await app.page.check('[data-testid=recipe-split]')
    await app.page.fill('[data-testid=recipe-train]', '90')
    await app.page.fill('[data-testid=recipe-validation]', '20')
    await app.page.locator('[data-testid=recipe-error]').filter({ hasText: 'at most 100' }).waitFor()
    expect(await app.page.locator('[data-testid=recipe-apply]').isDisabled()).toBe(true)
    await app.page.fill('[data-testid=recipe-train]', '60')
    await app.page.fill('[data-testid=recipe-split-seed]', '7')
    expect(await app.page.textContent('[data-testid=recipe-test]')).toBe('20')
    await app.page.click('[data-testid=recipe-apply]')
    // stratified: per class 60/20/20 % of 10, 10, 5 rows = 6+6+3 train, 2+2+1 validation, the rest test
    const expectSplit = { all: 25, train: 15, validation: 5, test: 5 }
    await app.page.locator('[data-testid=split-counts] b[data-part=train]').filter({ hasText: /^15$/ }).waitFor()
    expect(await splitCounts()).toEqual(expectSplit)
    expect(await app.page.locator('[data-testid=recipe-apply]').isDisabled()).toBe(true)
    await shot('datasets-csv-light')
    await app.page.locator('[data-testid=recipe-editor]').scrollIntoViewIfNeeded()
    await screenshot(app.page, 'datasets-recipe-light')

    // --- an image dataset: the bundled MNIST digits as a thumbnail grid
    await app.page.click('[data-testid=import-example][data-example=mnist]')
    await app.page.locator('[data-testid=import-job]').first().waitFor()
    await app.page.locator(row('mnist')).waitFor({ timeout: 120_000 })
    await app.page.locator('[data-testid=detail-name]').filter({ hasText: /^mnist$/ }).waitFor()
    await app.page.locator('[data-testid=image-thumb]').first().waitFor()
    expect(await app.page.locator('[data-testid=image-thumb]').count()).toBe(48)
    // thumbnails are drawn: the first canvas has both dark and bright pixels
    const spread = await app.page.locator('[data-testid=image-thumb] canvas').first().evaluate((c) => {
      const ctx = (c as unknown as { getContext(k: string): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } }).getContext('2d')
      const d = ctx.getImageData(0, 0, 28, 28).data
      let lo = 255
      let hi = 0
      for (let i = 0; i < d.length; i += 4) {
        lo = Math.min(lo, d[i]!)
        hi = Math.max(hi, d[i]!)
      }
      return hi - lo
    })
    expect(spread).toBeGreaterThan(200)
    await app.page.click('[data-testid=page-next]')
    await app.page.locator('[data-testid=row-range]').filter({ hasText: 'Images 49–96' }).waitFor()
    await shot('datasets-mnist-light')

    // --- a million rows: paging jumps straight to the end
    await app.page.fill('[data-testid=import-path]', path.join(app.tmp, 'data', 'million.npy'))
    await app.page.click('[data-testid=import-submit]')
    await app.page.locator(row('million')).waitFor({ timeout: 120_000 })
    await app.page.locator('[data-testid=detail-name]').filter({ hasText: /^million$/ }).waitFor()
    expect(await app.page.textContent('[data-testid=fact-shape]')).toBe('1,000,000 × 3')
    const t0 = Date.now()
    await app.page.fill('[data-testid=row-jump]', '999999')
    await app.page.press('[data-testid=row-jump]', 'Enter')
    await app.page.locator('[data-testid=row-range]').filter({ hasText: 'Rows 999,901–1,000,000 of 1,000,000' }).waitFor()
    const lastPageMs = Date.now() - t0
    const lastRow = await app.page.locator('[data-testid=data-row]').last().locator('td').allTextContents()
    expect(lastRow).toEqual(['1,000,000', '999999', '-999999', '249999.75'])
    console.log(`1M-row dataset: last page (100 rows) shown ${lastPageMs} ms after Enter`)

    // --- reload: the datasets and the stored recipe are still there
    await app.page.reload()
    await app.page.locator('[data-testid=page-datasets]').waitFor()
    await app.page.locator(row('pets')).waitFor()
    await checkNpy()
    await checkCsv(expectSplit)

    // --- close the project and reopen it: the same
    await app.page.click('[data-page=project]')
    await app.page.click('[data-testid=action-close]')
    await app.page.locator('[data-testid=no-project]').waitFor()
    await app.page.click('[data-page=datasets]')
    await app.page.locator('[data-testid=datasets-no-project]').waitFor()
    await app.page.keyboard.press('Control+o')
    await app.page.fill('[data-testid=path-input]', projectFile)
    await app.page.click('[data-testid=path-submit]')
    await app.page.locator(row('pets')).waitFor()
    expect(await app.page.locator('[data-testid=dataset-row]').count()).toBe(4)
    await checkNpy()
    await checkCsv(expectSplit)

    // --- dark theme
    for (let i = 0; i < 3 && !(await app.page.locator('html.dark').count()); i++) {
      await app.page.click('[data-page=project]')
      await app.page.click('[data-testid=theme-toggle]')
    }
    await app.page.click('[data-page=datasets]')
    await selectDataset('pets')
    await app.page.waitForTimeout(300)
    await shot('datasets-csv-dark')

    // --- delete takes two clicks
    await selectDataset('pattern')
    await app.page.click('[data-testid=dataset-delete]')
    expect(await app.page.getAttribute('[data-testid=dataset-delete]', 'data-armed')).toBe('true')
    expect(await app.page.locator(row('pattern')).count()).toBe(1)
    await app.page.click('[data-testid=dataset-delete]')
    await app.page.locator(row('pattern')).waitFor({ state: 'detached' })
    expect(await app.page.locator('[data-testid=dataset-row]').count()).toBe(3)

    expect(app.pageErrors).toEqual([])
  })
})
