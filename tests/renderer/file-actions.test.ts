// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { setApi } from '../../renderer/src/api/index'
import { useFileActions } from '../../renderer/src/composables/file-actions'
import { installShortcuts, shortcutFor } from '../../renderer/src/composables/shortcuts'
import { useApp } from '../../renderer/src/stores/app'
import { useProject } from '../../renderer/src/stores/project'
import { useUi } from '../../renderer/src/stores/ui'
import { fakeApi, flush } from './fake-api'
import type { AppInfo } from '../../shared/ipc'

const info = (nativeDialogs: boolean): AppInfo => ({
  appName: 'NTK Workbench', appVersion: '0.1.0', mode: nativeDialogs ? 'electron' : 'serve', versions: {}, platform: 'linux-x64', cores: 2, nativeDialogs, backend: null,
})
const project = (path: string) => ({ path, name: 'p', untitled: false, schemaVersion: 1, createdAt: 1 })

beforeEach(() => setActivePinia(createPinia()))

describe('keyboard shortcuts', () => {
  const key = (key: string, o: Partial<KeyboardEvent> = {}) => ({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...o })
  it('maps the File menu accelerators (Ctrl or Cmd)', () => {
    expect(shortcutFor(key('n', { ctrlKey: true }))).toBe('new')
    expect(shortcutFor(key('o', { metaKey: true }))).toBe('open')
    expect(shortcutFor(key('S', { ctrlKey: true, shiftKey: true }))).toBe('saveAs')
    expect(shortcutFor(key('w', { ctrlKey: true }))).toBe('close')
    expect(shortcutFor(key('s', { ctrlKey: true }))).toBeNull()
    expect(shortcutFor(key('o'))).toBeNull()
    expect(shortcutFor(key('o', { ctrlKey: true, altKey: true }))).toBeNull()
  })

  it('a keydown runs the action and prevents the browser default', () => {
    const seen: string[] = []
    const off = installShortcuts(window, (a) => seen.push(a))
    const e = new KeyboardEvent('keydown', { key: 'o', ctrlKey: true, cancelable: true })
    window.dispatchEvent(e)
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'x', ctrlKey: true }))
    off()
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'n', ctrlKey: true }))
    expect(seen).toEqual(['open'])
    expect(e.defaultPrevented).toBe(true)
  })
})

describe('file actions', () => {
  it('in a browser, Open and Save As ask for a path in the app', async () => {
    const f = fakeApi({ 'project.recent': () => [] })
    setApi(f.api)
    useApp().info = info(false)
    useProject().onPush(project('/a.ntkw'))
    const actions = useFileActions()
    await actions.open()
    expect(useUi().pathDialog).toBe('open')
    await actions.saveAs()
    expect(useUi().pathDialog).toBe('saveAs')
    expect(f.callsOf('dialog.openProject')).toEqual([])
  })

  it('with native dialogs, Open asks main and opens the chosen file; a cancelled dialog does nothing', async () => {
    let answer: string | null = '/chosen.ntkw'
    const f = fakeApi({ 'dialog.openProject': () => answer, 'project.open': (p) => project(p.path), 'project.recent': () => [] })
    setApi(f.api)
    useApp().info = info(true)
    const actions = useFileActions()
    await actions.open()
    expect(f.callsOf('project.open').map((c) => c.params)).toEqual([{ path: '/chosen.ntkw' }])
    expect(useUi().pathDialog).toBeNull()
    answer = null
    await actions.open()
    expect(f.callsOf('project.open')).toHaveLength(1)
  })

  it('menu events from the native menu run the same actions', async () => {
    const f = fakeApi({
      'dialog.saveProject': () => '/tmp/New.ntkw',
      'project.new': (p) => project(p?.path ?? '/tmp/Untitled.ntkw'),
      'project.open': (p) => project(p.path),
      'project.close': () => null,
      'project.recent': () => [],
      'settings.set': (p) => ({ theme: p.theme ?? 'system', backend: 'auto', autosaveSeconds: 30, compute: { mode: 'local' } }),
    })
    setApi(f.api)
    useApp().info = info(true)
    const actions = useFileActions()
    actions.menu({ action: 'new' })
    await flush()
    // New asks for a place first (native dialog), then creates the project there with the examples
    expect(useProject().current?.path).toBe('/tmp/New.ntkw')
    expect(f.callsOf('project.new').map((c) => c.params)).toEqual([{ path: '/tmp/New.ntkw', examples: true }])
    actions.menu({ action: 'openRecent', path: '/r.ntkw' })
    await flush()
    expect(useProject().current?.path).toBe('/r.ntkw')
    actions.menu({ action: 'close' })
    await flush()
    expect(useProject().current).toBeNull()
    actions.menu({ action: 'theme', theme: 'dark' })
    await flush()
    expect(useApp().theme).toBe('dark')
    actions.menu({ action: 'about' })
    expect(useUi().aboutOpen).toBe(true)
    expect(f.calls.map((c) => c.method).filter((m) => m !== 'project.recent')).toEqual(['dialog.saveProject', 'project.new', 'project.open', 'project.close', 'settings.set'])
  })
})
