// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { mergeSaved, useForms } from '../../renderer/src/stores/forms'
import { useProject } from '../../renderer/src/stores/project'

// Issue 21 item 6: a page's form survives leaving the page (its component unmounts), a reload (a new Pinia
// and a new component read localStorage) and is kept apart per project.

const project = (path: string) => ({ path, name: path, untitled: false, schemaVersion: 1, createdAt: 1 })
const defaults = () => ({ datasetId: '', epochs: 15, layers: [256, 256] as number[] })

/** a page whose setup takes the kept form, as TrainPanel does */
const Page = defineComponent({
  setup(_, { expose }) {
    const form = useForms().kept('models.train', defaults).value
    expose({ form })
    return () => h('div', form.datasetId)
  },
})

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})

describe('forms kept per project', () => {
  it('restores the choice after unmount and after a reload, separately per project', async () => {
    useProject().current = project('/p/a.ntkw')
    const first = mount(Page)
    const f1 = (first.vm as unknown as { form: ReturnType<typeof defaults> }).form
    f1.datasetId = 'digits'
    f1.epochs = 40
    await nextTick()
    first.unmount()

    const again = mount(Page)
    expect((again.vm as unknown as { form: ReturnType<typeof defaults> }).form).toMatchObject({ datasetId: 'digits', epochs: 40 })
    again.unmount()

    // a reload: new stores, same storage
    setActivePinia(createPinia())
    useProject().current = project('/p/a.ntkw')
    const reloaded = mount(Page)
    const f2 = (reloaded.vm as unknown as { form: ReturnType<typeof defaults> }).form
    expect(f2.datasetId).toBe('digits')

    // another project has its own form, and coming back restores the first one's
    useProject().current = project('/p/b.ntkw')
    await nextTick()
    expect(f2).toMatchObject({ datasetId: '', epochs: 15 })
    f2.datasetId = 'mnist'
    await nextTick()
    useProject().current = project('/p/a.ntkw')
    await nextTick()
    expect(f2).toMatchObject({ datasetId: 'digits', epochs: 40 })
    reloaded.unmount()
  })

  it('restores only fields the form still has, with the same kind of value; a damaged entry gives the defaults', () => {
    expect(mergeSaved(defaults(), { datasetId: 'x', epochs: 'many', layers: 3, gone: 1 })).toEqual({ datasetId: 'x', epochs: 15, layers: [256, 256] })
    expect(mergeSaved(defaults(), null)).toEqual(defaults())
    expect(mergeSaved(defaults(), [1, 2])).toEqual(defaults())
    useProject().current = project('/p/a.ntkw')
    localStorage.setItem(`ntkw.form./p/a.ntkw\u0000models.train`, '{not json')
    const w = mount(Page)
    expect((w.vm as unknown as { form: ReturnType<typeof defaults> }).form).toEqual(defaults())
    w.unmount()
  })
})

describe('nested fields', () => {
  it('a saved nested object keeps the fields it has and takes the defaults of fields added since', () => {
    const d = { arch: { depth: 2, wStd: 1, added: 'x' }, n: 1 }
    expect(mergeSaved(d, { arch: { depth: 5, wStd: 1.4 }, n: 3 })).toEqual({ arch: { depth: 5, wStd: 1.4, added: 'x' }, n: 3 })
  })
})
