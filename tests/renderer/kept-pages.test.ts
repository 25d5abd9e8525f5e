// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { setApi } from '../../renderer/src/api/index'
import KipPanel from '../../renderer/src/components/kip/KipPanel.vue'
import NtkLabView from '../../renderer/src/views/NtkLabView.vue'
import { buildSpec, defaultForm } from '../../renderer/src/forms/lab-form'
import { defaultKipForm, kipSpec } from '../../renderer/src/forms/kip-form'
import { useExperiments } from '../../renderer/src/stores/experiments'
import { useProject } from '../../renderer/src/stores/project'
import { Recipe, type DatasetSummary } from '../../shared/dataset'
import { JobSpec } from '../../shared/jobs/spec'
import type { Experiment } from '../../shared/project'
import { fakeApi, flush } from './fake-api'

// Issue 21 item 6 on the KIP page and the NTK Lab's experiment builder: leaving the page (its component
// unmounts; the Lab view even reloads its store on every visit) or reloading keeps the choices, per project.

let pinia: Pinia
const project = (path: string) => ({ path, name: path, untitled: false, schemaVersion: 1, createdAt: 1 })
const ds = (id: string, rows: number, image = false): DatasetSummary => ({
  id, name: id, source: `${id}.npz`, format: 'npz', hash: `h-${id}`, createdAt: 1, rows, xShape: image ? [rows, 8, 8] : [rows, 4],
  task: 'classification', classes: 3, bytes: 1, recipe: Recipe.parse({ split: { train: 0.7, validation: 0.15, seed: 0 } }),
})
const DATASETS = [ds('digits', 900, true), ds('blobs', 300)]
const experiment = (id: string, name: string, updatedAt: number): Experiment => ({
  id, name, spec: JobSpec.parse(buildSpec({ ...defaultForm('width-sweep', 'digits'), name }).spec), createdAt: 1, updatedAt, runs: 0,
})

/** a fresh page load: new stores, the same localStorage */
function reload(path = '/p/a.ntkw'): void {
  pinia = createPinia()
  setActivePinia(pinia)
  setApi(fakeApi({ 'datasets.list': () => (path === '/p/a.ntkw' ? DATASETS : [ds('other', 50)]), 'experiments.list': () => (path === '/p/a.ntkw' ? [experiment('old', 'relu sweep', 1), experiment('new', 'erf sweep', 5)] : []) }).api)
  useProject().current = project(path)
}

beforeEach(() => {
  localStorage.clear()
  reload()
})

describe('KIP page', () => {
  const mountKip = async () => {
    const w = mount(KipPanel, { global: { plugins: [pinia], stubs: { EChart: true, SupportGrid: true } } })
    await flush()
    return w
  }

  it('keeps dataset, sizes and settings across a visit elsewhere and a reload, per project', async () => {
    const first = await mountKip()
    const sel = first.get<HTMLSelectElement>('[data-testid=kip-dataset]')
    expect(sel.element.value).toBe('digits') // the default: an image dataset
    expect(first.text()).not.toMatch(/diag_reg/) // field names in words, as on the NTK Lab
    expect(first.text()).toContain('Diagonal regulariser')
    await sel.setValue('blobs')
    await first.get('[data-testid=kip-per-class]').setValue('4')
    await first.get('[data-testid=kip-train-cap]').setValue('120')
    await first.get('[data-testid=kip-steps]').setValue('300')
    await flush()
    first.unmount()

    const again = await mountKip()
    expect(again.get<HTMLSelectElement>('[data-testid=kip-dataset]').element.value).toBe('blobs')
    expect(again.get<HTMLInputElement>('[data-testid=kip-per-class]').element.value).toBe('4')
    again.unmount()

    reload()
    const reloaded = await mountKip()
    expect(reloaded.get<HTMLSelectElement>('[data-testid=kip-dataset]').element.value).toBe('blobs')
    expect(reloaded.get<HTMLInputElement>('[data-testid=kip-train-cap]').element.value).toBe('120')
    expect(reloaded.get<HTMLInputElement>('[data-testid=kip-steps]').element.value).toBe('300')
    reloaded.unmount()

    reload('/p/b.ntkw')
    const other = await mountKip()
    expect(other.get<HTMLSelectElement>('[data-testid=kip-dataset]').element.value).toBe('other')
    expect(other.get<HTMLInputElement>('[data-testid=kip-per-class]').element.value).toBe('10')
    other.unmount()
  })

  it('the sizes are part of the spec: train cap on the train part, test cap on the test part', () => {
    const spec = JobSpec.parse(kipSpec({ ...defaultKipForm('blobs'), trainCap: 120, testCap: 40 }, DATASETS[1]!)) as { x: { limit?: number }; y: { limit?: number }; xTest?: { limit?: number } }
    expect([spec.x.limit, spec.y.limit, spec.xTest?.limit]).toEqual([120, 120, 40])
    const all = JobSpec.parse(kipSpec({ ...defaultKipForm('blobs'), trainCap: null, testCap: null }, DATASETS[1]!)) as { x: { limit?: number }; xTest?: { limit?: number } }
    expect([all.x.limit, all.xTest?.limit]).toEqual([undefined, undefined])
  })
})

describe('NTK Lab experiment builder', () => {
  const mountLab = async () => {
    const w = mount(NtkLabView, { global: { plugins: [pinia], stubs: { EChart: true, LabResults: true, ExperimentList: true } } })
    await flush()
    return w
  }

  it('keeps the open experiment and its unsaved edits across visits and a reload; a new draft too', async () => {
    const first = await mountLab()
    const exp = useExperiments()
    expect(exp.selectedId).toBe('new') // the newest, at first
    exp.select('old')
    exp.form.arch.depth = 6
    exp.form.widths = '32, 64'
    await flush()
    first.unmount()

    const again = await mountLab()
    expect(useExperiments()).toMatchObject({ selectedId: 'old', dirty: true })
    expect(useExperiments().form).toMatchObject({ name: 'relu sweep', widths: '32, 64', arch: { depth: 6 } })
    again.unmount()

    reload()
    const reloaded = await mountLab()
    expect(useExperiments()).toMatchObject({ selectedId: 'old', dirty: true })
    expect(useExperiments().form.arch.depth).toBe(6)
    // a new experiment being drafted
    useExperiments().select(null)
    useExperiments().form.name = 'my draft'
    await flush()
    reloaded.unmount()
    reload()
    const draft = await mountLab()
    expect(useExperiments()).toMatchObject({ selectedId: null, dirty: true })
    expect(useExperiments().form).toMatchObject({ name: 'my draft', datasetId: 'digits' })
    draft.unmount()

    // another project: its own builder (nothing saved there: a new experiment on its dataset)
    reload('/p/b.ntkw')
    const other = await mountLab()
    expect(useExperiments()).toMatchObject({ selectedId: null, dirty: false })
    expect(useExperiments().form).toMatchObject({ name: '', datasetId: 'other' })
    other.unmount()
  })

  it('a saved experiment that was deleted meanwhile is dropped: the newest opens', async () => {
    localStorage.setItem('ntkw.form./p/a.ntkw\u0000lab.builder', JSON.stringify({ selectedId: 'gone', dirty: true, form: { name: 'x' } }))
    const w = await mountLab()
    expect(useExperiments()).toMatchObject({ selectedId: 'new', dirty: false })
    w.unmount()
  })
})
