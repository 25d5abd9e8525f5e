import { app, BrowserWindow, dialog, ipcMain } from 'electron'
import path from 'node:path'
import { existsSync } from 'node:fs'
import { Services } from '../services/services'
import { utilityLauncher } from './engine-launcher'
import { buildMenu } from './menu'
import { createMainWindow, isTrustedSender } from './window'
import { openStartupProject } from '../services/startup-project'

// Electron main: lifecycle, window, menu, dialogs, and the IPC router in front of the shared services.
let services: Services | null = null
let win: BrowserWindow | null = null
let pendingOpen: string | null = process.argv.find((a) => a.endsWith('.ntkw') && existsSync(a)) ?? null

if (!app.requestSingleInstanceLock()) app.quit()

app.on('second-instance', (_e, argv) => {
  const file = argv.find((a) => a.endsWith('.ntkw'))
  if (file && services) services.push('menu', { action: 'openRecent', path: path.resolve(file) })
  if (win) {
    if (win.isMinimized()) win.restore()
    win.focus()
  }
})

// macOS: double-clicked .ntkw files (fileAssociations) arrive here, possibly before ready.
app.on('open-file', (e, file) => {
  e.preventDefault()
  if (services) services.push('menu', { action: 'openRecent', path: file })
  else pendingOpen = file
})

function registerIpc(s: Services): void {
  ipcMain.handle('ntkw:invoke', async (e, method: unknown, params: unknown) => {
    if (!isTrustedSender(e.senderFrame?.url)) return { ok: false, error: { message: 'refused: untrusted sender', code: 'forbidden' } }
    if (typeof method !== 'string') return { ok: false, error: { message: 'method must be a string', code: 'bad_method' } }
    const r = await s.call(method, params)
    return 'error' in r ? { ok: false, error: r.error } : { ok: true, result: r.result }
  })
  s.onPush((event, payload) => {
    if (win && !win.isDestroyed()) win.webContents.send('ntkw:push', event, payload)
    if (event === 'project' && win) buildMenu(win, s)
  })
}

app.whenReady().then(async () => {
  const s = new Services({
    mode: 'electron',
    configDir: app.getPath('userData'),
    launcher: utilityLauncher,
    extraVersions: { electron: process.versions.electron, chrome: process.versions.chrome },
    dialogs: {
      openProject: async () => {
        const r = await dialog.showOpenDialog(win!, { title: 'Open project', properties: ['openFile'], filters: [{ name: 'NTK Workbench project', extensions: ['ntkw'] }] })
        return r.canceled ? null : (r.filePaths[0] ?? null)
      },
      openData: async () => {
        const r = await dialog.showOpenDialog(win!, {
          title: 'Import data',
          properties: ['openFile', 'openDirectory'],
          filters: [
            { name: 'Data', extensions: ['csv', 'tsv', 'txt', 'npy', 'npz', 'json', 'jsonl', 'ndjson', 'gz', 'idx', 'ubyte', 'idx1-ubyte', 'idx3-ubyte'] },
            { name: 'All files', extensions: ['*'] },
          ],
        })
        return r.canceled ? null : (r.filePaths[0] ?? null)
      },
      openFolder: async (title?: string) => {
        const r = await dialog.showOpenDialog(win!, { title: title ?? 'Choose a folder', properties: ['openDirectory', 'createDirectory'] })
        return r.canceled ? null : (r.filePaths[0] ?? null)
      },
      saveProject: async () => {
        const r = await dialog.showSaveDialog(win!, { title: 'Save project as', filters: [{ name: 'NTK Workbench project', extensions: ['ntkw'] }] })
        return r.canceled ? null : (r.filePath ?? null)
      },
    },
  })
  services = s
  registerIpc(s)
  try {
    await openStartupProject(s, pendingOpen)
  } catch (e) {
    dialog.showErrorBox('Could not open the project', (e as Error).message)
    s.project.create()
  }
  win = createMainWindow(s.settings)
  buildMenu(win, s)
  void s.engine.start().catch(() => undefined)
})

app.on('window-all-closed', () => {
  app.quit()
})

let quitting = false
app.on('before-quit', (e) => {
  if (quitting || !services) return
  e.preventDefault()
  quitting = true
  void services.dispose().finally(() => app.quit())
})
