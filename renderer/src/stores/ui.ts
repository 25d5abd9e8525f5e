import { defineStore } from 'pinia'
import { ref, watch } from 'vue'

export const PAGES = ['project', 'datasets', 'ntk-lab', 'models', 'distill', 'quantize', 'runs'] as const
export type Page = (typeof PAGES)[number]

function pageFromHash(): Page {
  const h = typeof location === 'undefined' ? '' : location.hash.replace(/^#\/?/, '').split('/')[0]
  return (PAGES as readonly string[]).includes(h ?? '') ? (h as Page) : 'project'
}

export type PathDialogMode = 'open' | 'saveAs' | 'new'

/** Which page is shown (kept in the URL hash so reload stays put), panels and dialogs. */
export const useUi = defineStore('ui', () => {
  const page = ref<Page>(pageFromHash())
  const jobsPanelOpen = ref(true)
  const pathDialog = ref<PathDialogMode | null>(null)
  const aboutOpen = ref(false)
  /** run selected on the Runs page */
  const selectedRunId = ref<string | null>(null)

  watch(page, (p) => {
    if (typeof history !== 'undefined') history.replaceState(history.state, '', `#/${p}`)
  })
  if (typeof window !== 'undefined') window.addEventListener('hashchange', () => (page.value = pageFromHash()))

  function go(p: Page): void {
    page.value = p
  }

  function showRun(id: string): void {
    selectedRunId.value = id
    page.value = 'runs'
  }

  return { page, jobsPanelOpen, pathDialog, aboutOpen, selectedRunId, go, showRun }
})
