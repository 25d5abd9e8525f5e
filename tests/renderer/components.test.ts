// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { setApi } from '../../renderer/src/api/index'
import { useApp } from '../../renderer/src/stores/app'
import { useProject } from '../../renderer/src/stores/project'
import { useRuns } from '../../renderer/src/stores/runs'
import { useUi } from '../../renderer/src/stores/ui'
import JobsPanel from '../../renderer/src/components/JobsPanel.vue'
import StatusBar from '../../renderer/src/components/StatusBar.vue'
import PathDialog from '../../renderer/src/components/PathDialog.vue'
import BenchmarkResultView from '../../renderer/src/components/BenchmarkResultView.vue'
import { fakeApi, flush, summary } from './fake-api'
import type { AppInfo } from '../../shared/ipc'

let pinia: Pinia
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})

const appInfo = (nativeDialogs: boolean): AppInfo => ({
  appName: 'NTK Workbench',
  appVersion: '0.1.0',
  mode: 'serve',
  versions: {},
  platform: 'linux-x64',
  cores: 2,
  nativeDialogs,
  backend: { active: 'wasm', choice: 'wasm', tried: [], requested: 'auto', tfjsVersion: '4.22.0', wasmSimd: true },
})

describe('JobsPanel', () => {
  it('shows each active job with its progress and ETA, and Cancel calls jobs.cancel', async () => {
    const f = fakeApi({ 'jobs.cancel': () => ({ state: 'running' }) })
    setApi(f.api)
    const runs = useRuns()
    runs.onJob({
      runId: 'run-1',
      event: { type: 'progress', t: 1, fraction: 0.25, message: 'matmul 1024', eta: 12 },
      summary: summary({ progress: 0.25, message: 'matmul 1024', eta: 12 }),
    })
    runs.onJob({ runId: 'run-1', event: { type: 'started', t: 0, backend: 'wasm' }, summary: summary({ progress: 0.25, message: 'matmul 1024', eta: 12 }) })
    const w = mount(JobsPanel, { global: { plugins: [pinia] } })
    const item = w.get('[data-testid=job-item]')
    expect(item.attributes('data-state')).toBe('running')
    expect(item.get('[role=progressbar]').attributes('aria-valuenow')).toBe('25')
    expect(item.text()).toContain('matmul 1024')
    expect(item.text()).toContain('12 s left')

    await item.get('[data-testid=job-cancel]').trigger('click')
    await flush()
    expect(f.callsOf('jobs.cancel').map((c) => c.params)).toEqual([{ runId: 'run-1' }])
    expect(w.get('[data-testid=job-item]').text()).toContain('cancelling')
    expect(w.get('[data-testid=job-cancel]').attributes('disabled')).toBeDefined()

    runs.onJob({ runId: 'run-1', event: { type: 'cancelled', t: 2 }, summary: summary({ state: 'cancelled', progress: 0.3, finishedAt: 1_700_000_003_000 }) })
    await flush()
    expect(w.get('[data-testid=job-item]').attributes('data-state')).toBe('cancelled')
    expect(w.find('[data-testid=job-cancel]').exists()).toBe(false)
  })

  it('progress events move the bar', async () => {
    setApi(fakeApi().api)
    const runs = useRuns()
    const w = mount(JobsPanel, { global: { plugins: [pinia] } })
    expect(w.text()).toContain('No jobs yet')
    for (const fraction of [0.1, 0.6]) {
      runs.onJob({ runId: 'r', event: { type: 'progress', t: 1, fraction, message: '', eta: null }, summary: summary({ id: 'r', progress: fraction }) })
      if (fraction === 0.1) runs.onJob({ runId: 'r', event: { type: 'started', t: 1, backend: 'wasm' }, summary: summary({ id: 'r', progress: fraction }) })
      await flush()
      expect(w.get('[role=progressbar]').attributes('aria-valuenow')).toBe(String(Math.round(fraction * 100)))
    }
  })
})

describe('StatusBar', () => {
  it('shows the active backend and the running job', async () => {
    setApi(fakeApi().api)
    const app = useApp()
    app.info = appInfo(false)
    const runs = useRuns()
    const w = mount(StatusBar, { global: { plugins: [pinia] } })
    expect(w.get('[data-testid=status-backend]').text()).toContain('wasm (SIMD)')
    expect(w.find('[data-testid=status-job]').exists()).toBe(false)
    runs.onJob({ runId: 'r', event: { type: 'started', t: 1, backend: 'wasm' }, summary: summary({ id: 'r', name: 'Big sweep', progress: 0.5 }) })
    await flush()
    expect(w.get('[data-testid=status-job]').text()).toContain('Big sweep')
    expect(w.get('[data-testid=status-job]').text()).toContain('50%')
  })

  it('the theme button cycles the theme and saves it', async () => {
    const f = fakeApi({ 'settings.set': (p) => ({ theme: p.theme ?? 'system', backend: 'auto', autosaveSeconds: 30, compute: { mode: 'local' } }) })
    setApi(f.api)
    const app = useApp()
    app.applyTheme('light')
    const w = mount(StatusBar, { global: { plugins: [pinia] } })
    await w.get('[data-testid=theme-toggle]').trigger('click')
    await flush()
    expect(app.theme).toBe('dark')
    expect(document.documentElement.classList.contains('dark')).toBe(true)
    expect(f.callsOf('settings.set').map((c) => c.params)).toEqual([{ theme: 'dark' }])
  })
})

describe('PathDialog (browser: no native dialogs)', () => {
  const info = (path: string) => ({ path, name: 'x', untitled: false, schemaVersion: 1, createdAt: 1 })

  it('opens the typed path and closes on success', async () => {
    const f = fakeApi({ 'project.open': (p) => info(p.path), 'project.recent': () => [] })
    setApi(f.api)
    const ui = useUi()
    ui.pathDialog = 'open'
    const w = mount(PathDialog, { global: { plugins: [pinia] }, attachTo: document.body })
    await w.get('[data-testid=path-input]').setValue('/data/exp.ntkw')
    await w.get('form').trigger('submit')
    await flush()
    expect(f.callsOf('project.open').map((c) => c.params)).toEqual([{ path: '/data/exp.ntkw' }])
    expect(ui.pathDialog).toBeNull()
    expect(useProject().current?.path).toBe('/data/exp.ntkw')
    w.unmount()
  })

  it('lists recent projects and opens one on click; missing ones are disabled', async () => {
    const f = fakeApi({ 'project.open': (p) => info(p.path), 'project.recent': () => [] })
    setApi(f.api)
    useProject().recent = [
      { path: '/a/one.ntkw', name: 'one', openedAt: 2, exists: true },
      { path: '/a/gone.ntkw', name: 'gone', openedAt: 1, exists: false },
    ]
    useUi().pathDialog = 'open'
    const w = mount(PathDialog, { global: { plugins: [pinia] }, attachTo: document.body })
    const items = w.findAll('[data-testid=recent-item]')
    expect(items.map((i) => i.text())).toEqual([expect.stringContaining('one'), expect.stringContaining('missing')])
    expect(items[1]!.attributes('disabled')).toBeDefined()
    await items[0]!.trigger('click')
    await flush()
    expect(f.callsOf('project.open').map((c) => c.params)).toEqual([{ path: '/a/one.ntkw' }])
    w.unmount()
  })

  it('Save As proposes the current file and keeps the dialog open when the server refuses', async () => {
    const f = fakeApi({
      'project.saveAs': () => {
        throw Object.assign(new Error('folder /nope does not exist'), { code: 'no_folder', hint: 'Choose an existing folder.' })
      },
    })
    setApi(f.api)
    useProject().onPush(info('/work/cur.ntkw'))
    const ui = useUi()
    ui.pathDialog = 'saveAs'
    const w = mount(PathDialog, { global: { plugins: [pinia] }, attachTo: document.body })
    expect((w.get('[data-testid=path-input]').element as HTMLInputElement).value).toBe('/work/cur.ntkw')
    await w.get('[data-testid=path-input]').setValue('/nope/x.ntkw')
    await w.get('[data-testid=path-submit]').trigger('click')
    await flush()
    expect(f.callsOf('project.saveAs').map((c) => c.params)).toEqual([{ path: '/nope/x.ntkw' }])
    expect(ui.pathDialog).toBe('saveAs')
    w.unmount()
  })
})

describe('BenchmarkResultView', () => {
  it('tabulates GFLOP/s per size and elementwise throughput from the stored result', () => {
    setApi(fakeApi().api)
    const result = {
      backend: 'wasm',
      matmul: [
        { n: 256, ms: 2, gflops: 16.78 },
        { n: 512, ms: 14, gflops: 19.17 },
      ],
      elementwise: [{ op: 'mul', size: 1 << 20, ms: 1.5, gelemPerS: 0.699 }],
    }
    const w = mount(BenchmarkResultView, { props: { result }, global: { plugins: [pinia], stubs: { EChart: true } } })
    const rows = w.get('[data-testid=benchmark-matmul-table]').findAll('tbody tr').map((r) => r.findAll('td').map((c) => c.text()))
    expect(rows).toEqual([
      ['256', '2 ms', '16.8'],
      ['512', '14 ms', '19.2'],
    ])
    expect(w.get('[data-testid=benchmark-peak]').text()).toContain('19.2')
    expect(w.text()).toContain('1M')
  })
})

