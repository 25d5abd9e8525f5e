import { defineStore } from 'pinia'
import { ref, watch, type Ref } from 'vue'
import { defaultDataset, defaultForm, isLabKind } from '../forms/lab-form'
import type { useExperiments } from './experiments'
import { useProject } from './project'

// Every page keeps its form per project, across navigation (the page's component is unmounted) and reloads:
// the form is saved in localStorage under the project's path and the form's name, restored when the page
// mounts and when another project opens. Only fields the form still has, with the same type, are restored,
// so a form that gained or renamed a field after an update starts from its defaults for those (one level down
// too: a nested object such as the architecture keeps its new fields' defaults).

const PREFIX = 'ntkw.form.'

function sameShape(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b)
  if (a === null || b === null) return a === b || typeof (a ?? b) !== 'object'
  return typeof a === typeof b
}

const plain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `defaults` with each top-level field replaced by `saved`'s when that has the same kind of value (objects: field by field) */
export function mergeSaved<T extends object>(defaults: T, saved: unknown): T {
  if (!saved || typeof saved !== 'object' || Array.isArray(saved)) return defaults
  const out = { ...defaults } as Record<string, unknown>
  for (const [k, v] of Object.entries(defaults)) {
    const s = (saved as Record<string, unknown>)[k]
    if (k in saved && sameShape(v, s)) out[k] = plain(v) && plain(s) ? { ...v, ...s } : s
  }
  return out as T
}

export const useForms = defineStore('forms', () => {
  const project = useProject()
  const storageKey = (name: string): string => `${PREFIX}${project.current?.path ?? '(none)'}\u0000${name}`

  function read(name: string): unknown {
    try {
      const raw = localStorage.getItem(storageKey(name))
      return raw ? JSON.parse(raw) : null
    } catch {
      return null // a damaged entry or no storage: the defaults
    }
  }

  function write(name: string, value: unknown): void {
    try {
      localStorage.setItem(storageKey(name), JSON.stringify(value))
    } catch {
      // storage full or disabled: the form still works, it is only not kept
    }
  }

  /**
   * The page's form `name`, kept per project. Call from a component's setup: the watchers end with it. The
   * returned ref's object stays the same (restores assign into it), so `kept.value` may be held as reactive.
   */
  function kept<T extends object>(name: string, defaults: () => T): Ref<T> {
    const form = ref(mergeSaved(defaults(), read(name))) as Ref<T>
    watch(
      () => project.current?.path,
      () => Object.assign(form.value, mergeSaved(defaults(), read(name))),
    )
    watch(
      form,
      () => {
        if (project.current) write(name, form.value)
      },
      { deep: true },
    )
    return form
  }

  /**
   * A form another store owns and reloads (the NTK Lab's experiment builder: its view resets and reloads the
   * store on every visit). Call from the page's setup: each time `ready()` turns true (the store loaded), the
   * draft saved for this project is handed to `restore`; from then on every change is saved.
   */
  function keepDraft<T>(name: string, d: Draft<T>): void {
    let live = false
    watch(
      d.ready,
      (ready) => {
        live = false
        if (!ready) return
        const saved = read(name)
        if (saved !== null) d.restore(saved)
        live = true
      },
      { immediate: true },
    )
    watch(
      d.snapshot,
      (v) => {
        if (live && d.ready() && project.current) write(name, v)
      },
      { deep: true },
    )
  }

  return { kept, keepDraft }
})

export interface Draft<T> {
  ready: () => boolean
  snapshot: () => T
  restore: (saved: unknown) => void
}

/**
 * The NTK Lab builder's draft: which experiment is open, and its unsaved edits (or a new experiment's form).
 * A saved draft whose experiment was deleted meanwhile is dropped; a dataset that is gone is replaced.
 */
export function labDraft(exp: ReturnType<typeof useExperiments>): Draft<{ selectedId: string | null; dirty: boolean; form: unknown }> {
  return {
    ready: () => exp.loaded,
    snapshot: () => ({ selectedId: exp.selectedId, dirty: exp.dirty, form: exp.form }),
    restore(saved) {
      if (!plain(saved)) return
      const { selectedId, dirty, form } = saved
      if (typeof selectedId === 'string' && exp.list.some((e) => e.id === selectedId)) exp.select(selectedId)
      else if (selectedId === null && dirty === true) exp.select(null)
      else return
      if (dirty !== true || !plain(form)) return
      const f = mergeSaved(defaultForm(typeof form.kind === 'string' && isLabKind(form.kind) ? form.kind : exp.form.kind), form)
      exp.setForm(exp.datasets.some((x) => x.id === f.datasetId) ? f : { ...f, datasetId: defaultDataset(exp.datasets) })
    },
  }
}
