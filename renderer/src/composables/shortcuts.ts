import type { MenuAction } from '../../../shared/ipc'

/**
 * The File menu's accelerators, for the browser (in the desktop app the native menu owns them and
 * sends 'menu' events instead, so these are only installed when there is no native menu).
 */
export function shortcutFor(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>): MenuAction | null {
  const mod = e.ctrlKey || e.metaKey
  if (!mod || e.altKey) return null
  const k = e.key.toLowerCase()
  if (k === 'n' && !e.shiftKey) return 'new'
  if (k === 'o' && !e.shiftKey) return 'open'
  if (k === 's' && e.shiftKey) return 'saveAs'
  if (k === 'w' && !e.shiftKey) return 'close'
  return null
}

export function installShortcuts(target: Pick<Window, 'addEventListener' | 'removeEventListener'>, run: (a: MenuAction) => void): () => void {
  const handler = (e: KeyboardEvent): void => {
    const action = shortcutFor(e)
    if (!action) return
    e.preventDefault()
    run(action)
  }
  target.addEventListener('keydown', handler as EventListener)
  return () => target.removeEventListener('keydown', handler as EventListener)
}
