import { describe, expect, it } from 'vitest'
import { screenshot, useServedApp } from './harness'
import { labPage } from './page-helpers'

// The NTK Lab's layered (conv) mode in Chromium through `ntkw serve`, on the example project's MNIST: an FC
// kernel experiment, then the same experiment with the CNN-GP preset (shapes per layer, the estimate before
// Run, a layer the kernel cannot follow refused before any work), both side by side in the results, and the
// saved experiment read back in layered mode after a reload.

// page errors only: the console is not checked here
const app = useServedApp({ name: 'lab-conv', consoleErrors: false })

const pct = (text: string | null): number => Number(/([\d.]+) %/.exec(text ?? '')?.[1] ?? NaN) / 100

describe('NTK Lab: convolutional kernels beside the FC kernel', () => {
  it('runs FC and CNN-GP kernel experiments and shows them side by side', async () => {
    const lab = labPage(app.page)
    await app.page.goto(app.served.url)
    await app.page.click('nav.sidebar [data-page=ntk-lab]')
    await app.page.locator('[data-testid=page-ntk-lab]').waitFor()
    await expect.poll(async () => app.page.locator('[data-testid=f-dataset] option:checked').textContent(), { timeout: 15_000 }).toMatch(/mnist/)

    const fc = await lab.runExperiment('lab-kernel', { 'f-train': 200, 'f-test': 100, 'f-heatmap': 32 }, 'e2e FC kernel')
    await lab.waitDone(fc)

    // the same experiment with a convolutional network
    await app.page.click('[data-testid=exp-new]')
    await app.page.click('[data-testid=exp-kind][data-kind=lab-kernel]')
    await app.page.click('[data-testid=f-mode-layers]')
    await app.page.selectOption('[data-testid=f-preset]', 'cnn-gp-flatten')
    await lab.setField('f-train', 200)
    await lab.setField('f-test', 100)
    // MNIST rows of 784 values are read as 28×28 images; same padding keeps the size
    await expect.poll(() => app.page.locator('[data-testid=f-layer-0-shape]').textContent()).toContain('28×28')
    // 200·201/2 train pairs + 100·200 test × train pairs, stated before Run
    await expect.poll(() => app.page.locator('[data-testid=f-estimate]').textContent()).toMatch(/^Estimate: 40,100 pairs, .* on \d+ threads?, ≈ [\d.]+ MiB working memory$/)

    // a max-pooling layer has no infinite-width rule here: named beside the layer and refused at Run
    const runsBefore = await lab.shownRunId()
    await app.page.selectOption('[data-testid=f-add-type]', 'maxpool2d')
    await app.page.click('[data-testid=f-add]')
    const bad = app.page.locator('[data-testid=f-layers] li[data-type=maxpool2d]')
    await expect.poll(() => bad.locator('.layer-error').textContent()).toMatch(/max/i)
    await app.page.click('[data-testid=exp-run]')
    await expect.poll(() => app.page.locator('[data-testid=f-net-error]').textContent()).toMatch(/^Layer 5 \(maxpool2d\): /)
    expect(await lab.shownRunId()).toBe(runsBefore)
    await bad.locator('[data-testid$=-remove]').click()
    await expect.poll(() => app.page.locator('[data-testid=f-net-error]').count()).toBe(0)

    await lab.setField('f-name', 'e2e CNN-GP kernel')
    await app.page.click('[data-testid=exp-run]')
    const cnn = await lab.nextRunId(runsBefore)
    await lab.waitDone(cnn, 180_000)
    await expect.poll(() => app.page.locator('[data-testid=lab-results] .desc').textContent()).toMatch(/CNN-GP \(flatten\) · channels ∞/)

    // side by side: both runs with their networks and accuracies, the shown run marked
    const table = app.page.locator('[data-testid=kernel-runs]')
    await table.waitFor({ timeout: 15_000 })
    const cnnRow = table.locator(`[data-testid=kernel-run-${cnn}]`)
    const fcRow = table.locator(`[data-testid=kernel-run-${fc}]`)
    await expect.poll(() => cnnRow.textContent()).toContain('CNN-GP (flatten)')
    await expect.poll(() => fcRow.textContent()).toMatch(/×relu · w ∞/)
    expect(await cnnRow.getAttribute('class')).toContain('shown')
    const accCnn = pct(await cnnRow.locator('[data-col=ntk-accuracy]').textContent())
    const accFc = pct(await fcRow.locator('[data-col=ntk-accuracy]').textContent())
    console.log(`lab kernels, MNIST 200/100: NTK accuracy CNN-GP ${accCnn}, FC ${accFc}`)
    expect(accCnn).toBeGreaterThan(0.6)
    expect(accFc).toBeGreaterThan(0.6)
    await table.scrollIntoViewIfNeeded()
    await screenshot(app.page, 'ntk-lab-conv-side-by-side')

    // clicking the FC row shows its charts
    await fcRow.click()
    await app.page.locator(`[data-testid=lab-results][data-run-id="${fc}"]`).waitFor()

    // after a reload the saved conv experiment opens in layered mode with its layers
    await app.page.reload()
    await app.page.locator('[data-testid=page-ntk-lab]').waitFor()
    await app.page.locator('[data-testid=experiment-list]').getByText('e2e CNN-GP kernel').click()
    await expect.poll(() => app.page.locator('[data-testid=f-editor]').getAttribute('data-mode')).toBe('layers')
    expect(await app.page.locator('[data-testid=f-layers] li').count()).toBe(4)
    expect(app.pageErrors).toEqual([])
  })
})
