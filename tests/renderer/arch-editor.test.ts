// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { nextTick, reactive } from 'vue'
import { createPinia, setActivePinia } from 'pinia'
import { ACTIVATIONS, ARCH_PRESETS, DEFAULT_DEPTH, DEFAULT_W_STD, NetArch, type NetArchInput } from '../../shared/arch'
import { JobSpec } from '../../shared/jobs/spec'
import ArchEditor from '../../renderer/src/components/arch/ArchEditor.vue'
import { checkLayers, defaultFcArchForm, fcArchFormOf, fcArchOf, type FcArchForm } from '../../renderer/src/forms/arch-form'
import { defaultKipForm, kipActivation, kipSpec } from '../../renderer/src/forms/kip-form'
import { buildKdSpec, defaultKdForm } from '../../renderer/src/components/distill/kd-form'
import { buildSelfDistillSpec, defaultSelfDistillForm } from '../../renderer/src/components/distill/self-distill-form'
import { useModels } from '../../renderer/src/stores/models'
import { useDatasets } from '../../renderer/src/stores/datasets'
import { setApi } from '../../renderer/src/api/index'
import { fakeApi, summary } from './fake-api'
import type { DatasetSummary } from '../../shared/dataset'

beforeEach(() => setActivePinia(createPinia()))

const DEFAULTS = { wStd: DEFAULT_W_STD, bStd: null }

describe('FC architecture form (shared vocabulary)', () => {
  it('starts from shared/arch defaults and builds the FcArch the schema accepts', () => {
    const f = defaultFcArchForm()
    expect(f.depth).toBe(DEFAULT_DEPTH)
    expect(f.wStd).toBe(DEFAULT_W_STD)
    expect(f.activation).toBe(ACTIVATIONS[0]!.name)
    expect(fcArchOf(f)).toMatchObject({ depth: DEFAULT_DEPTH, width: 'inf', wStd: DEFAULT_W_STD, bStd: null, parameterization: 'ntk' })
  })

  it('carries every catalogue parameter and reads a spec back unchanged', () => {
    for (const e of ACTIVATIONS) {
      const f: FcArchForm = { ...defaultFcArchForm(), activation: e.name, params: { ...defaultFcArchForm().params } }
      e.params.forEach((p, i) => (f.params[`${e.name}.${p.key}`] = p.initial + 0.25 * (i + 1)))
      const arch = fcArchOf(f, 'inf')
      for (const [i, p] of e.params.entries()) expect((arch.activation as Record<string, unknown>)[p.key]).toBe(p.initial + 0.25 * (i + 1))
      expect(fcArchOf(fcArchFormOf(arch))).toEqual(arch)
    }
  })
})

describe('layered architecture check before Run', () => {
  it('names the layer the kernel cannot follow, and only that one', () => {
    const net: NetArchInput = { input: [8, 8, 1], layers: [{ type: 'conv2d', filters: 8, kernel: 3, padding: 'same', activation: 'relu' }, { type: 'maxpool2d', pool: 2 }, { type: 'flatten' }], readout: true }
    const c = checkLayers(net, { kernel: true, defaults: DEFAULTS })
    expect(Object.keys(c.layerErrors)).toEqual(['1'])
    expect(c.layerErrors[1]).toMatch(/max/i)
    // a trained network may have a max pool
    expect(checkLayers(net, { kernel: false, defaults: DEFAULTS }).layerErrors).toEqual({})
  })

  it('gives the shape after each layer of a valid kernel architecture', () => {
    const net: NetArchInput = { input: [8, 8, 1], layers: [{ type: 'conv2d', filters: 4, kernel: 3, padding: 'valid', activation: 'relu' }, { type: 'avgpool2d', pool: 2 }, { type: 'globalavgpool' }], readout: true }
    const c = checkLayers(net, { kernel: true, defaults: DEFAULTS })
    expect(c.error).toBeNull()
    expect(c.layerErrors).toEqual({})
    expect(c.shapes).toEqual([[6, 6, 4], [3, 3, 4], [4]])
  })

  it('pooling larger than the image and valid padding that empties it are errors on those layers', () => {
    const pool = checkLayers({ input: [4, 4, 1], layers: [{ type: 'avgpool2d', pool: 8 }, { type: 'flatten' }] }, { kernel: true, defaults: DEFAULTS })
    expect(Object.keys(pool.layerErrors)).toEqual(['0'])
    const valid = checkLayers({ input: [2, 2, 1], layers: [{ type: 'conv2d', filters: 2, kernel: 3, padding: 'valid' }, { type: 'flatten' }] }, { kernel: true, defaults: DEFAULTS })
    expect(Object.keys(valid.layerErrors)).toEqual(['0'])
  })

  it('schema errors land on their layer', () => {
    const c = checkLayers({ layers: [{ type: 'dense', units: 8 }, { type: 'dense', units: 0 }] }, { kernel: false, defaults: DEFAULTS })
    expect(Object.keys(c.layerErrors)).toEqual(['1'])
  })
})

describe('ArchEditor component', () => {
  it('FC mode offers the catalogue (or the page filter) with each activation’s parameters', async () => {
    const w = mount(ArchEditor, { props: { form: defaultFcArchForm(), testid: 't-' } })
    expect(w.findAll('[data-testid=t-activation] option').map((o) => o.attributes('value'))).toEqual(ACTIVATIONS.map((a) => a.name))
    const kip = mount(ArchEditor, { props: { form: defaultFcArchForm(), activations: kipActivation, testid: 't-' } })
    expect(kip.findAll('[data-testid=t-activation] option').map((o) => o.attributes('value'))).toEqual(ACTIVATIONS.filter((a) => a.differentiable).map((a) => a.name))

    const withParams = ACTIVATIONS.find((a) => a.params.length > 0)!
    await w.find('[data-testid=t-activation]').setValue(withParams.name)
    const next = w.emitted('update:form')!.at(-1)![0] as FcArchForm
    expect(next.activation).toBe(withParams.name)
    await w.setProps({ form: next })
    const key = withParams.params[0]!.key
    const input = w.find(`[data-testid=t-activation-${key}]`)
    expect(input.exists()).toBe(true)
    await input.setValue('0.37')
    const edited = w.emitted('update:form')!.at(-1)![0] as FcArchForm
    expect((fcArchOf(edited).activation as Record<string, unknown>)[key]).toBe(0.37)
  })

  it('shows a long default σ such as √2 at four significant digits, keeps its full value, and leaves typing alone', async () => {
    // issue 21 walk-through: KIP's form showed σ_w as 1.41421356237
    const form = { ...defaultFcArchForm(), wStd: Math.SQRT2 }
    const w = mount(ArchEditor, { props: { form, testid: 't-' } })
    const wstd = w.find('[data-testid=t-wstd]')
    expect((wstd.element as HTMLInputElement).value).toBe('1.414')
    expect(wstd.attributes('title')).toContain(String(Math.SQRT2))
    expect(w.emitted('update:form')).toBeUndefined()
    // while the user types, the field shows what they type, not a rounded copy of it
    await wstd.trigger('focus')
    await wstd.setValue('1.2345678')
    await w.setProps({ form: w.emitted('update:form')!.at(-1)![0] as FcArchForm })
    expect((w.emitted('update:form')!.at(-1)![0] as FcArchForm).wStd).toBe(1.2345678)
    expect((wstd.element as HTMLInputElement).value).toBe('1.2345678')
    // a layer's σ_w from a preset (√2) reads the same way
    const net: NetArchInput = { input: [4], layers: [{ type: 'dense', units: 8, activation: 'relu', wStd: Math.SQRT2, bStd: 0.1 }], readout: true }
    const l = mount(ArchEditor, { props: { net, layered: true, fc: false, testid: 'l-' } })
    expect((l.find('[data-testid=l-layer-0-wstd]').element as HTMLInputElement).value).toBe('1.414')
    expect((l.find('[data-testid=l-layer-0-bstd]').element as HTMLInputElement).value).toBe('0.1')
  })

  it('emits plain objects a page can structuredClone, even when it holds its form in a reactive store', async () => {
    const w = mount(ArchEditor, { props: { form: reactive(defaultFcArchForm()), testid: 't-' } })
    const withParams = ACTIVATIONS.find((a) => a.params.length > 0)!
    await w.find('[data-testid=t-activation]').setValue(withParams.name)
    await w.setProps({ form: reactive(w.emitted('update:form')!.at(-1)![0] as FcArchForm) })
    await w.find(`[data-testid=t-activation-${withParams.params[0]!.key}]`).setValue('0.5')
    for (const [v] of w.emitted('update:form')! as [FcArchForm][]) expect(() => structuredClone(v)).not.toThrow()
  })

  it('layered mode adds, reorders and removes layers, applies presets, and shows per-layer errors', async () => {
    let net: NetArchInput = { input: [8, 8, 1], layers: [], readout: true }
    const w = mount(ArchEditor, { props: { net, layered: true, fc: false, testid: 'l-', 'onUpdate:net': (v: NetArchInput | undefined): void => void w.setProps({ net: (net = v!) }) } })
    const add = async (type: string): Promise<void> => {
      await w.find('[data-testid=l-add-type]').setValue(type)
      await w.find('[data-testid=l-add]').trigger('click')
    }
    await add('conv2d')
    await add('maxpool2d')
    await add('flatten')
    expect(net.layers.map((l) => l.type)).toEqual(['conv2d', 'maxpool2d', 'flatten'])
    await nextTick()
    expect(w.find('[data-testid=l-layer-1-error]').text()).toMatch(/max/i)
    expect(w.find('[data-testid=l-layer-0-shape]').text()).toContain('8×8')
    await w.find('[data-testid=l-layer-1-down]').trigger('click')
    expect(net.layers.map((l) => l.type)).toEqual(['conv2d', 'flatten', 'maxpool2d'])
    await w.find('[data-testid=l-layer-2-remove]').trigger('click')
    expect(net.layers.map((l) => l.type)).toEqual(['conv2d', 'flatten'])
    await nextTick()
    expect(w.findAll('[data-testid$=-error]')).toHaveLength(0)

    const preset = ARCH_PRESETS.find((p) => p.id === 'myrtle-5')!
    await w.find('[data-testid=l-preset]').setValue(preset.id)
    expect(net.layers).toEqual(preset.arch.layers)
    expect(net.input).toEqual([8, 8, 1])
  })
})

describe('pages build their specs from the editor', () => {
  const ds = { id: 'd1', name: 'mnist', task: 'classification', classes: 10, recipe: { split: { train: 0.8, validation: 0 } } } as unknown as DatasetSummary

  it('KIP, KD kernel teacher and self-distillation take the FC architecture the editor holds', () => {
    const kip = defaultKipForm('d1')
    kip.arch = { ...kip.arch, depth: 4, activation: 'leaky_relu', params: { ...kip.arch.params, 'leaky_relu.alpha': 0.3 } }
    expect(JobSpec.parse(kipSpec(kip, ds))).toMatchObject({ arch: { depth: 4, activation: { name: 'leaky_relu', alpha: 0.3 } } })

    const kd = { ...defaultKdForm('d1'), teacherType: 'kernel' as const }
    kd.kernelArch = { ...kd.kernelArch, depth: 3, activation: 'gelu', wStd: 1.7 }
    const built = buildKdSpec(kd, 'distill')
    expect(built.errors).toEqual({})
    expect(JobSpec.parse(built.spec)).toMatchObject({ teacher: { type: 'kernel', arch: { depth: 3, activation: { name: 'gelu' }, wStd: 1.7 } } })

    const sd = defaultSelfDistillForm('d1')
    sd.arch = { ...sd.arch, activation: 'abrelu', params: { ...sd.arch.params, 'abrelu.a': -0.5, 'abrelu.b': 2 } }
    const sdb = buildSelfDistillSpec(sd)
    expect(sdb.errors).toEqual({})
    expect(JobSpec.parse(sdb.spec)).toMatchObject({ arch: { activation: { name: 'abrelu', a: -0.5, b: 2 }, parameterization: 'ntk' } })
  })

  it('the Models train form submits a CNN built from a preset', async () => {
    const f = fakeApi({ 'jobs.submit': () => ({ runId: 'r1' }), 'runs.list': () => [summary({ id: 'r1', kind: 'train' })], 'runs.get': () => ({ summary: summary({ id: 'r1', kind: 'train' }), spec: {}, result: null, versions: {}, logs: [], metricNames: [], artifacts: [] }) })
    setApi(f.api)
    const models = useModels()
    const preset = ARCH_PRESETS.find((p) => p.id === 'cnn-gp-flatten')!
    await models.train({ datasetId: 'd1', net: structuredClone(preset.arch), epochs: 1, batchSize: 32, learningRate: 1e-3, optimizer: 'adam', name: '' })
    const spec = (f.callsOf('jobs.submit')[0]!.params as { spec: { network: NetArchInput; name: string } }).spec
    expect(NetArch.parse(spec.network).layers.filter((l) => l.type === 'conv2d')).toHaveLength(3)
    // trained on the dataset's train part, checked on its validation and test parts
    const part = (split: string, field: string) => ({ type: 'dataset', datasetId: 'd1', split, field })
    expect(JobSpec.parse(spec)).toMatchObject({ kind: 'train', xTrain: part('train', 'x'), yTrain: part('train', 'y'), xVal: part('validation', 'x'), yVal: part('validation', 'y'), xTest: part('test', 'x'), yTest: part('test', 'y') })
    expect(spec.name).toMatch(/^CNN conv64/)
  })

  it('names a trained model after its network and its dataset', async () => {
    // issue 21 walk-through: "MLP 256-256" trained on iris and on mnist read the same in every list
    const f = fakeApi({ 'jobs.submit': () => ({ runId: 'r1' }), 'runs.list': () => [] })
    setApi(f.api)
    useDatasets().list = [{ id: 'd1', name: 'iris' } as DatasetSummary]
    await useModels().train({ datasetId: 'd1', net: { layers: [{ type: 'dense', units: 64, activation: 'relu' }], readout: true }, epochs: 1, batchSize: 32, learningRate: 1e-3, optimizer: 'adam', name: '' })
    expect((f.callsOf('jobs.submit')[0]!.params as { spec: { name: string } }).spec.name).toBe('MLP 64 · iris')
  })
})
