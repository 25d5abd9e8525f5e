// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { setApi } from '../../renderer/src/api/index'
import QuantizeForm from '../../renderer/src/components/quantize/QuantizeForm.vue'
import KdTab from '../../renderer/src/components/distill/KdTab.vue'
import { useDatasets } from '../../renderer/src/stores/datasets'
import { useProject } from '../../renderer/src/stores/project'
import { Recipe, type DatasetSummary } from '../../shared/dataset'
import type { ModelSummary } from '../../shared/models'
import { fakeApi, flush } from './fake-api'

// Walking the app (issue 21): Quantize opened with its dataset at "—" and Distill with MNIST although the only
// model was trained on another dataset of the project (the KD run then failed on the input shape), and the
// model list did not say on which data a model was trained.

let pinia: Pinia
const ds = (id: string): DatasetSummary => ({ id, name: id, source: `${id}.csv`, format: 'csv', hash: `h-${id}`, createdAt: 1, rows: 1000, xShape: [1000, 4], task: 'classification', classes: 3, bytes: 1, recipe: Recipe.parse({}) })
const model = (id: string, datasetId: string, accuracy: number): ModelSummary => ({
  id, name: `${id} mlp`, createdAt: 1, source: { kind: 'train' }, params: 1234, weightBytes: 4936, inputShape: [4], numClasses: 3, accuracy, layers: 2, dataset: { id: datasetId, name: datasetId },
})

beforeEach(() => {
  localStorage.clear()
  pinia = createPinia()
  setActivePinia(pinia)
  setApi(fakeApi({ 'models.list': () => [model('a', 'digits', 0.9), model('b', 'blobs', 0.8)] }).api)
  useProject().current = { path: '/p/q.ntkw', name: 'q', untitled: false, schemaVersion: 1, createdAt: 1 }
  useDatasets().list = [ds('blobs'), ds('digits')]
})

const chosen = (w: ReturnType<typeof mount>, id: string) => w.get<HTMLSelectElement>(`[data-testid=${id}]`).element.selectedOptions[0]?.textContent?.trim()
const form = (w: ReturnType<typeof mount>) => (w.vm as unknown as { f: { datasetId: string; modelId: string } }).f

describe('Quantize form', () => {
  it("preselects the picked model's training data and names that data in the model list", async () => {
    const w = mount(QuantizeForm, { props: { busy: false }, global: { plugins: [pinia] } })
    await flush()
    expect(form(w).modelId).toBe('a') // the most accurate
    expect(form(w).datasetId).toBe('digits')
    expect(chosen(w, 'q-model-id')).toMatch(/^a mlp \(on digits, 1,234 params/)
    expect(chosen(w, 'q-dataset')).toBe('digits (1,000 rows)')
    // another model: its data
    await w.get('[data-testid=q-model-id]').setValue('b')
    await flush()
    expect(form(w).datasetId).toBe('blobs')
    // a dataset chosen by hand stays, also when the page is opened again
    await w.get('[data-testid=q-dataset]').setValue('digits')
    await flush()
    w.unmount()
    const again = mount(QuantizeForm, { props: { busy: false }, global: { plugins: [pinia] } })
    await flush()
    expect(form(again)).toMatchObject({ modelId: 'b', datasetId: 'digits' })
    again.unmount()
  })
})

describe('Distill (KD) form', () => {
  it("teaches on the teacher model's training data, not on a default dataset of another shape", async () => {
    useDatasets().list = [{ ...ds('mnist'), rows: 10000, xShape: [10000, 28, 28] }, ds('blobs'), ds('digits')]
    useDatasets().loaded = true
    const w = mount(KdTab, { global: { plugins: [pinia], stubs: { EChart: true, KdResults: true } } })
    await flush()
    const kd = (w.vm as unknown as { $: { setupState: { f: { datasetId: string; teacherModelId: string } } } }).$.setupState.f
    expect(kd.teacherModelId).toBe('a')
    expect(kd.datasetId).toBe('digits')
    // a dataset of the same width chosen by hand stays
    await w.get('[data-testid=kd-dataset]').setValue('blobs')
    await flush()
    expect(kd.datasetId).toBe('blobs')
    w.unmount()
  })
})
