import { Menu, app, dialog, type BrowserWindow, type MenuItemConstructorOptions } from 'electron'
import type { Services } from '../services/services'
import type { MenuAction } from '../../shared/ipc'

/** The native menu. File actions go to the renderer, which runs them through the same API as its buttons. */
export function buildMenu(win: BrowserWindow, services: Services): void {
  const send = (action: MenuAction, extra: { path?: string; theme?: string } = {}): void => {
    services.push('menu', { action, ...extra })
  }
  const recent = services.settings.recent().filter((r) => r.exists)
  const isMac = process.platform === 'darwin'
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'New Project', accelerator: 'CmdOrCtrl+N', click: () => send('new') },
        { label: 'Open Project…', accelerator: 'CmdOrCtrl+O', click: () => send('open') },
        {
          label: 'Open Recent',
          submenu: recent.length
            ? recent.map((r) => ({ label: `${r.name} — ${r.path}`, click: () => send('openRecent', { path: r.path }) }))
            : [{ label: 'No recent projects', enabled: false }],
        },
        { type: 'separator' },
        { label: 'Import Data…', accelerator: 'CmdOrCtrl+I', click: () => send('importData') },
        { type: 'separator' },
        { label: 'Save As…', accelerator: 'CmdOrCtrl+Shift+S', click: () => send('saveAs') },
        { label: 'Close Project', accelerator: 'CmdOrCtrl+W', click: () => send('close') },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        {
          label: 'Theme',
          submenu: (['system', 'light', 'dark'] as const).map((t) => ({
            label: t[0]!.toUpperCase() + t.slice(1),
            type: 'radio' as const,
            checked: services.settings.settings.theme === t,
            click: () => {
              services.settings.update({ theme: t })
              send('theme', { theme: t })
            },
          })),
        },
        { type: 'separator' },
        { role: 'reload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      role: 'help',
      submenu: [
        {
          label: 'About NTK Workbench',
          click: () => {
            const info = services.appInfo()
            const backend = info.backend
              ? `${info.backend.active}${info.backend.tried.filter((t) => !t.ok).map((t) => `\n  ${t.name}: ${t.reason}`).join('')}`
              : 'engine not started yet'
            void dialog.showMessageBox(win, {
              type: 'info',
              title: 'About NTK Workbench',
              message: `NTK Workbench ${info.appVersion}`,
              detail: [
                `Active backend: ${backend}`,
                `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node ${process.versions.node}`,
                ...Object.entries(info.versions).map(([k, v]) => `${k} ${v}`),
                `${info.platform}, ${info.cores} cores`,
              ].join('\n'),
            })
          },
        },
      ],
    },
  ]
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
  void app
}
