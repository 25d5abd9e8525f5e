import { defineStore } from 'pinia'
import type { ImportOptionsInput } from '../../../shared/dataset'
import { computed, ref, shallowRef, watch } from 'vue'
import type { DatasetPreview, DatasetSummary, Recipe } from '../../../shared/dataset'
import type { EventPayload } from '../../../shared/ipc'
import { getApi } from '../api/index'
import { useProject } from './project'
import { attempt, useToasts } from './toasts'

export interface PendingImport {
  runId: string
  /** what the user asked to import (a path or example:NAME) */
  path: string
}

/** Rows fetched per preview page: small enough to stay fast on million-row datasets. */
export const PAGE_ROWS = 100
/** Image datasets show a grid of thumbnails per page instead. */
export const PAGE_IMAGES = 48

/**
 * The open project's datasets, the selected one's preview page, and imports started from this window.
 * An import is a job: the dataset appears when its 'dataset-import' run succeeds (the 'job' push).
 */
export const useDatasets = defineStore('datasets', () => {
  const list = ref<DatasetSummary[]>([])
  const loaded = ref(false)
  const selectedId = ref<string | null>(null)
  const preview = shallowRef<DatasetPreview | null>(null)
  const previewLoading = ref(false)
  const pending = ref<PendingImport[]>([])
  let previewSeq = 0

  const selected = computed(() => list.value.find((d) => d.id === selectedId.value) ?? null)

  async function load(): Promise<void> {
    const got = await attempt(() => getApi().invoke('datasets.list'), 'Could not list datasets')
    if (got) {
      list.value = [...got].sort((a, b) => b.createdAt - a.createdAt)
      if (selectedId.value && !got.some((d) => d.id === selectedId.value)) {
        selectedId.value = null
        preview.value = null
      }
      if (!selectedId.value && list.value[0]) void select(list.value[0].id)
    }
    loaded.value = true
  }

  function reset(): void {
    list.value = []
    loaded.value = false
    selectedId.value = null
    preview.value = null
    pending.value = []
  }

  function pageSize(d: DatasetSummary | null = selected.value): number {
    return d && d.xShape.length >= 3 ? PAGE_IMAGES : PAGE_ROWS
  }

  /** Fetches one page of rows; a newer request wins over a slower older one. */
  async function loadPage(offset: number): Promise<void> {
    const id = selectedId.value
    if (!id) return
    const seq = ++previewSeq
    previewLoading.value = true
    const rows = selected.value?.rows ?? 0
    const size = pageSize()
    const start = Math.max(0, Math.min(Math.floor(offset / size) * size, Math.max(0, rows - 1)))
    const got = await attempt(() => getApi().invoke('datasets.preview', { datasetId: id, offset: start, limit: size }), 'Could not read the dataset')
    if (seq !== previewSeq) return
    previewLoading.value = false
    if (got) preview.value = got
  }

  async function select(id: string): Promise<void> {
    if (selectedId.value !== id) preview.value = null
    selectedId.value = id
    await loadPage(0)
  }

  /** Starts importing a file (or example:NAME); returns the run id. */
  async function importPath(path: string, options?: ImportOptionsInput): Promise<string | undefined> {
    const p = path.trim()
    if (!p) return undefined
    const params = options && Object.keys(options).length > 0 ? { path: p, options } : { path: p }
    const got = await attempt(() => getApi().invoke('datasets.import', params), `Could not import ${p}`)
    if (!got) return undefined
    trackImport(got.runId, p)
    return got.runId
  }

  /** An import started elsewhere (a browser drop's upload): the list refreshes and selects it when it lands. */
  function trackImport(runId: string, what: string): void {
    pending.value = [...pending.value, { runId, path: what }]
  }

  function onJob(p: EventPayload<'job'>): void {
    if (p.summary.kind !== 'dataset-import') return
    const t = p.event.type
    if (t !== 'done' && t !== 'failed' && t !== 'cancelled') return
    const mine = pending.value.find((i) => i.runId === p.runId)
    pending.value = pending.value.filter((i) => i.runId !== p.runId)
    // failures are toasted by the runs store (message + hint); here only the list changes
    if (t !== 'done') return
    void load().then(() => {
      const hash = p.summary.datasetHash
      const made = list.value.find((d) => d.hash === hash)
      if (mine && made) {
        // summaries from an older server may lack the recipe
        const r = (made as Partial<typeof made>).recipe
        const sp = r?.split
        const recipe = [sp ? `split ${Math.round(sp.train * 100)} / ${Math.round(sp.validation * 100)} / ${Math.round((1 - sp.train - sp.validation) * 100)}` : 'no split', !r || r.scale === 'none' ? 'values as they are' : r.scale === 'standardize' ? 'standardised' : 'min–max scaled']
        useToasts().push('success', `Imported ${made.name}: ${made.rows.toLocaleString('en-US')} rows`, `Recipe: ${recipe.join(', ')}; change it under Recipe below.`)
        void select(made.id)
      }
    })
  }

  /** Stores the recipe; refreshes the summary and the preview (split counts). */
  async function applyRecipe(recipe: Recipe): Promise<boolean> {
    const id = selectedId.value
    if (!id) return false
    const got = await attempt(() => getApi().invoke('datasets.setRecipe', { datasetId: id, recipe }), 'Could not apply the recipe')
    if (!got) return false
    list.value = list.value.map((d) => (d.id === got.id ? got : d))
    await loadPage(preview.value?.offset ?? 0)
    return true
  }

  async function remove(id: string): Promise<boolean> {
    const ok = await attempt(() => getApi().invoke('datasets.delete', { datasetId: id }), 'Could not delete the dataset')
    if (ok === undefined) return false
    const gone = list.value.find((d) => d.id === id)
    list.value = list.value.filter((d) => d.id !== id)
    if (selectedId.value === id) {
      selectedId.value = null
      preview.value = null
      if (list.value[0]) void select(list.value[0].id)
    }
    if (gone) useToasts().push('info', `Deleted ${gone.name}`)
    return true
  }

  // A different project is open: its datasets replace the old ones.
  const project = useProject()
  watch(
    () => project.current?.path,
    (path) => {
      reset()
      if (path) void load()
      else loaded.value = true
    },
  )

  return { list, loaded, selectedId, selected, preview, previewLoading, pending, load, reset, pageSize, loadPage, select, importPath, trackImport, onJob, applyRecipe, remove }
})
