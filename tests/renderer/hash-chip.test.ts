// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import DatasetDetail from '../../renderer/src/components/datasets/DatasetDetail.vue'
import ModelDetail from '../../renderer/src/components/models/ModelDetail.vue'
import { useDatasets } from '../../renderer/src/stores/datasets'
import { Recipe, type DatasetSummary } from '../../shared/dataset'
import { ModelDetail as ModelDetailSchema } from '../../shared/models'
import { flush } from './fake-api'

// Issue 21: Models showed a data hash that the Datasets page did not (the training run's hash of recipe and
// split). Both pages now show the dataset's content hash with one component: 12 digits, the whole on hover
// and on a copy button.

const HASH = 'a3f9c2e17b40d5e6f718293a4b5c6d7e8f90123456789abcdef0123456789ab'
let pinia: Pinia
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})

const dataset: DatasetSummary = {
  id: 'ds-1', name: 'digits', source: 'digits.csv', format: 'csv', hash: HASH, createdAt: 1_700_000_000_000,
  rows: 25, xShape: [25, 2], task: 'classification', classes: 3, bytes: 200, recipe: Recipe.parse({}),
}

function model(dataMeta: Record<string, unknown>) {
  return ModelDetailSchema.parse({
    id: 'm1', name: 'digits mlp', createdAt: 1, source: { kind: 'train', runId: 'r1' }, params: 10, weightBytes: 40, inputShape: [2], numClasses: 3, accuracy: 0.9, layers: 2,
    meta: { name: 'digits mlp', source: { kind: 'train' }, inputShape: [2], numClasses: 3, dataset: { name: 'digits', ref: { type: 'dataset', datasetId: 'ds-1', split: 'train', field: 'x' }, ...dataMeta }, params: 10, weightBytes: 40 },
    layerTable: [], evaluation: null, histograms: [],
  })
}

const chipOf = (w: ReturnType<typeof mount>) => w.get('[data-testid=hash-chip]')

describe('the content hash on Datasets and Models', () => {
  it('both pages show the same chip for the same dataset; the run-recorded hash is not what Models shows', async () => {
    const d = mount(DatasetDetail, { props: { dataset }, global: { plugins: [pinia], stubs: { EChart: true } } })
    const recorded = 'ffff0000' + HASH.slice(8) // the training run's hash of dataset + recipe + split
    const m = mount(ModelDetail, { props: { model: model({ hash: recorded, contentHash: HASH }) }, global: { plugins: [pinia], stubs: { EChart: true } } })
    for (const w of [d, m]) {
      expect(chipOf(w).text()).toBe(HASH.slice(0, 12))
      expect(chipOf(w).get('[title]').attributes('title')).toBe(HASH)
    }
    expect(m.text()).not.toContain(recorded.slice(0, 12))
    d.unmount()
    m.unmount()
  })

  it('a model saved before the content hash was recorded shows its dataset’s hash, if the dataset is still there', async () => {
    useDatasets().list = [dataset]
    const m = mount(ModelDetail, { props: { model: model({ hash: 'ffff' + HASH.slice(4) }) }, global: { plugins: [pinia], stubs: { EChart: true } } })
    expect(chipOf(m).text()).toBe(HASH.slice(0, 12))
    useDatasets().list = []
    await flush()
    expect(m.find('[data-testid=hash-chip]').exists()).toBe(false)
    m.unmount()
  })

  it('the copy button puts the whole hash on the clipboard', async () => {
    const writeText = vi.fn(() => Promise.resolve())
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    const d = mount(DatasetDetail, { props: { dataset }, global: { plugins: [pinia], stubs: { EChart: true } } })
    await d.get('[data-testid=hash-copy]').trigger('click')
    await flush()
    expect(writeText).toHaveBeenCalledWith(HASH)
    expect(d.get('[data-testid=hash-copy]').attributes('title')).toBe('Copied')
    d.unmount()
  })
})
