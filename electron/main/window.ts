import { BrowserWindow, screen, session, shell } from 'electron'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { SettingsStore } from '../services/settings-store'

const here = path.dirname(fileURLToPath(import.meta.url))
const RENDERER_HTML = path.join(here, '../renderer/index.html')

/** URL the renderer is loaded from; IPC from any other frame is refused. */
export function rendererUrl(): string {
  return process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(RENDERER_HTML).href
}

export function isTrustedSender(frameUrl: string | undefined): boolean {
  if (!frameUrl) return false
  const base = rendererUrl()
  if (base.startsWith('file:')) return frameUrl.split('#')[0]!.split('?')[0] === base
  return new URL(frameUrl).origin === new URL(base).origin
}

function visibleBounds(b: { x?: number; y?: number; width: number; height: number }): { x?: number; y?: number; width: number; height: number } {
  if (b.x === undefined || b.y === undefined) return b
  const onScreen = screen.getAllDisplays().some((d) => {
    const a = d.workArea
    return b.x! < a.x + a.width - 50 && b.x! + b.width > a.x + 50 && b.y! >= a.y - 10 && b.y! < a.y + a.height - 50
  })
  return onScreen ? b : { width: b.width, height: b.height }
}

export function createMainWindow(settings: SettingsStore): BrowserWindow {
  const saved = settings.window
  const bounds = visibleBounds(saved ?? { width: 1360, height: 860 })
  const win = new BrowserWindow({
    ...bounds,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'NTK Workbench',
    backgroundColor: '#1d2026',
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  })
  if (saved?.maximized) win.maximize()
  win.once('ready-to-show', () => win.show())

  // Persist size and position (debounced), restored on the next start.
  let timer: NodeJS.Timeout | null = null
  const remember = (): void => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      if (win.isDestroyed()) return
      const b = win.getNormalBounds()
      settings.setWindow({ x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() })
    }, 400)
  }
  for (const ev of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(ev as 'resize', remember)

  // Lock navigation: the app is one page; links to the web open in the user's browser.
  win.webContents.on('will-navigate', (e, url) => {
    if (url !== win.webContents.getURL()) e.preventDefault()
  })
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false))
  void win.loadURL(rendererUrl())
  return win
}
