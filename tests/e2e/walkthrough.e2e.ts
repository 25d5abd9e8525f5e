import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { screenshot, useServedApp } from './harness'

// Issue 21's walk-through at 1440×900 on the bundled example project, as a new user meets the forms: the layer
// rows of the Models train form stand on one line, no form row wraps a lone field (KD's loss parameters,
// KIP's sections), σ_w reads 1.414 rather than 1.41421356237, a trained model is named after its data, and the
// Runs table shows a run's date and time in full and the network of a training run.

// the page's DOM as the evaluated functions see it (the tests are type-checked without the DOM library)
interface Box {
  top: number
  bottom: number
  height: number
}
interface El {
  getBoundingClientRect(): Box
  querySelectorAll(s: string): El[]
  readonly children: ArrayLike<El>
  matches(s: string): boolean
  readonly textContent: string | null
  readonly scrollWidth: number
  readonly clientWidth: number
  getAttribute(n: string): string | null
}

const app = useServedApp({ name: 'walkthrough', consoleErrors: false })

async function go(name: string): Promise<void> {
  await app.page.click(`[data-page=${name}]`)
  await app.page.locator(`[data-testid=page-${name}]`).waitFor()
}

/** Rows of labelled fields (`.fields`) under `scope` whose fields do not all stand on one line: "row 3: Epochs@412, Seed@470". */
async function wrappedRows(page: Page, scope: string): Promise<string[]> {
  return page.locator(scope).evaluate((root: El) =>
    Array.from(root.querySelectorAll('.fields')).flatMap((row, i) => {
      const fields = Array.from(row.children).filter((c) => c.matches('.field'))
      const tops = fields.map((f) => Math.round(f.getBoundingClientRect().top))
      // one line: every field starts above the bottom of every other (a checkbox field sits lower on the line)
      const oneLine = fields.every((f) => tops.every((t) => t < f.getBoundingClientRect().bottom))
      return !oneLine ? [`row ${i}: ${fields.map((f, j) => `${f.querySelectorAll('span')[0]?.textContent ?? '?'}@${tops[j]}`).join(', ')}`] : []
    }),
  )
}

/** Fields that start on one line but whose controls do not (a taller label, e.g. σ<sub>w</sub>): "row 0: σw 531 vs 529". */
async function unevenControls(page: Page, scope: string): Promise<string[]> {
  return page.locator(scope).evaluate((root: El) =>
    Array.from(root.querySelectorAll('.fields')).flatMap((row, i) => {
      const fields = Array.from(row.children).filter((c) => c.matches('.field:not(.check)'))
      const at = fields.map((f) => ({ label: f.querySelectorAll('span')[0]?.textContent ?? '?', top: Math.round(f.getBoundingClientRect().top), control: f.querySelectorAll('input, select')[1] ?? f.querySelectorAll('input, select')[0] }))
      const out: string[] = []
      for (const a of at)
        for (const b of at) {
          if (a.top !== b.top || !a.control || !b.control) continue
          const d = a.control.getBoundingClientRect().top - b.control.getBoundingClientRect().top
          if (d > 1) out.push(`row ${i}: ${a.label} ${Math.round(a.control.getBoundingClientRect().top)} vs ${b.label} ${Math.round(b.control.getBoundingClientRect().top)}`)
        }
      return out
    }),
  )
}

describe('issue 21 walk-through: the forms read cleanly at 1440×900', () => {
  it('Models: every part of a layer row sits on the row’s control line', async () => {
    await app.page.goto(app.served.url)
    await app.page.locator('[data-testid=app-shell]').waitFor()
    await go('models')
    await app.page.locator('[data-testid=train-arch-layer-0]').waitFor()
    const off = await app.page.locator('[data-testid=train-arch-layers] > li').evaluateAll((rows: El[]) =>
      rows.flatMap((row, i) => {
        const centre = (e: El | undefined): number => (e ? (e.getBoundingClientRect().top + e.getBoundingClientRect().bottom) / 2 : NaN)
        const control = centre(row.querySelectorAll('input, select')[0])
        const parts = { index: row.querySelectorAll('.idx')[0], type: row.querySelectorAll('.type')[0], button: row.querySelectorAll('.buttons button')[0], activation: row.querySelectorAll('select')[0] }
        return Object.entries(parts)
          .filter(([, e]) => e !== undefined && Math.abs(centre(e) - control) > 2)
          .map(([name, e]) => `layer ${i} ${name}: centre ${centre(e).toFixed(1)} vs control ${control.toFixed(1)}`)
      }),
    )
    expect(off).toEqual([])
    expect(await wrappedRows(app.page, '[data-testid=train-panel]')).toEqual([])
    await screenshot(app.page, 'walkthrough-models')
  })

  it('KD: the loss and its parameters stay on one line for every loss', async () => {
    await go('distill')
    await app.page.click('[data-testid=distill-tab][data-tab=kd]')
    // the tab renders after the click returns: read its losses once it is there
    await app.page.locator('[data-testid=kd-loss]').waitFor()
    const losses = await app.page.locator('[data-testid=kd-loss] option').evaluateAll((o: El[]) => o.map((x) => x.getAttribute('value') ?? ''))
    expect(losses.length).toBeGreaterThan(3)
    for (const loss of losses) {
      await app.page.selectOption('[data-testid=kd-loss]', loss)
      expect({ loss, wrapped: await wrappedRows(app.page, '[data-testid=kd-tab]') }).toEqual({ loss, wrapped: [] })
    }
    await app.page.selectOption('[data-testid=kd-loss]', 'kd')
    await screenshot(app.page, 'walkthrough-kd')
  })

  it('KIP: sections of whole rows, and σ_w = √2 reads 1.414', async () => {
    await app.page.click('[data-testid=distill-tab][data-tab=kip]')
    await app.page.locator('[data-testid=kip-panel]').waitFor()
    if (!(await app.page.isChecked('[data-testid=kip-transfer]'))) await app.page.check('[data-testid=kip-transfer]')
    expect(await wrappedRows(app.page, '[data-testid=kip-panel]')).toEqual([])
    expect(await unevenControls(app.page, '[data-testid=kip-panel]')).toEqual([])
    expect(await app.page.inputValue('[data-testid=kip-wstd]')).toBe('1.414')
    await screenshot(app.page, 'walkthrough-kip')
  })

  it('NTK Lab: the controls of a builder row start at one height (σ_w’s subscript does not push its field down)', async () => {
    await go('ntk-lab')
    await app.page.locator('[data-testid=experiment-builder]').waitFor()
    expect(await unevenControls(app.page, '[data-testid=experiment-builder]')).toEqual([])
  })

  it('Runs: a trained model names its data; the table shows when in full and the network it trained', async () => {
    await go('models')
    const iris = await app.page.locator('[data-testid=train-dataset] option', { hasText: 'iris' }).getAttribute('value')
    await app.page.selectOption('[data-testid=train-dataset]', iris!)
    await app.page.fill('[data-testid=train-epochs]', '2')
    await app.page.click('[data-testid=train-start]')
    await expect.poll(async () => (await app.api<{ kind: string; state: string }[]>('runs.list', {})).find((r) => r.kind === 'train')?.state, { timeout: 120_000 }).toBe('succeeded')
    const models = await app.api<{ name: string }[]>('models.list', {})
    expect(models.map((m) => m.name)).toEqual(['MLP 256-256 · iris'])

    await go('runs')
    const row = app.page.locator('[data-testid=run-row][data-kind=train]')
    await row.waitFor()
    // the run's spec is read after the list: the cell fills in once it arrives
    await expect.poll(() => row.locator('[data-testid=run-arch]').textContent()).toBe('MLP 256-256')
    // the When cell holds its date and time without an ellipsis
    const when = await row.locator('td').nth(6).evaluate((td: El) => ({ text: td.textContent ?? '', cut: td.querySelectorAll('div')[0]!.scrollWidth > td.querySelectorAll('div')[0]!.clientWidth }))
    expect(when.text).toMatch(/\d\d:\d\d:\d\d/)
    expect(when.cut).toBe(false)
    await screenshot(app.page, 'walkthrough-runs')
    expect(app.pageErrors).toEqual([])
  })
})
