// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { setApi } from '../../renderer/src/api/index'
import { useApp } from '../../renderer/src/stores/app'
import { useProject } from '../../renderer/src/stores/project'
import { useRuns } from '../../renderer/src/stores/runs'
import { useToasts } from '../../renderer/src/stores/toasts'
import { ApiError } from '../../renderer/src/api/errors'
import { fakeApi, flush, summary } from './fake-api'
import type { Settings } from '../../shared/settings'

beforeEach(() => {
  setActivePinia(createPinia())
  localStorage.clear()
})

describe('runs store', () => {
  it('job events update the run: progress, message, eta, then the terminal state', () => {
    setApi(fakeApi().api)
    const runs = useRuns()
    runs.onJob({ runId: 'run-1', event: { type: 'queued', t: 1 }, summary: summary({ state: 'queued' }) })
    expect(runs.active.map((r) => r.id)).toEqual(['run-1'])
    runs.onJob({
      runId: 'run-1',
      event: { type: 'progress', t: 2, fraction: 0.4, message: 'matmul 512', eta: 3 },
      summary: summary({ progress: 0.4, message: 'matmul 512', eta: 3 }),
    })
    expect(runs.running).toMatchObject({ id: 'run-1', progress: 0.4, message: 'matmul 512', eta: 3 })
    runs.onJob({ runId: 'run-1', event: { type: 'done', t: 3, result: {} }, summary: summary({ state: 'succeeded', progress: 1 }) })
    expect(runs.running).toBeNull()
    expect(runs.active).toEqual([])
    // finished jobs of this session stay in the jobs panel
    expect(runs.panel.map((r) => [r.id, r.state])).toEqual([['run-1', 'succeeded']])
    expect(runs.finishTicks['run-1']).toBe(1)
  })

  it('lists newest first and counts metric events per run', () => {
    setApi(fakeApi().api)
    const runs = useRuns()
    runs.onJob({ runId: 'a', event: { type: 'started', t: 1, backend: 'wasm' }, summary: summary({ id: 'a', createdAt: 10 }) })
    runs.onJob({ runId: 'b', event: { type: 'queued', t: 1 }, summary: summary({ id: 'b', createdAt: 20, state: 'queued' }) })
    runs.onJob({ runId: 'a', event: { type: 'metric', t: 2, name: 'm', step: 1, value: 2 }, summary: summary({ id: 'a', createdAt: 10 }) })
    runs.onJob({ runId: 'a', event: { type: 'metric', t: 3, name: 'm', step: 2, value: 3 }, summary: summary({ id: 'a', createdAt: 10 }) })
    expect(runs.list.map((r) => r.id)).toEqual(['b', 'a'])
    expect(runs.metricTicks).toEqual({ a: 2 })
  })

  it('cancel calls jobs.cancel with the run id and marks it cancelling until the terminal event', async () => {
    const f = fakeApi({ 'jobs.cancel': () => ({ state: 'running' }) })
    setApi(f.api)
    const runs = useRuns()
    runs.onJob({ runId: 'run-1', event: { type: 'started', t: 1, backend: 'wasm' }, summary: summary() })
    await runs.cancel('run-1')
    expect(f.callsOf('jobs.cancel')).toEqual([{ method: 'jobs.cancel', params: { runId: 'run-1' } }])
    expect(runs.cancelRequested['run-1']).toBeTypeOf('number')
    runs.onJob({ runId: 'run-1', event: { type: 'cancelled', t: 2 }, summary: summary({ state: 'cancelled' }) })
    expect(runs.cancelRequested['run-1']).toBeUndefined()
    expect(runs.get('run-1')?.state).toBe('cancelled')
  })

  it('a failed cancel shows the server message and hint, and clears the cancelling mark', async () => {
    setApi(
      fakeApi({
        'jobs.cancel': () => {
          throw new ApiError({ message: 'no run x', code: 'not_found', hint: 'Refresh the list' })
        },
      }).api,
    )
    const runs = useRuns()
    await runs.cancel('x')
    expect(runs.cancelRequested.x).toBeUndefined()
    expect(useToasts().toasts).toMatchObject([{ kind: 'error', message: 'Could not cancel the job: no run x', hint: 'Refresh the list' }])
  })

  it('a failed job raises an error toast with its message and hint', () => {
    setApi(fakeApi().api)
    const runs = useRuns()
    runs.onJob({
      runId: 'run-1',
      event: { type: 'failed', t: 1, error: 'engine crashed', hint: 'Run it again' },
      summary: summary({ state: 'failed', error: 'engine crashed' }),
    })
    expect(useToasts().toasts).toMatchObject([{ kind: 'error', message: 'Backend benchmark failed: engine crashed', hint: 'Run it again' }])
  })

  it('load replaces the list; submit records the run for the jobs panel; remove deletes it', async () => {
    const f = fakeApi({
      'runs.list': () => [summary({ id: 'old', state: 'succeeded', createdAt: 1 })],
      'jobs.submit': () => ({ runId: 'new' }),
      'runs.get': () => ({ summary: summary({ id: 'new', state: 'queued', createdAt: 2 }), spec: {}, result: null, versions: {}, logs: [], metricNames: [], artifacts: [] }),
      'runs.delete': () => null,
    })
    setApi(f.api)
    const runs = useRuns()
    await runs.load()
    expect(runs.list.map((r) => r.id)).toEqual(['old'])
    expect(runs.panel).toEqual([]) // history is not "this session"
    const id = await runs.submit({ kind: 'backend-benchmark', matmulSizes: [64] })
    expect(id).toBe('new')
    expect(f.callsOf('jobs.submit')[0]!.params).toEqual({ spec: { kind: 'backend-benchmark', matmulSizes: [64] } })
    expect(runs.panel.map((r) => r.id)).toEqual(['new'])
    expect(await runs.remove('old')).toBe(true)
    expect(f.callsOf('runs.delete')[0]!.params).toEqual({ runId: 'old' })
    expect(runs.list.map((r) => r.id)).toEqual(['new'])
  })
})

describe('app store: theme', () => {
  const settings = (theme: Settings['theme']): Settings => ({ theme, backend: 'auto', autosaveSeconds: 30, compute: { mode: 'local' } })

  it('setTheme saves the setting and toggles the document class', async () => {
    const f = fakeApi({ 'settings.set': (p) => settings(p.theme ?? 'system') })
    setApi(f.api)
    const app = useApp()
    await app.setTheme('dark')
    await flush()
    expect(document.documentElement.classList.contains('dark')).toBe(true)
    expect(document.documentElement.classList.contains('light')).toBe(false)
    expect(f.callsOf('settings.set')[0]!.params).toEqual({ theme: 'dark' })
    await app.setTheme('light')
    await flush()
    expect(document.documentElement.classList.contains('dark')).toBe(false)
    expect(document.documentElement.classList.contains('light')).toBe(true)
    expect(app.settings?.theme).toBe('light')
  })

  it('system follows prefers-color-scheme', async () => {
    setApi(fakeApi({ 'settings.set': (p) => settings(p.theme ?? 'system') }).api)
    const app = useApp()
    await app.setTheme('system')
    app.systemDark = true
    await flush()
    expect(app.effectiveTheme).toBe('dark')
    expect(document.documentElement.classList.contains('dark')).toBe(true)
    app.systemDark = false
    await flush()
    expect(document.documentElement.classList.contains('dark')).toBe(false)
  })

  it('cycleTheme goes system → light → dark → system', async () => {
    setApi(fakeApi({ 'settings.set': (p) => settings(p.theme ?? 'system') }).api)
    const app = useApp()
    const seen: string[] = []
    for (let i = 0; i < 3; i++) {
      await app.cycleTheme()
      seen.push(app.theme)
    }
    expect(seen).toEqual(['light', 'dark', 'system'])
  })

  it('keeps the previous theme when saving fails', async () => {
    setApi(
      fakeApi({
        'settings.set': () => {
          throw new ApiError({ message: 'disk full', code: 'io' })
        },
      }).api,
    )
    const app = useApp()
    app.applyTheme('light')
    await app.setTheme('dark')
    expect(app.theme).toBe('light')
    expect(useToasts().toasts[0]?.message).toContain('disk full')
  })

  it('settings from main set the theme', async () => {
    setApi(fakeApi({ 'settings.get': () => settings('dark') }).api)
    const app = useApp()
    await app.loadSettings()
    expect(app.theme).toBe('dark')
  })
})

describe('project store', () => {
  const info = (path: string, untitled = false) => ({ path, name: path.split('/').pop()!.replace('.ntkw', ''), untitled, schemaVersion: 1, createdAt: 1 })

  it('open/saveAs/close call the contract and track the current project', async () => {
    const f = fakeApi({
      'project.open': (p) => info(p.path),
      'project.saveAs': (p) => info(p.path),
      'project.close': () => null,
      'project.recent': () => [],
    })
    setApi(f.api)
    const project = useProject()
    expect(await project.open('/d/a.ntkw')).toBe(true)
    expect(project.current?.name).toBe('a')
    expect(await project.saveAs('/d/b.ntkw')).toBe(true)
    expect(project.current?.path).toBe('/d/b.ntkw')
    expect(await project.close()).toBe(true)
    expect(project.current).toBeNull()
    expect(f.calls.filter((c) => c.method !== 'project.recent').map((c) => c.method)).toEqual(['project.open', 'project.saveAs', 'project.close'])
  })

  it('a failed open keeps the current project and shows why', async () => {
    setApi(
      fakeApi({
        'project.open': () => {
          throw new ApiError({ message: '/d/x.txt is not an NTK Workbench project', code: 'not_project', hint: 'Choose a .ntkw file' })
        },
      }).api,
    )
    const project = useProject()
    project.onPush(info('/d/a.ntkw'))
    expect(await project.open('/d/x.txt')).toBe(false)
    expect(project.current?.path).toBe('/d/a.ntkw')
    expect(useToasts().toasts[0]).toMatchObject({ kind: 'error', hint: 'Choose a .ntkw file' })
  })
})
