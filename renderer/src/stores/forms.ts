import { defineStore } from 'pinia'
import { ref, watch, type Ref } from 'vue'
import { useProject } from './project'

// Every page keeps its form per project, across navigation (the page's component is unmounted) and reloads:
// the form is saved in localStorage under the project's path and the form's name, restored when the page
// mounts and when another project opens. Only fields the form still has, with the same type, are restored,
// so a form that gained or renamed a field after an update starts from its defaults for those.

const PREFIX = 'ntkw.form.'

function sameShape(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b)
  if (a === null || b === null) return a === b || typeof (a ?? b) !== 'object'
  return typeof a === typeof b
}

/** `defaults` with each top-level field replaced by `saved`'s when that has the same kind of value */
export function mergeSaved<T extends object>(defaults: T, saved: unknown): T {
  if (!saved || typeof saved !== 'object' || Array.isArray(saved)) return defaults
  const out = { ...defaults } as Record<string, unknown>
  for (const [k, v] of Object.entries(defaults)) {
    const s = (saved as Record<string, unknown>)[k]
    if (k in saved && sameShape(v, s)) out[k] = s
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

  return { kept }
})
