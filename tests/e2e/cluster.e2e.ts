import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { encodeNpy } from '../../electron/engine/io/npy'
import type { RunDetail } from '../../shared/index'
import { mnistRows } from '../helpers/mnist'
import { hasRedis, redisServer, startNtkw, stopNtkw, warnIfNoRedis, type NtkwProc, type RedisServer } from '../helpers/redis'
import { ROOT, screenshot, useServedApp, type ServedApp } from './harness'

// Issue 20's E2E, in Chromium through `ntkw serve`: Settings ▸ Compute ▸ Redis URL (a wrong password said in
// words, then the right one; the password never shown back), the worker listed, a kernel run started from
// Runs ▸ Run a spec… computed by a real `ntkw worker` through a real redis-server with progress and a result
// as a local run's, and another run cancelled with none of its jobs left in the queue.

declare const document: { querySelector(s: string): { textContent: string | null; getAttribute(n: string): string | null } | null }

warnIfNoRedis('tests/e2e/cluster.e2e.ts')
const describeR = hasRedis ? describe : describe.skip

let server: RedisServer
let redis: Redis
let worker: NtkwProc
let app: ServedApp
const PASSWORD = 'e2e-cluster-pw'

const ARCH = { depth: 3, activation: { name: 'relu' }, wStd: 1.4, bStd: 0.1, parameterization: 'ntk' }
const spec = (file: string, name: string): string => JSON.stringify({ kind: 'kernel', name, x: { type: 'npy', path: path.join(app.tmp, file) }, arch: ARCH, kernels: ['ntk', 'nngp'], tileSize: 64, heatmapSize: 16, spectrumPoints: 0 }, null, 1)

async function stateOf(runId: string): Promise<string> {
  return (await app.page.getAttribute(`[data-testid=run-detail][data-run-id="${runId}"] [data-state]`, 'data-state')) ?? ''
}

/** Runs ▸ Run a spec…: pastes the spec, checks what the dialog says, runs it; the id of the run shown after */
async function runSpec(text: string, says: RegExp): Promise<string> {
  const page = app.page
  await page.click('[data-testid=open-run-spec]')
  await page.fill('[data-testid=run-spec-text]', text)
  expect(await page.textContent('[data-testid=run-spec-ok]')).toMatch(says)
  const before = await page.getAttribute('[data-testid=run-detail]', 'data-run-id', { timeout: 1000 }).catch(() => null)
  await page.click('[data-testid=run-spec-run]')
  const h = await page.waitForFunction((prev) => {
    const id = document.querySelector('[data-testid=run-detail]')?.getAttribute('data-run-id') ?? null
    return id && id !== prev ? id : null
  }, before)
  return (await h.jsonValue()) as string
}

async function queueJobsOf(redisRunId: string): Promise<number> {
  let n = 0
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `bull:ntkw-tiles:${redisRunId}-*`, 'COUNT', 1000)
    cursor = next
    n += keys.length
  } while (cursor !== '0')
  return n
}

describeR('Compute on Redis workers from the app', () => {
  // redis-server, its worker and the data are started in the fixture's folder before the app
  app = useServedApp({
    name: 'cluster',
    project: 'cluster.ntkw',
    prepare: async (tmp) => {
      server = await redisServer(tmp, PASSWORD)
      await server.start()
      redis = new Redis(server.url)
      const m = await mnistRows(4800)
      writeFileSync(path.join(tmp, 'x4800.npy'), encodeNpy(m.x, [4800, 784]))
      worker = startNtkw(path.join(ROOT, 'bin/ntkw.js'), ROOT, ['worker', '--redis', server.url, '--name', 'e2e-w1'])
    },
  })

  // registered after the fixture's: runs before it closes the app and removes the folder
  afterAll(async () => {
    if (worker) await stopNtkw(worker, 'SIGKILL')
    redis?.disconnect()
    await server?.stop()
  }, 60_000)

  it('Settings ▸ Compute ▸ Redis URL: a wrong password said in words, the right one connects, saved masked, the worker listed', async () => {
    const page = app.page
    await page.goto(app.served.url)
    await page.waitForSelector('[data-testid=open-settings]')
    await page.click('[data-testid=open-settings]')
    await page.check('[data-testid=compute-redis]')
    await page.fill('[data-testid=compute-url]', `redis://:wrong-one@127.0.0.1:${server.port}/0`)
    await page.click('[data-testid=compute-test]')
    await page.waitForSelector('[data-testid=compute-test-result].error')
    expect(await page.textContent('[data-testid=compute-test-result]')).toMatch(/wrong password/)
    // the workers' rule, said as the URL is typed
    await page.fill('[data-testid=compute-url]', 'redis://10.1.2.3:6379/0')
    expect(await page.textContent('[data-testid=compute-problem]')).toMatch(/without a password/)
    expect(await page.isDisabled('[data-testid=compute-save]')).toBe(true)

    await page.fill('[data-testid=compute-url]', server.url)
    await page.click('[data-testid=compute-test]')
    await page.waitForSelector('[data-testid=compute-test-result].ok')
    expect(await page.textContent('[data-testid=compute-test-result]')).toMatch(new RegExp(`Connected to redis://127.0.0.1:${server.port}/0 .*1 worker serving`))
    await page.click('[data-testid=compute-save]')
    await page.waitForSelector('[data-testid=compute-saved]')
    expect(await page.inputValue('[data-testid=compute-url]')).toBe(`redis://:********@127.0.0.1:${server.port}/0`)
    expect(await page.content()).not.toContain(PASSWORD)

    await page.waitForSelector('[data-testid=settings-dialog] [data-testid=worker-row][data-worker=e2e-w1]')
    const row = await page.textContent('[data-testid=settings-dialog] [data-testid=worker-row][data-worker=e2e-w1]')
    expect(row).toMatch(/e2e-w1/)
    expect(row).toMatch(/idle/)
    expect(await page.textContent('[data-testid=settings-dialog] [data-testid=queue-counts]')).toMatch(/0 waiting, 0 active/)
    await screenshot(page, 'cluster-settings')
    await page.keyboard.press('Escape')
  }, 120_000)

  it('a kernel run through the worker: progress, the worker busy with it, a result as the local run\'s', async () => {
    const page = app.page
    await page.click('[data-page=runs]')
    // what the jobs panel says of the worker while it is busy, kept from the start: on a fast machine the run
    // can end within one or two of the panel's polls, so the busy row is recorded rather than waited for
    await page.evaluate(() => {
      const g = globalThis as unknown as { busySeen: string[]; MutationObserver: new (f: () => void) => { observe(n: unknown, o: object): void }; document: { body: unknown; querySelector(s: string): { textContent: string | null } | null } }
      g.busySeen = []
      new g.MutationObserver(() => {
        const row = g.document.querySelector('[data-testid=jobs-workers] [data-worker=e2e-w1][data-busy]')
        if (row?.textContent) g.busySeen.push(row.textContent)
      }).observe(g.document.body, { subtree: true, childList: true, attributes: true, characterData: true })
    })
    const runId = await runSpec(spec('x4800.npy', 'kernel on the worker'), /computes on the Redis workers/)
    // progress as a local run: the live bar in the run's detail, tile by tile
    await page.waitForFunction((id) => /\d+% · tile \d+/.test(document.querySelector(`[data-testid=run-detail][data-run-id="${id}"] .live`)?.textContent ?? ''), runId, { timeout: 120_000 })
    await page.waitForFunction((id) => document.querySelector(`[data-testid=run-detail][data-run-id="${id}"] [data-state]`)?.getAttribute('data-state') === 'succeeded', runId, { timeout: 180_000 })
    // the worker was shown busy in the jobs panel with a tile of this run, named as the run is
    const busySeen = await page.evaluate(() => (globalThis as unknown as { busySeen: string[] }).busySeen)
    expect(busySeen.length).toBeGreaterThan(0)
    expect(busySeen.some((t) => /kernel on the worker · tile \d+,\d+/.test(t))).toBe(true)
    // the detail first names where the run was sent (its record's compute), then, once its logs are read
    // again after the end, the workers and the run's tiles
    const ranOn = new RegExp(`ran on Redis workers e2e-w1 via redis://127.0.0.1:${server.port}/0: run \\S+, 2850 tiles`)
    await expect.poll(() => page.textContent('[data-testid=run-ran-on]'), { timeout: 30_000 }).toMatch(ranOn)
    await page.click('[data-testid=run-detail] [data-tab=artifacts]')
    for (const name of ['ntk', 'nngp']) expect(await page.textContent('[data-testid=run-detail]')).toContain(name)
    await screenshot(page, 'cluster-run')

    // the same spec on this machine (set through the API as the page would): the same kernel statistics
    await app.api('settings.set', { compute: { mode: 'local' } })
    const local = await app.api<{ runId: string }>('jobs.submit', { spec: JSON.parse(spec('x4800.npy', 'kernel here')) })
    let d: RunDetail
    for (;;) {
      d = await app.api<RunDetail>('runs.get', { runId: local.runId })
      if (['succeeded', 'failed', 'cancelled'].includes(d.summary.state)) break
      await new Promise((r) => setTimeout(r, 250))
    }
    expect(d.summary.state).toBe('succeeded')
    const remote = await app.api<RunDetail>('runs.get', { runId })
    expect((remote.result as { kernels: unknown }).kernels).toEqual((d.result as { kernels: unknown }).kernels)
    expect(remote.versions.compute).toBe(`Redis workers via redis://127.0.0.1:${server.port}/0`)
    expect(d.versions.compute).toBe('this machine')
    await app.api('settings.set', { compute: { mode: 'redis', url: server.url } })
  }, 300_000)

  it('cancel another run: its jobs are gone from the queue', async () => {
    const page = app.page
    await page.reload()
    await page.waitForSelector('[data-testid=jobs-workers]')
    await page.click('[data-page=runs]')
    const runId = await runSpec(spec('x4800.npy', 'kernel to cancel'), /Redis workers/)
    await page.waitForFunction((id) => /\d+% · tile \d+/.test(document.querySelector(`[data-testid=run-detail][data-run-id="${id}"] .live`)?.textContent ?? ''), runId, { timeout: 120_000 })
    const d = await app.api<RunDetail>('runs.get', { runId })
    const redisRun = d.logs.map((l) => /run (\S+): (\d+) tiles/.exec(l.message)).find(Boolean)![1]!
    expect(await queueJobsOf(redisRun)).toBeGreaterThan(0)
    await page.click('[data-testid=detail-cancel]')
    await page.waitForFunction((id) => document.querySelector(`[data-testid=run-detail][data-run-id="${id}"] [data-state]`)?.getAttribute('data-state') === 'cancelled', runId, { timeout: 60_000 })
    expect(await stateOf(runId)).toBe('cancelled')
    // removed by the run before it ended, not drained by the worker: at most the job in its hand is left
    let left = await queueJobsOf(redisRun)
    expect(left).toBeLessThanOrEqual(1)
    for (let i = 0; i < 100 && left > 0; i++) {
      await new Promise((r) => setTimeout(r, 100))
      left = await queueJobsOf(redisRun)
    }
    expect(left).toBe(0)
    // and the panel's queue counts come back to nothing waiting
    await page.waitForFunction(() => /queue: 0 waiting, 0 active/.test(document.querySelector('[data-testid=jobs-workers] [data-testid=queue-counts]')?.textContent ?? ''), undefined, { timeout: 30_000 })
    expect(app.pageErrors).toEqual([])
  }, 300_000)
})
