import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import os from 'node:os'
import { Services } from '../../electron/services/services'
import { forkLauncher } from '../../electron/services/engine-client'
import type { JobEvent, RunSummary } from '../../shared/index'
import { tempDir, waitFor } from '../helpers/tmp'

// Real engine child processes, real SQLite, real tfjs-wasm: the queue's promises under crash and cancel.
const tmp = tempDir()
let services: Services
const events: { runId: string; event: JobEvent; summary: RunSummary }[] = []

async function call<T>(method: string, params: unknown = {}): Promise<T> {
  const r = await services.call(method, params)
  if ('error' in r) throw new Error(`${method}: ${r.error.message}`)
  return r.result as T
}

const quick = { kind: 'backend-benchmark', matmulSizes: [64], elementwiseSizes: [4096], repeats: 1 }
// Big enough to still be running when we cancel or kill it (one 2048 matmul takes ~0.5 s here).
const slow = { kind: 'backend-benchmark', matmulSizes: [2048, 2048, 2048, 2048], elementwiseSizes: [1 << 22], repeats: 20 }

function stateOf(runId: string): string | undefined {
  return services.project.current?.runs.get(runId)?.state
}

beforeAll(() => {
  services = new Services({ mode: 'serve', configDir: path.join(tmp.dir, 'config'), launcher: forkLauncher })
  services.onPush((event, payload) => {
    if (event === 'job') events.push(payload as (typeof events)[number])
  })
  services.project.create(path.join(tmp.dir, 'queue.ntkw'))
})

afterAll(async () => {
  await services.dispose()
  tmp.cleanup()
})

describe('job queue with a real engine process', () => {
  it('runs a backend benchmark to success and stores its result', async () => {
    const { runId } = await call<{ runId: string }>('jobs.submit', { spec: quick })
    await waitFor(() => stateOf(runId) === 'succeeded' || stateOf(runId) === 'failed')
    const detail = await call<{ summary: RunSummary; result: { matmul: { gflops: number }[] } }>('runs.get', { runId })
    expect(detail.summary.state).toBe('succeeded')
    // the engine's active backend, whichever this machine has
    expect(detail.summary.backend).toBe((await call<{ backend: { active: string } }>('app.info', {})).backend.active)
    // The engine yields the CPU to the interface.
    expect(os.getPriority(services.engine.pid!)).toBeGreaterThan(os.getPriority())
    expect(detail.result.matmul[0]!.gflops).toBeGreaterThan(0)
    const kinds = events.filter((e) => e.runId === runId).map((e) => e.event.type)
    expect(kinds[0]).toBe('queued')
    expect(kinds).toContain('started')
    expect(kinds.at(-1)).toBe('done')
  })

  it('cancels a running job, then runs the next one', async () => {
    const { runId } = await call<{ runId: string }>('jobs.submit', { spec: slow })
    await waitFor(() => stateOf(runId) === 'running')
    await new Promise((r) => setTimeout(r, 300))
    const t0 = Date.now()
    await call('jobs.cancel', { runId })
    await waitFor(() => stateOf(runId) === 'cancelled', 10_000, 5)
    console.log(`cancel: 'cancelled' ${Date.now() - t0} ms after the request`)
    const next = await call<{ runId: string }>('jobs.submit', { spec: quick })
    await waitFor(() => ['succeeded', 'failed'].includes(stateOf(next.runId) ?? ''))
    expect(stateOf(next.runId)).toBe('succeeded')
  })

  it('a queued job cancelled before it starts never runs', async () => {
    const a = await call<{ runId: string }>('jobs.submit', { spec: slow })
    const b = await call<{ runId: string }>('jobs.submit', { spec: quick })
    expect(stateOf(b.runId)).toBe('queued')
    await call('jobs.cancel', { runId: b.runId })
    expect(stateOf(b.runId)).toBe('cancelled')
    await call('jobs.cancel', { runId: a.runId })
    await waitFor(() => stateOf(a.runId) === 'cancelled', 2000)
    expect(services.project.current!.runs.get(b.runId)!.startedAt).toBeNull()
  })

  it('an engine killed with SIGKILL fails that job with a message; the next job succeeds', async () => {
    const { runId } = await call<{ runId: string }>('jobs.submit', { spec: slow })
    await waitFor(() => stateOf(runId) === 'running')
    const pid = services.engine.pid!
    process.kill(pid, 'SIGKILL')
    await waitFor(() => stateOf(runId) === 'failed', 5000)
    const failed = services.project.current!.runs.get(runId)!
    expect(failed.error).toMatch(/engine process was killed \(SIGKILL\)/)
    const next = await call<{ runId: string }>('jobs.submit', { spec: quick })
    await waitFor(() => ['succeeded', 'failed'].includes(stateOf(next.runId) ?? ''))
    expect(stateOf(next.runId)).toBe('succeeded')
    expect(services.engine.pid).not.toBe(pid)
  })

  it('forwards at most ~20 progress events per second per job', async () => {
    const { runId } = await call<{ runId: string }>('jobs.submit', { spec: { ...slow, matmulSizes: [256], repeats: 100, elementwiseSizes: [1 << 16] } })
    await waitFor(() => ['succeeded', 'failed'].includes(stateOf(runId) ?? ''), 60_000)
    const progress = events.filter((e) => e.runId === runId && e.event.type === 'progress')
    const times = progress.map((e) => e.event.t)
    const span = (Math.max(...times) - Math.min(...times)) / 1000
    expect(progress.length).toBeGreaterThan(1)
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(span * 20) + 3)
    // throttling holds fractions back but never loses the last one: the bar ends where the engine ended it,
    // and that progress goes out before the run's end
    const mine = events.filter((e) => e.runId === runId).map((e) => e.event)
    const last = progress.at(-1)!.event
    expect(last.type === 'progress' ? last.fraction : null).toBe(1)
    expect(mine.findLastIndex((e) => e.type === 'progress')).toBeLessThan(mine.findIndex((e) => e.type === 'done'))
  })

  it('rejects invalid params with a clear message and runs nothing', async () => {
    const r = await services.call('jobs.submit', { spec: { kind: 'backend-benchmark', matmulSizes: [3] } })
    expect('error' in r && r.error.code).toBe('bad_params')
    expect('error' in r && r.error.message).toMatch(/matmulSizes/)
    const unknown = await services.call('fs.readFile', { path: '/etc/passwd' })
    expect('error' in unknown && unknown.error.code).toBe('bad_method')
  })
})
