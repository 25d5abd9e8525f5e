// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { setApi } from '../../renderer/src/api/index'
import { useDatasets, PAGE_IMAGES, PAGE_ROWS } from '../../renderer/src/stores/datasets'
import { useProject } from '../../renderer/src/stores/project'
import { useToasts } from '../../renderer/src/stores/toasts'
import { useUi } from '../../renderer/src/stores/ui'
import DatasetsView from '../../renderer/src/views/DatasetsView.vue'
import DropOverlay from '../../renderer/src/components/datasets/DropOverlay.vue'
import { formFromRecipe, recipeFromForm, sameRecipe } from '../../renderer/src/components/datasets/recipe-form'
import { rowToRgba } from '../../renderer/src/components/datasets/image-pixels'
import { Recipe, type DatasetPreview, type DatasetSchema, type DatasetSummary } from '../../shared/dataset'
import type { ParamsOf } from '../../shared/ipc'
import { fakeApi, flush, summary as runSummary } from './fake-api'
import { UPLOAD_CHUNK_BYTES } from '../../shared/uploads'

let pinia: Pinia
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})

const PROJECT = { path: '/p/a.ntkw', name: 'a', untitled: false, schemaVersion: 1, createdAt: 1 }

function dataset(over: Partial<DatasetSummary> = {}): DatasetSummary {
  return {
    id: 'ds-1',
    name: 'pets.csv',
    source: '/data/pets.csv',
    format: 'csv',
    hash: 'h1',
    createdAt: 1_700_000_000_000,
    rows: 25,
    xShape: [25, 2],
    task: 'classification',
    classes: 3,
    bytes: 200,
    recipe: Recipe.parse({}),
    ...over,
  }
}

function schema(d: DatasetSummary, over: Partial<DatasetSchema> = {}): DatasetSchema {
  return {
    version: 1,
    rows: d.rows,
    x: { dtype: 'f4', shape: d.xShape, scale: 1, chunkBytes: 1 << 20, chunks: 1 },
    y: { dtype: 'i4', shape: [d.rows], scale: 1, chunkBytes: 1 << 20, chunks: 1 },
    task: d.task,
    classNames: ['cat', 'dog', 'fish'],
    classCounts: [10, 10, 5],
    featureNames: ['width', 'height'],
    columns: [
      { name: 'width', min: 0, max: 12, mean: 6, std: 3.6, missing: 0 },
      { name: 'height', min: 76, max: 100, mean: 88, std: 7.2, missing: 2 },
    ],
    summary: { min: 0, max: 100, mean: 47, std: 41 },
    sourceColumns: [
      { name: 'width', type: 'numeric', role: 'feature', missing: 0 },
      { name: 'height', type: 'numeric', role: 'feature', missing: 2 },
      { name: 'label', type: 'categorical', role: 'label', missing: 0 },
    ],
    labelColumn: 'label',
    notes: ['delimiter ",", header row (detected)'],
    bytes: d.bytes,
    ...over,
  }
}

/** A dataset server: rows are x[i] = [i, 100 - i], labels by class counts; split counts from the recipe. */
function server(sets: DatasetSummary[], schemaOver: Partial<DatasetSchema> = {}) {
  const recipes = new Map(sets.map((d) => [d.id, d.recipe]))
  const f = fakeApi({
    'datasets.list': () => sets.map((d) => ({ ...d, recipe: recipes.get(d.id)! })),
    'datasets.preview': (p) => {
      const d = sets.find((s) => s.id === p.datasetId)!
      const offset = p.offset ?? 0
      const n = Math.max(0, Math.min(p.limit ?? 50, d.rows - offset))
      const width = d.xShape.slice(1).reduce((a, b) => a * b, 1)
      const rows = Array.from({ length: n }, (_, k) => Array.from({ length: width }, (_, j) => (j === 0 ? offset + k : 100 - offset - k)))
      const recipe = recipes.get(d.id)!
      const train = recipe.split ? Math.round(d.rows * recipe.split.train) : d.rows
      const validation = recipe.split ? Math.round(d.rows * recipe.split.validation) : 0
      const preview: DatasetPreview = {
        summary: { ...d, recipe },
        schema: schema(d, schemaOver),
        offset,
        rows,
        labels: rows.map((_, k) => (offset + k < 10 ? 'cat' : offset + k < 20 ? 'dog' : 'fish')),
        splitCounts: { all: d.rows, train, validation, test: d.rows - train - validation },
      }
      return preview
    },
    'datasets.setRecipe': (p) => {
      recipes.set(p.datasetId, Recipe.parse(p.recipe))
      return { ...sets.find((s) => s.id === p.datasetId)!, recipe: recipes.get(p.datasetId)! }
    },
    'datasets.delete': () => null,
    'datasets.import': () => ({ runId: 'run-imp' }),
  })
  setApi(f.api)
  return f
}

function openProject(): void {
  useProject().current = PROJECT
}

describe('recipe form', () => {
  it('round-trips a stored recipe and refuses train + validation over 100 %', () => {
    const r = Recipe.parse({ split: { train: 0.7, validation: 0.1, seed: 3, stratified: true }, subset: { perClass: 20, seed: 2 }, scale: 'standardize', l2Normalize: true })
    const form = formFromRecipe(r)
    expect(form).toMatchObject({ split: true, trainPct: 70, validationPct: 10, splitSeed: 3, subset: true, perClass: 20, subsetSeed: 2, scale: 'standardize', l2Normalize: true })
    const back = recipeFromForm(form, { classification: true })
    expect(back.errors).toBeNull()
    expect(sameRecipe(back.recipe!, r)).toBe(true)

    const bad = recipeFromForm({ ...form, trainPct: 90, validationPct: 20 }, { classification: true })
    expect(bad.recipe).toBeNull()
    expect(bad.errors?.split).toMatch(/110 %.*at most 100 %/)
    expect(recipeFromForm({ ...form, trainPct: 0 }, { classification: true }).errors?.trainPct).toBeDefined()
    expect(recipeFromForm({ ...form, splitSeed: 1.5 }, { classification: true }).errors?.splitSeed).toMatch(/whole number/)
    expect(recipeFromForm({ ...form, perClass: 0 }, { classification: true }).errors?.perClass).toBeDefined()
  })

  it('drops class-only parts for unlabelled or regression data', () => {
    const form = { ...formFromRecipe(Recipe.parse({})), split: true, trainPct: 80, validationPct: 0, subset: true, perClass: 5 }
    const r = recipeFromForm(form, { classification: false }).recipe!
    expect(r.subset).toBeUndefined()
    expect(r.split).toEqual({ train: 0.8, validation: 0, stratified: false, seed: 0 })
    expect(sameRecipe(r, Recipe.parse({ split: { train: 0.8, stratified: false } }))).toBe(true)
    expect(sameRecipe(r, Recipe.parse({ split: { train: 0.8, stratified: true } }))).toBe(false)
  })
})

describe('image pixels', () => {
  it('maps [lo, hi] to 0–255 for grayscale and channels-last RGB rows', () => {
    // 1×2 grayscale in [0, 1]
    expect(Array.from(rowToRgba([0, 1], 1, 2, 1, 0, 1))).toEqual([0, 0, 0, 255, 255, 255, 255, 255])
    // 1×1 RGB stored as raw bytes [0, 255]: 51 → 51
    expect(Array.from(rowToRgba([255, 51, 0], 1, 1, 3, 0, 255))).toEqual([255, 51, 0, 255])
    // a constant image does not divide by zero
    expect(Array.from(rowToRgba([3, 3], 1, 2, 1, 3, 3))).toEqual([0, 0, 0, 255, 0, 0, 0, 255])
  })
})

describe('datasets store', () => {
  it('selects the newest dataset, pages by whole pages, and images page by thumbnails', async () => {
    const big = dataset({ id: 'big', name: 'big', hash: 'hb', rows: 1_000_000, createdAt: 2 })
    const img = dataset({ id: 'img', name: 'digits', hash: 'hi', rows: 500, xShape: [500, 28, 28, 1], createdAt: 1 })
    const f = server([img, big])
    openProject()
    const s = useDatasets()
    await s.load()
    await flush()
    expect(s.list.map((d) => d.id)).toEqual(['big', 'img'])
    expect(s.selectedId).toBe('big')
    expect(f.callsOf('datasets.preview').at(-1)!.params).toEqual({ datasetId: 'big', offset: 0, limit: PAGE_ROWS })
    await s.loadPage(123_456)
    expect(f.callsOf('datasets.preview').at(-1)!.params).toEqual({ datasetId: 'big', offset: 123_400, limit: PAGE_ROWS })
    expect(s.preview!.rows).toHaveLength(PAGE_ROWS)
    expect(s.preview!.rows[0]).toEqual([123_400, 100 - 123_400])
    await s.select('img')
    expect(f.callsOf('datasets.preview').at(-1)!.params).toEqual({ datasetId: 'img', offset: 0, limit: PAGE_IMAGES })
  })

  it('an older page that answers late does not replace a newer one', async () => {
    const d = dataset({ rows: 1000 })
    const f = server([d])
    const slow: ((v: DatasetPreview) => void)[] = []
    const real = f.handlers['datasets.preview']!
    f.handlers['datasets.preview'] = (p: ParamsOf<'datasets.preview'>) => (p.offset === 100 ? new Promise<DatasetPreview>((r) => slow.push(r)) : real(p))
    openProject()
    const s = useDatasets()
    s.list = [d]
    s.selectedId = d.id
    const first = s.loadPage(100)
    await s.loadPage(200)
    expect(s.preview!.offset).toBe(200)
    slow[0]!(real({ datasetId: d.id, offset: 100, limit: 100 }) as DatasetPreview)
    await first
    expect(s.preview!.offset).toBe(200)
  })

  it('an import appears when its job succeeds and is then selected; a failure only ends the pending entry', async () => {
    const sets: DatasetSummary[] = [dataset({ id: 'old', hash: 'h-old', createdAt: 1 })]
    const f = server(sets)
    openProject()
    const s = useDatasets()
    await s.load()
    expect(await s.importPath('  /data/new.npy ')).toBe('run-imp')
    expect(f.callsOf('datasets.import')[0]!.params).toEqual({ path: '/data/new.npy' })
    expect(s.pending).toEqual([{ runId: 'run-imp', path: '/data/new.npy' }])

    // another job kind finishing changes nothing
    const lists = () => f.callsOf('datasets.list').length
    const before = lists()
    s.onJob({ runId: 'x', event: { type: 'done', t: 1, result: null }, summary: runSummary({ id: 'x', kind: 'kernel', state: 'succeeded', experimentId: null }) })
    expect(lists()).toBe(before)

    sets.push(dataset({ id: 'new', name: 'new.npy', hash: 'h-new', createdAt: 5, task: 'none', classes: 0 }))
    s.onJob({
      runId: 'run-imp',
      event: { type: 'done', t: 2, result: null },
      summary: runSummary({ id: 'run-imp', kind: 'dataset-import', state: 'succeeded', datasetHash: 'h-new', experimentId: null }),
    })
    await flush()
    expect(s.pending).toEqual([])
    expect(s.list.map((d) => d.id)).toEqual(['new', 'old'])
    expect(s.selectedId).toBe('new')
    expect(useToasts().toasts.some((t) => t.kind === 'success' && t.message.includes('new.npy'))).toBe(true)

    await s.importPath('/data/bad.csv')
    const n = lists()
    s.onJob({
      runId: 'run-imp',
      event: { type: 'failed', t: 3, error: 'row 3 has 2 fields, expected 3', hint: 'fix the row' },
      summary: runSummary({ id: 'run-imp', kind: 'dataset-import', state: 'failed', experimentId: null }),
    })
    expect(s.pending).toEqual([])
    expect(lists()).toBe(n)
  })

  it('a refused import request shows the server message and hint', async () => {
    const f = server([])
    f.handlers['datasets.import'] = () => {
      throw Object.assign(new Error('no project is open'), { code: 'no_project', hint: 'Create or open a project first.' })
    }
    openProject()
    const s = useDatasets()
    expect(await s.importPath('/x.csv')).toBeUndefined()
    expect(s.pending).toEqual([])
    const t = useToasts().toasts.at(-1)!
    expect(t.kind).toBe('error')
    expect(t.message).toContain('no project is open')
    expect(t.hint).toBe('Create or open a project first.')
  })
})

describe('Datasets page', () => {
  async function page(sets: DatasetSummary[], schemaOver: Partial<DatasetSchema> = {}) {
    const f = server(sets, schemaOver)
    openProject()
    const w = mount(DatasetsView, { global: { plugins: [pinia], stubs: { EChart: true } }, attachTo: document.body })
    await flush()
    return { f, w }
  }

  it('lists datasets and previews the selected one: facts, rows, columns, class histogram', async () => {
    const { w } = await page([dataset()])
    const row = w.get('[data-testid=dataset-row]')
    expect(row.get('[data-col=rows]').text()).toBe('25')
    expect(row.get('[data-col=shape]').text()).toBe('2')
    expect(row.get('[data-col=task]').text()).toBe('3 classes')
    expect(w.get('[data-testid=fact-shape]').text()).toBe('25 × 2')
    expect(w.get('[data-testid=dataset-notes]').text()).toContain('header row')
    const cells = w.findAll('[data-testid=data-row]')[11]!.findAll('td').map((t) => t.text())
    expect(cells).toEqual(['12', 'dog', '11', '89'])
    expect(w.get('[data-testid=row-range]').text()).toBe('Rows 1–25 of 25')
    const stats = w.get('[data-testid=column-stats] tr[data-column=height]').findAll('td').map((t) => t.text())
    expect(stats).toEqual(['height', 'numeric', '76', '100', '88', '7.2', '2'])
    const chart = w.findComponent({ name: 'EChart' })
    const option = chart.props('option') as { xAxis: { data: string[] }; series: { data: number[] }[] }
    expect(option.xAxis.data).toEqual(['cat', 'dog', 'fish'])
    expect(option.series[0]!.data).toEqual([10, 10, 5])
    w.unmount()
  })

  it('pages through a million rows with Next and Go to row', async () => {
    const { f, w } = await page([dataset({ rows: 1_000_000 })])
    await w.get('[data-testid=page-next]').trigger('click')
    await flush()
    expect(f.callsOf('datasets.preview').at(-1)!.params).toMatchObject({ offset: 100, limit: 100 })
    expect(w.get('[data-testid=row-range]').text()).toBe('Rows 101–200 of 1,000,000')
    await w.get('[data-testid=row-jump]').setValue('999,999')
    await w.get('[data-testid=row-jump]').trigger('submit')
    await flush()
    expect(f.callsOf('datasets.preview').at(-1)!.params).toMatchObject({ offset: 999_900, limit: 100 })
    expect(w.get('[data-testid=row-range]').text()).toBe('Rows 999,901–1,000,000 of 1,000,000')
    expect(w.get('[data-testid=page-next]').attributes('disabled')).toBeDefined()
    w.unmount()
  })

  it('shows an image grid for image datasets', async () => {
    const d = dataset({ xShape: [25, 2, 2, 1], rows: 25 })
    const { w } = await page([d], { image: { height: 2, width: 2, channels: 1 }, columns: undefined })
    expect(w.findAll('[data-testid=image-thumb]')).toHaveLength(25)
    expect(w.find('[data-testid=rows-table]').exists()).toBe(false)
    expect(w.findAll('[data-testid=image-thumb] figcaption')[12]!.text()).toBe('dog')
    w.unmount()
  })

  it('the recipe editor refuses bad fractions inline, applies a split and shows its counts', async () => {
    const { f, w } = await page([dataset({ rows: 200 })])
    expect(w.get('[data-testid=split-counts] [data-part=train]').text()).toBe('200')
    await w.get('[data-testid=recipe-split]').setValue(true)
    await w.get('[data-testid=recipe-train]').setValue('90')
    await w.get('[data-testid=recipe-validation]').setValue('20')
    await flush()
    expect(w.get('[data-testid=recipe-error]:not([style*="display: none"])').text()).toMatch(/at most 100 %/)
    expect(w.get('[data-testid=recipe-apply]').attributes('disabled')).toBeDefined()
    await w.get('[data-testid=recipe-train]').setValue('60')
    await w.get('[data-testid=recipe-split-seed]').setValue('7')
    await flush()
    expect(w.findAll('[data-testid=recipe-error]').filter((e) => e.isVisible())).toHaveLength(0)
    expect(w.get('[data-testid=recipe-test]').text()).toBe('20')
    await w.get('[data-testid=recipe-editor] form').trigger('submit')
    await flush()
    expect(f.callsOf('datasets.setRecipe').map((c) => c.params)).toEqual([
      { datasetId: 'ds-1', recipe: { split: { train: 0.6, validation: 0.2, stratified: true, seed: 7 }, scale: 'none', l2Normalize: false, flatten: 'hwc', labels: 'one-hot' } },
    ])
    const counts = Object.fromEntries(w.findAll('[data-testid=split-counts] b').map((b) => [b.attributes('data-part'), b.text()]))
    expect(counts).toEqual({ all: '200', train: '120', validation: '40', test: '40' })
    // applied: nothing left to apply
    expect(w.get('[data-testid=recipe-apply]').attributes('disabled')).toBeDefined()
    w.unmount()
  })

  it('delete takes two clicks', async () => {
    const { f, w } = await page([dataset({ id: 'a', name: 'a', createdAt: 2 }), dataset({ id: 'b', name: 'b', hash: 'hb', createdAt: 1 })])
    await w.get('[data-testid=dataset-delete]').trigger('click')
    await flush()
    expect(f.callsOf('datasets.delete')).toHaveLength(0)
    expect(w.get('[data-testid=dataset-delete]').text()).toContain('Click again')
    await w.get('[data-testid=dataset-delete]').trigger('click')
    await flush()
    expect(f.callsOf('datasets.delete').map((c) => c.params)).toEqual([{ datasetId: 'a' }])
    expect(w.findAll('[data-testid=dataset-row]').map((r) => r.attributes('data-name'))).toEqual(['b'])
    expect(w.get('[data-testid=detail-name]').text()).toBe('b')
    w.unmount()
  })

  it('without a project says so instead of showing an import area', async () => {
    const f = fakeApi()
    setApi(f.api)
    const w = mount(DatasetsView, { global: { plugins: [pinia] } })
    await flush()
    expect(w.find('[data-testid=datasets-no-project]').exists()).toBe(true)
    expect(w.find('[data-testid=import-panel]').exists()).toBe(false)
    expect(f.calls).toEqual([])
  })
})

describe('drop overlay', () => {
  function drag(type: string, names: string[]): Event {
    return dragFiles(type, names.map((n) => new File(['a,b\n'], n)))
  }
  function dragFiles(type: string, files: File[]): Event {
    const e = new Event(type, { bubbles: true, cancelable: true })
    Object.defineProperty(e, 'dataTransfer', { value: { types: ['Files'], files, items: files, dropEffect: 'none' } })
    window.dispatchEvent(e)
    return e
  }

  it('in a browser: sends the dropped bytes in ordered chunks with progress, then imports them as a path import would', async () => {
    const received: Uint8Array[] = []
    const f = server([])
    f.handlers['uploads.begin'] = () => ({ uploadId: 'u1', chunkBytes: UPLOAD_CHUNK_BYTES })
    f.handlers['uploads.chunk'] = (p) => {
      received.push(new Uint8Array(p.data))
      return { received: p.offset + p.data.byteLength }
    }
    f.handlers['uploads.finish'] = () => ({ runId: 'imp-1', purpose: 'dataset' as const })
    openProject()
    const w = mount(DropOverlay, { global: { plugins: [pinia] }, attachTo: document.body })
    drag('dragenter', ['pets.csv'])
    await flush()
    const overlay = w.get('[data-testid=drop-overlay]')
    expect(overlay.attributes('data-mode')).toBe('upload')
    expect(overlay.text()).toContain("sends the files' bytes to the server")
    // 1.25 chunks' worth of bytes with a pattern, so order and content are checked
    const bytes = new Uint8Array(Math.floor(UPLOAD_CHUNK_BYTES * 1.25)).map((_, i) => (i * 7) % 251)
    const drop = dragFiles('drop', [new File([bytes], 'pets.csv')])
    await flush()
    await vi.waitFor(() => expect(f.callsOf('uploads.finish')).toHaveLength(1))
    expect(drop.defaultPrevented).toBe(true)
    expect(useUi().page).toBe('datasets')
    expect(f.callsOf('uploads.begin').map((c) => c.params)).toEqual([{ purpose: 'dataset', files: [{ path: 'pets.csv', size: bytes.length }] }])
    expect(f.callsOf('uploads.chunk').map((c) => (c.params as { offset: number }).offset)).toEqual([0, UPLOAD_CHUNK_BYTES])
    const joined = new Uint8Array(received.reduce((s, r) => s + r.length, 0))
    let o = 0
    for (const r of received) {
      joined.set(r, o)
      o += r.length
    }
    expect(joined).toEqual(bytes)
    expect(f.callsOf('datasets.import')).toHaveLength(0)
    expect(useDatasets().pending).toEqual([{ runId: 'imp-1', path: 'pets.csv' }])
    w.unmount()
  })

  it('in a browser: Cancel stops sending between chunks and tells the server to drop what it has', async () => {
    let release: () => void = () => undefined
    const f = server([])
    f.handlers['uploads.begin'] = () => ({ uploadId: 'u2', chunkBytes: UPLOAD_CHUNK_BYTES })
    f.handlers['uploads.chunk'] = (p) => new Promise((r) => (release = () => r({ received: p.offset + p.data.byteLength })))
    f.handlers['uploads.cancel'] = () => null
    openProject()
    const w = mount(DropOverlay, { global: { plugins: [pinia] }, attachTo: document.body })
    dragFiles('drop', [new File([new Uint8Array(3 * UPLOAD_CHUNK_BYTES)], 'big.npy')])
    await vi.waitFor(() => expect(f.callsOf('uploads.chunk')).toHaveLength(1))
    const bar = w.get('[data-testid=upload-progress]')
    expect(bar.attributes('data-total')).toBe(String(3 * UPLOAD_CHUNK_BYTES))
    await w.get('[data-testid=upload-cancel]').trigger('click')
    release()
    await vi.waitFor(() => expect(f.callsOf('uploads.cancel').map((c) => c.params)).toEqual([{ uploadId: 'u2' }]))
    expect(f.callsOf('uploads.chunk')).toHaveLength(1)
    expect(f.callsOf('uploads.finish')).toHaveLength(0)
    await flush()
    expect(w.find('[data-testid=upload-progress]').exists()).toBe(false)
    expect(useToasts().toasts.at(-1)!.message).toMatch(/Cancelled sending big\.npy/)
    w.unmount()
  })

  it('in a browser: model.json + weights.bin dropped together are one model upload, imported on the Models page', async () => {
    const f = server([])
    f.handlers['uploads.begin'] = () => ({ uploadId: 'u3', chunkBytes: UPLOAD_CHUNK_BYTES })
    f.handlers['uploads.chunk'] = (p) => ({ received: p.offset + p.data.byteLength })
    f.handlers['uploads.finish'] = () => ({ runId: 'imp-2', purpose: 'model' as const })
    openProject()
    const w = mount(DropOverlay, { global: { plugins: [pinia] }, attachTo: document.body })
    dragFiles('drop', [new File(['{}'], 'model.json'), new File([new Uint8Array(16)], 'weights.bin')])
    await vi.waitFor(() => expect(f.callsOf('uploads.finish')).toHaveLength(1))
    expect(f.callsOf('uploads.begin').map((c) => c.params)).toEqual([{ purpose: 'model', files: [{ path: 'model.json', size: 2 }, { path: 'weights.bin', size: 16 }] }])
    expect(useUi().page).toBe('models')
    useUi().go('datasets')
    await flush()
    w.unmount()
  })

  it('in the desktop app: a drop imports every dropped file by its path', async () => {
    const f = server([])
    f.api.pathForFile = (file: File) => `/home/me/${file.name}`
    openProject()
    const w = mount(DropOverlay, { global: { plugins: [pinia] }, attachTo: document.body })
    drag('dragenter', ['a.npy', 'b.csv'])
    await flush()
    expect(w.get('[data-testid=drop-overlay]').attributes('data-mode')).toBe('import')
    expect(w.get('[data-testid=drop-overlay]').text()).toContain('Drop to import 2 files')
    drag('drop', ['a.npy', 'b.csv'])
    await flush()
    expect(f.callsOf('datasets.import').map((c) => c.params)).toEqual([{ path: '/home/me/a.npy' }, { path: '/home/me/b.csv' }])
    w.unmount()
  })

  it('with no project open: imports nothing and says what to do', async () => {
    const f = server([])
    f.api.pathForFile = (file: File) => `/home/me/${file.name}`
    const w = mount(DropOverlay, { global: { plugins: [pinia] }, attachTo: document.body })
    drag('dragenter', ['a.npy'])
    await flush()
    expect(w.get('[data-testid=drop-overlay]').text()).toContain('No project open')
    drag('drop', ['a.npy'])
    await flush()
    expect(f.callsOf('datasets.import')).toHaveLength(0)
    expect(useToasts().toasts.at(-1)!.hint).toMatch(/Create or open a project/)
    w.unmount()
  })
})

describe('cell formatting', () => {
  it('shows the shortest decimal that reads back as the same float32', async () => {
    const { cell } = await import('../../renderer/src/components/datasets/format-data')
    const f32 = (x: number) => Math.fround(x)
    expect(cell(f32(0.1))).toBe('0.1')
    expect(cell(f32(249999.75))).toBe('249999.75')
    expect(cell(f32(1 / 3))).toBe('0.33333334')
    expect(cell(-7)).toBe('-7')
    expect(cell(f32(1e-7))).toBe('1e-7')
    for (const x of [0.2, 3.14159, 1234.5678, -0.000123, 98765.4321]) expect(f32(Number(cell(f32(x))))).toBe(f32(x))
  })
})

describe('import options', () => {
  it('sends only what the user set, typed as the importer expects', async () => {
    const { blankImportOptions, optionsFromForm } = await import('../../renderer/src/components/datasets/import-options')
    expect(optionsFromForm(blankImportOptions())).toEqual({ options: {} })
    const f = { ...blankImportOptions(), label: '3', delimiter: 'tab' as const, header: 'no' as const, missing: 'mean' as const, size: '32×24', name: ' pets ' }
    expect(optionsFromForm(f)).toEqual({ options: { label: 3, delimiter: '\t', header: false, missing: 'mean', size: [32, 24], name: 'pets' } })
    expect(optionsFromForm({ ...blankImportOptions(), label: 'species', size: '28' })).toEqual({ options: { label: 'species', size: [28, 28] } })
    expect('error' in optionsFromForm({ ...blankImportOptions(), size: '0x5' })).toBe(true)
    expect('error' in optionsFromForm({ ...blankImportOptions(), size: 'big' })).toBe(true)
  })

  it('the import panel passes the options with the path; a bad size blocks the import', async () => {
    const f = server([])
    openProject()
    const w = mount(DatasetsView, { global: { plugins: [pinia] } })
    await flush()
    await w.get('[data-testid=import-path]').setValue('/data/pets.csv')
    await w.get('[data-testid=opt-label]').setValue('kind')
    await w.get('[data-testid=opt-missing]').setValue('drop')
    await w.get('[data-testid=opt-size]').setValue('nope')
    expect(w.get('[data-testid=opt-error]').text()).toMatch(/Image size/)
    expect((w.get('[data-testid=import-submit]').element as HTMLButtonElement).disabled).toBe(true)
    await w.get('[data-testid=opt-size]').setValue('')
    await w.get('form').trigger('submit')
    await flush()
    expect(f.callsOf('datasets.import').map((c) => c.params)).toEqual([{ path: '/data/pets.csv', options: { label: 'kind', missing: 'drop' } }])
  })
})
