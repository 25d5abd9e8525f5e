import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { DatasetSummary } from '../../../shared/dataset'
import type { Experiment, RunSummary } from '../../../shared/project'
import { getApi } from '../api/index'
import { labRequirement, type Requirement } from '../forms/lab-requirements'
import { buildSpec, copyForm, defaultDataset, defaultForm, formFromSpec, isLabKind, type LabForm } from '../forms/lab-form'
import { useRuns } from './runs'
import { attempt, useToasts } from './toasts'

/**
 * Saved NTK Lab experiments (JobSpecs in the project) and the builder's form. The experiment being edited
 * is `selectedId` (null: a new, unsaved one); the run whose charts are shown is `shownRunId`.
 */
export const useExperiments = defineStore('experiments', () => {
  const list = shallowRef<Experiment[]>([])
  const datasets = shallowRef<DatasetSummary[]>([])
  const loaded = ref(false)
  const busy = ref(false)
  const selectedId = ref<string | null>(null)
  const form = ref<LabForm>(defaultForm())
  /** field → message from the last attempt to save */
  const errors = ref<Record<string, string>>({})
  const shownRunId = ref<string | null>(null)
  /** the form was edited since it was loaded or saved */
  const dirty = ref(false)
  /** counts edits, so a save that awaited the API knows whether the form changed meanwhile */
  let revision = 0
  // Sync: select() replaces the form and then clears the flag; edits through v-model set it.
  watch(form, () => {
    revision++
    dirty.value = true
  }, { deep: true, flush: 'sync' })
  /**
   * Saves run one after another: a Run pressed while a Duplicate is still being saved must update that copy,
   * not create a second one from a stale `selectedId`.
   */
  let saving: Promise<unknown> = Promise.resolve()
  function serial<T>(task: () => Promise<T>): Promise<T> {
    const next = saving.then(task, task)
    saving = next.catch(() => undefined)
    return next
  }

  const labList = computed(() => list.value.filter((e) => isLabKind(e.spec.kind)).sort((a, b) => b.updatedAt - a.updatedAt))
  const selected = computed(() => list.value.find((e) => e.id === selectedId.value) ?? null)
  const datasetName = computed(() => datasets.value.find((d) => d.id === form.value.datasetId)?.name)
  /** shape of one row of the chosen dataset (layered networks are checked against it) */
  const dataShape = computed(() => datasets.value.find((d) => d.id === form.value.datasetId)?.xShape.slice(1))
  /** whether the chosen dataset can feed this experiment (labels, a split with train and test parts) */
  const requirement = computed<Requirement>(() => labRequirement(datasets.value.find((d) => d.id === form.value.datasetId), loaded.value))

  /** Applies the offered fix (a split) to the dataset's recipe, then re-reads the datasets. */
  async function fixRequirement(): Promise<void> {
    const fix = requirement.value.fix
    const id = form.value.datasetId
    if (!fix || !id) return
    const saved = await attempt(() => getApi().invoke('datasets.setRecipe', { datasetId: id, recipe: fix.recipe }), 'Could not change the dataset recipe')
    if (saved) {
      datasets.value = datasets.value.map((d) => (d.id === saved.id ? saved : d))
      useToasts().push('success', `${saved.name}: ${fix.label.toLowerCase()} (seed 0); change it on the Datasets page`)
    }
  }

  /** Runs of an experiment, newest first (from the live runs store). */
  function runsOf(id: string | null): RunSummary[] {
    if (!id) return []
    return useRuns().list.filter((r) => r.experimentId === id)
  }

  async function load(): Promise<void> {
    const api = getApi()
    const [ex, ds] = await Promise.all([
      attempt(() => api.invoke('experiments.list'), 'Could not list experiments'),
      attempt(() => api.invoke('datasets.list'), 'Could not list datasets'),
    ])
    if (ex) list.value = ex
    if (ds) datasets.value = ds
    loaded.value = true
    if (!form.value.datasetId || !datasets.value.some((d) => d.id === form.value.datasetId)) {
      const wasDirty = dirty.value
      form.value = { ...copyForm(form.value), datasetId: defaultDataset(datasets.value) }
      dirty.value = wasDirty
    }
    // Keep showing what was shown; otherwise open the most recent experiment and its latest run.
    if (selectedId.value && !list.value.some((e) => e.id === selectedId.value)) selectedId.value = null
    if (!selectedId.value && !dirty.value && labList.value[0]) select(labList.value[0].id)
  }

  function reset(): void {
    list.value = []
    datasets.value = []
    loaded.value = false
    selectedId.value = null
    shownRunId.value = null
    errors.value = {}
    form.value = defaultForm()
    dirty.value = false
  }

  function select(id: string | null): void {
    errors.value = {}
    if (!id) {
      selectedId.value = null
      form.value = defaultForm(form.value.kind, form.value.datasetId || defaultDataset(datasets.value))
      shownRunId.value = null
      dirty.value = false
      return
    }
    const e = list.value.find((x) => x.id === id)
    if (!e) return
    selectedId.value = id
    form.value = formFromSpec(e.spec, e.name) ?? defaultForm()
    shownRunId.value = runsOf(id)[0]?.id ?? null
    dirty.value = false
  }

  /** Errors update as the user fixes them, once a save attempt showed them. */
  watch(form, (f) => {
    if (Object.keys(errors.value).length) errors.value = buildSpec(f, datasetName.value, dataShape.value).errors
  }, { deep: true })

  function setForm(f: LabForm): void {
    form.value = f
  }

  function upsert(e: Experiment): void {
    list.value = [...list.value.filter((x) => x.id !== e.id), e]
  }

  /**
   * Saves the form as it is when the save starts (the form is the single source of the spec); edits made
   * while the API answers stay in the form and keep it marked as edited.
   */
  function save(): Promise<Experiment | undefined> {
    return serial(async () => {
      const built = buildSpec(form.value, datasetName.value, dataShape.value)
      errors.value = built.errors
      if (!built.spec) return undefined
      busy.value = true
      try {
        const spec = built.spec
        const name = (spec as { name?: string }).name ?? 'experiment'
        const id = selectedId.value
        const rev = revision
        const saved = await attempt(() => getApi().invoke('experiments.save', { ...(id ? { id } : {}), name, spec: spec as never }), 'Could not save the experiment')
        if (!saved) return undefined
        upsert(saved)
        selectedId.value = saved.id
        dirty.value = revision !== rev
        return saved
      } finally {
        busy.value = false
      }
    })
  }

  /** Saves the form, then starts a run of it; the charts switch to that run. */
  async function run(): Promise<string | undefined> {
    // Refuse what would fail after the click; a dataset this window has not listed yet is the engine's to check.
    const ds = datasets.value.find((d) => d.id === form.value.datasetId)
    if (ds && !labRequirement(ds, true).ok) return undefined
    const saved = await save()
    if (!saved) return undefined
    const got = await attempt(() => getApi().invoke('experiments.run', { experimentId: saved.id }), 'Could not start the experiment')
    if (!got) return undefined
    upsert({ ...saved, runs: saved.runs + 1 })
    shownRunId.value = got.runId
    // The 'queued' push normally brings the summary; fetch it in case this window missed it.
    const runs = useRuns()
    if (!runs.get(got.runId)) {
      const d = await attempt(() => getApi().invoke('runs.get', { runId: got.runId }))
      if (d && !runs.get(got.runId)) runs.onJob({ runId: got.runId, event: { type: 'queued', t: Date.now() }, summary: d.summary })
    }
    return got.runId
  }

  /**
   * The copy becomes the form at once, before any await: an edit made a moment after the click belongs to the
   * copy and is what its next run computes (no API answer may overwrite the form later).
   */
  async function duplicate(id: string): Promise<void> {
    const source = list.value.find((e) => e.id === id)
    if (!source) return
    const base = selectedId.value === id ? form.value : (formFromSpec(source.spec, source.name) ?? form.value)
    errors.value = {}
    selectedId.value = null
    shownRunId.value = null
    form.value = { ...copyForm(base), name: `${base.name || source.name} (copy)` }
    const copy = await save()
    if (copy) useToasts().push('success', `Duplicated as ${copy.name}`)
  }

  async function remove(id: string): Promise<void> {
    const ok = await attempt(() => getApi().invoke('experiments.delete', { experimentId: id }), 'Could not delete the experiment')
    if (ok === undefined) return
    list.value = list.value.filter((e) => e.id !== id)
    if (selectedId.value === id) select(null)
  }

  return { list, labList, datasets, loaded, busy, selectedId, selected, form, errors, dirty, shownRunId, datasetName, dataShape, requirement, fixRequirement, runsOf, load, reset, select, setForm, save, run, duplicate, remove }
})
