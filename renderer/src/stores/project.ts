import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ProjectInfo, RecentEntry } from '../../../shared/project'
import { getApi } from '../api/index'
import { attempt, useToasts } from './toasts'

/** The open project file and the recent list. Main pushes 'project' whenever the open project changes. */
export const useProject = defineStore('project', () => {
  const current = ref<ProjectInfo | null>(null)
  const recent = ref<RecentEntry[]>([])
  const loaded = ref(false)
  const busy = ref(false)

  async function load(): Promise<void> {
    const got = await attempt(() => getApi().invoke('project.current'), 'Could not read the open project')
    if (got !== undefined) current.value = got
    loaded.value = true
  }

  async function loadRecent(): Promise<void> {
    const got = await attempt(() => getApi().invoke('project.recent'), 'Could not read recent projects')
    if (got) recent.value = got
  }

  async function run(label: string, fn: () => Promise<ProjectInfo | null>, done?: (p: ProjectInfo | null) => string): Promise<boolean> {
    busy.value = true
    try {
      const p = await attempt(fn, label)
      if (p === undefined) return false
      current.value = p
      if (done) useToasts().push('success', done(p))
      void loadRecent()
      return true
    } finally {
      busy.value = false
    }
  }

  const newProject = (path?: string, examples = false): Promise<boolean> =>
    run('Could not create the project', () => getApi().invoke('project.new', { ...(path ? { path } : {}), ...(examples ? { examples } : {}) }), (p) => `Created ${p?.name ?? 'project'}${examples ? ' with the example datasets' : ''}`)
  const open = (path: string): Promise<boolean> =>
    run('Could not open the project', () => getApi().invoke('project.open', { path }), (p) => `Opened ${p?.name ?? 'project'}`)
  const saveAs = (path: string): Promise<boolean> =>
    run('Could not save the project', () => getApi().invoke('project.saveAs', { path }), (p) => `Saved as ${p?.path ?? path}`)
  const close = (): Promise<boolean> => run('Could not close the project', () => getApi().invoke('project.close'))

  function onPush(p: ProjectInfo | null): void {
    current.value = p
  }

  return { current, recent, loaded, busy, load, loadRecent, newProject, open, saveAs, close, onPush }
})
