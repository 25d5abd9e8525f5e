import type { MenuAction } from '../../../shared/ipc'
import type { Theme } from '../../../shared/settings'
import { getApi } from '../api/index'
import { useApp } from '../stores/app'
import { useProject } from '../stores/project'
import { attempt } from '../stores/toasts'
import { useUi } from '../stores/ui'
import { useDatasets } from '../stores/datasets'
import { nextTick } from 'vue'

/**
 * File ▸ New / Open / Save As / Close, shared by the buttons, keyboard shortcuts and the native menu.
 * The desktop app asks with native dialogs; in a browser (ntkw serve) the user types a path.
 */
export function useFileActions() {
  const app = useApp()
  const project = useProject()
  const ui = useUi()
  const native = (): boolean => app.info?.nativeDialogs === true

  /** File ▸ New asks for a name and a place first, and fills the project with the example datasets. */
  async function newProject(): Promise<void> {
    if (!native()) {
      void project.loadRecent()
      ui.pathDialog = 'new'
      return
    }
    const path = await attempt(() => getApi().invoke('dialog.saveProject'))
    if (path && (await project.newProject(path, true))) ui.go('project')
  }

  async function open(): Promise<void> {
    if (!native()) {
      void project.loadRecent()
      ui.pathDialog = 'open'
      return
    }
    const path = await attempt(() => getApi().invoke('dialog.openProject'))
    if (path) await project.open(path)
  }

  async function saveAs(): Promise<void> {
    if (!project.current) return
    if (!native()) {
      ui.pathDialog = 'saveAs'
      return
    }
    const path = await attempt(() => getApi().invoke('dialog.saveProject'))
    if (path) await project.saveAs(path)
  }

  async function close(): Promise<void> {
    if (project.current) await project.close()
  }

  async function openRecent(path: string): Promise<void> {
    if (await project.open(path)) ui.go('project')
  }

  /** File ▸ Import Data: the native picker in the desktop app, else the Datasets page's path box. */
  async function importData(): Promise<void> {
    if (!project.current) return
    ui.go('datasets')
    if (native()) {
      const path = await attempt(() => getApi().invoke('dialog.openData'))
      if (path) await useDatasets().importPath(path)
      return
    }
    await nextTick()
    document.querySelector<HTMLInputElement>('[data-testid="import-path"]')?.focus()
  }

  function menu(p: { action: MenuAction; path?: string; theme?: string }): void {
    switch (p.action) {
      case 'new':
        void newProject()
        break
      case 'open':
        void open()
        break
      case 'saveAs':
        void saveAs()
        break
      case 'close':
        void close()
        break
      case 'openRecent':
        if (p.path) void openRecent(p.path)
        break
      case 'importData':
        void importData()
        break
      case 'about':
        ui.aboutOpen = true
        break
      case 'theme':
        if (p.theme === 'light' || p.theme === 'dark' || p.theme === 'system') void app.setTheme(p.theme as Theme)
        break
    }
  }

  return { newProject, open, saveAs, close, openRecent, importData, menu }
}
