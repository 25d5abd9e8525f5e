// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { MetricIncrement } from '../../shared/ipc'
import type { MetricSeries, RunSummary } from '../../shared/project'
import { setApi } from '../../renderer/src/api/index'
import { useRuns } from '../../renderer/src/stores/runs'
import RunDetailView from '../../renderer/src/components/RunDetail.vue'
import { fakeApi, summary } from './fake-api'

let pinia: Pinia
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => {
  setApi(null)
  vi.useRealTimers()
})

describe('run detail while the run streams', () => {
  it('follows the chosen metric by increments since a cursor, then reads the finished series once', async () => {
    vi.useFakeTimers()
    let state: RunSummary['state'] = 'running'
    const stored: { step: number; value: number }[] = [{ step: 0, value: 1 }]
    const f = fakeApi({
      'runs.get': () => ({ summary: summary({ id: 'r', name: 'live', state }), spec: {}, result: null, versions: {}, logs: [], metricNames: ['loss'], artifacts: [] }),
      'runs.metricsSince': (p): MetricIncrement => {
        const rows = stored.slice(p.since ?? 0)
        return { cursor: stored.length, complete: true, series: rows.length ? [{ name: 'loss', steps: rows.map((r) => r.step), values: rows.map((r) => r.value) }] : [], summary: summary({ id: 'r', state }) }
      },
      'runs.metric': (p): MetricSeries => ({ name: p.name, steps: stored.map((r) => r.step), values: stored.map((r) => r.value), total: stored.length }),
    })
    setApi(f.api)
    const runs = useRuns()
    runs.onJob({ runId: 'r', event: { type: 'started', t: 0, backend: 'cpu' }, summary: summary({ id: 'r', name: 'live', state: 'running' }) })
    const w = mount(RunDetailView, { props: { runId: 'r' }, global: { plugins: [pinia], stubs: { MetricChart: true } } })
    await vi.advanceTimersByTimeAsync(0)
    await vi.advanceTimersByTimeAsync(0)
    await w.find('[data-tab=metrics]').trigger('click')
    for (let i = 1; i <= 30; i++) {
      stored.push({ step: i, value: 1 / (i + 1) })
      runs.onJob({ runId: 'r', event: { type: 'metric', t: i, name: 'loss', step: i, value: 1 / (i + 1) }, summary: summary({ id: 'r', name: 'live', state: 'running' }) })
      await vi.advanceTimersByTimeAsync(100)
    }
    await vi.advanceTimersByTimeAsync(1500)
    const incs = f.callsOf('runs.metricsSince').map((c) => (c.params as { since?: number }).since ?? 0)
    expect(incs.length).toBeGreaterThanOrEqual(2)
    expect(incs.length).toBeLessThanOrEqual(6) // throttled to about one per second over 3 s
    for (let k = 1; k < incs.length; k++) expect(incs[k]!).toBeGreaterThan(incs[k - 1]!)
    expect(f.callsOf('runs.metric')).toHaveLength(0)
    const chart = w.findComponent({ name: 'MetricChart' })
    const series = chart.props('series') as MetricSeries
    expect(series.steps).toEqual(stored.map((r) => r.step))
    expect(series.total).toBe(31)

    state = 'succeeded'
    runs.onJob({ runId: 'r', event: { type: 'done', t: 99, result: null }, summary: summary({ id: 'r', name: 'live', state: 'succeeded' }) })
    await vi.advanceTimersByTimeAsync(0)
    await vi.advanceTimersByTimeAsync(0)
    expect(f.callsOf('runs.metric')).toHaveLength(1)
    w.unmount()
  })
})
