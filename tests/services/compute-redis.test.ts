import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { encodeNpy } from '../../electron/engine/io/npy'
import { readArtifactArray, readArtifactJson } from '../../electron/engine/store/artifacts'
import { REMOTE_TILE_SPEC_KINDS, type ClusterStatus } from '../../shared/cluster'
import type { RunDetail, Settings } from '../../shared/index'
import type { DatasetSummary } from '../../shared/dataset'
import { mnistRows } from '../helpers/mnist'
import { freePort, hasRedis, redisServer, startNtkw, stopNtkw, warnIfNoRedis, type NtkwProc, type RedisServer } from '../helpers/redis'
import { servicesForTest } from '../helpers/services-api'
import { waitFor } from '../helpers/tmp'

// Issue 20 from the app's side: Settings ▸ Compute = Redis URL sends a kernel run's tiles to real `ntkw
// worker` processes through a real redis-server, through the same services the desktop app and `ntkw serve`
// run (real engine process, real project file). The run behaves as a local one: the same artifact bytes,
// cancel that leaves none of its jobs in the queue, errors that say what went wrong, a password never shown.

const root = fileURLToPath(new URL('../..', import.meta.url))
const ntkwJs = path.join(root, 'bin/ntkw.js')
warnIfNoRedis('tests/services/compute-redis')
const itR = hasRedis ? it : it.skip

const PASSWORD = 'gui-redis-pw'
const { tmp, services, call, settle } = servicesForTest('ntkw-compute-redis-')
let server: RedisServer
let redis: Redis
const workers: NtkwProc[] = []

const ARCH = { depth: 3, activation: { name: 'relu' }, wStd: 1.4, bStd: 0.1, parameterization: 'ntk' }
function kernelSpec(file: string, name: string, tileSize: number): Record<string, unknown> {
  return { kind: 'kernel', name, x: { type: 'npy', path: file }, arch: ARCH, kernels: ['ntk', 'nngp'], tileSize, heatmapSize: 16, spectrumPoints: 0 }
}

/** the queue's jobs (any state BullMQ keeps a job hash for) whose id starts with the Redis run's id */
async function jobsOfRun(redisRunId: string): Promise<string[]> {
  const found: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `bull:ntkw-tiles:${redisRunId}-*`, 'COUNT', 1000)
    cursor = next
    found.push(...keys)
  } while (cursor !== '0')
  return found
}

async function arraysOf(runId: string): Promise<Map<string, Buffer>> {
  const d = await call<RunDetail>('runs.get', { runId })
  const db = services.project.current!.handle.db
  const out = new Map<string, Buffer>()
  for (const a of d.artifacts) {
    const { data } = readArtifactArray(db, a.id)
    out.set(a.name, Buffer.from(data.buffer, data.byteOffset, data.byteLength))
  }
  return out
}

describe('Settings ▸ Compute = Redis URL: app runs on ntkw workers', () => {
  beforeAll(async () => {
    if (!hasRedis) return
    server = await redisServer(tmp.dir, PASSWORD)
    await server.start()
    redis = new Redis(server.url)
    const m = await mnistRows(2400)
    writeFileSync(path.join(tmp.dir, 'small.npy'), encodeNpy(m.x.subarray(0, 300 * 784), [300, 784]))
    writeFileSync(path.join(tmp.dir, 'big.npy'), encodeNpy(m.x, [2400, 784]))
    writeFileSync(path.join(tmp.dir, 'xtr.npy'), encodeNpy(m.x.subarray(0, 200 * 784), [200, 784]))
    writeFileSync(path.join(tmp.dir, 'xte.npy'), encodeNpy(m.x.subarray(200 * 784, 300 * 784), [100, 784]))
    const onehot = new Float32Array(200 * 10)
    for (let i = 0; i < 200; i++) onehot[i * 10 + m.y[i]!] = 1
    writeFileSync(path.join(tmp.dir, 'ytr.npy'), encodeNpy(onehot, [200, 10]))
    for (const name of ['gw1', 'gw2']) workers.push(startNtkw(ntkwJs, root, ['worker', '--redis', server.url, '--name', name]))
    await waitFor(() => workers.every((w) => /serving/.test(w.err)), 60_000, 50)
    await call('project.new', { path: path.join(tmp.dir, 'p.ntkw') })
  }, 120_000)

  afterAll(async () => {
    for (const w of workers) await stopNtkw(w, 'SIGKILL')
    redis?.disconnect()
    await server?.stop()
  }, 60_000)

  itR('Test connection says what went wrong: refused, wrong password, missing password, another machine without one, not a URL', async () => {
    const nobody = await freePort()
    const err = async (p: unknown): Promise<{ code: string; message: string; hint?: string }> => {
      try {
        await call('cluster.test', p)
      } catch (e) {
        return e as { code: string; message: string; hint?: string }
      }
      throw new Error('expected an error')
    }
    const refused = await err({ url: `redis://:x@127.0.0.1:${nobody}/0` })
    expect(refused.code).toBe('redis_refused')
    expect(refused.message).toMatch(new RegExp(`connection refused \\(nothing listens on 127.0.0.1:${nobody}\\)`))
    const wrong = await err({ url: `redis://:not-the-password@127.0.0.1:${server.port}/0` })
    expect(wrong.code).toBe('redis_auth')
    expect(wrong.message).toMatch(/wrong password/)
    expect(JSON.stringify(wrong)).not.toContain('not-the-password')
    const none = await err({ url: `redis://127.0.0.1:${server.port}/0` })
    expect(none.code).toBe('redis_auth')
    expect(none.message).toMatch(/needs a password and the URL gives none/)
    // the workers' rule, before any connection is tried (no traffic leaves this machine)
    const insecure = await err({ url: 'redis://10.1.2.3:6379/0' })
    expect(insecure.code).toBe('insecure_redis')
    expect(insecure.message).toMatch(/another machine without a password/)
    expect((await err({ url: 'localhost:6379' })).code).toBe('bad_redis_url')
    // Settings refuses what Test connection refuses
    await expect(call('settings.set', { compute: { mode: 'redis', url: 'redis://10.1.2.3:6379/0' } })).rejects.toMatchObject({ code: 'bad_params', message: expect.stringMatching(/without a password/) })
    await expect(call('cluster.test', {})).rejects.toMatchObject({ code: 'no_redis' })
    const ok = await call<{ where: string; serverVersion: string; workers: number }>('cluster.test', { url: server.url })
    expect(ok.where).not.toContain(PASSWORD)
    expect(ok.serverVersion).toMatch(/^\d+\.\d+/)
    expect(ok.workers).toBe(2)
  }, 60_000)

  itR('the URL is saved with its password (file readable by its owner only) and shown back masked; the mask keeps the password', async () => {
    const saved = await call<Settings>('settings.set', { compute: { mode: 'redis', url: server.url } })
    expect(saved.compute).toEqual({ mode: 'redis', url: `redis://:********@127.0.0.1:${server.port}/0`, insecure: false })
    const got = await call<Settings>('settings.get')
    expect(JSON.stringify(got)).not.toContain(PASSWORD)
    const file = path.join(tmp.dir, 'cfg', 'settings.json')
    expect(readFileSync(file, 'utf8')).toContain(PASSWORD)
    expect(statSync(file).mode & 0o077).toBe(0)
    // sending the masked URL back (the form unchanged) keeps the saved password: the test still connects
    await call('settings.set', { compute: got.compute })
    expect(readFileSync(file, 'utf8')).toContain(PASSWORD)
    expect((await call<{ workers: number }>('cluster.test', { url: got.compute.mode === 'redis' ? got.compute.url : '' })).workers).toBe(2)
  }, 60_000)

  itR('the workers panel reads ntkw workers\' status: names, host, concurrency, backend, idle or the job in hand, queue counts', async () => {
    await call('settings.set', { compute: { mode: 'local' } })
    expect(await call('cluster.status')).toBeNull()
    await call('settings.set', { compute: { mode: 'redis', url: server.url } })
    const s = await call<ClusterStatus>('cluster.status')
    expect(s.where).toBe(`redis://127.0.0.1:${server.port}/0`)
    const mine = s.workers.filter((w) => w.name.startsWith('gw'))
    expect(mine.map((w) => w.name)).toEqual(['gw1', 'gw2'])
    for (const w of mine) {
      expect(w.concurrency).toBe(1)
      expect(w.backend).toBe('auto')
      expect(w.host.length).toBeGreaterThan(0)
      expect(w.jobs).toEqual([])
      expect(w.lastSeenS).toBeLessThanOrEqual(10)
    }
    expect(s.counts.waiting).toBe(0)
  }, 60_000)

  itR('a kernel run through the workers: progress as a local run, the same artifact bytes, a record of where it ran and who computed it', async () => {
    await call('settings.set', { compute: { mode: 'local' } })
    const local = await call<{ runId: string }>('jobs.submit', { spec: kernelSpec(path.join(tmp.dir, 'small.npy'), 'kernel here', 64) })
    expect((await settle(local.runId)).state).toBe('succeeded')

    await call('settings.set', { compute: { mode: 'redis', url: server.url } })
    const progress: number[] = []
    const off = services.onPush((ev, p) => {
      const e = p as { runId: string; event: { type: string; fraction?: number } }
      if (ev === 'job' && e.event.type === 'progress' && e.event.fraction !== undefined) progress.push(e.event.fraction)
    })
    const remote = await call<{ runId: string }>('jobs.submit', { spec: kernelSpec(path.join(tmp.dir, 'small.npy'), 'kernel on workers', 64) })
    const done = await settle(remote.runId)
    off()
    expect(done.state, done.error ?? '').toBe('succeeded')
    // progress is throttled at its source, so a run of a second or two may report only a few fractions (the
    // 2 400-point run of the E2E shows it live); what holds whatever the timing: fractions in [0, 1] that never
    // go back, ending past half way
    expect(progress.length).toBeGreaterThanOrEqual(2)
    for (let i = 0; i < progress.length; i++) {
      expect(progress[i]).toBeGreaterThanOrEqual(i ? progress[i - 1]! : 0)
      expect(progress[i]).toBeLessThanOrEqual(1)
    }
    expect(progress.at(-1)).toBeGreaterThan(0.5)

    const [a, b] = [await arraysOf(local.runId), await arraysOf(remote.runId)]
    expect([...b.keys()].sort()).toEqual(['heatmap_nngp', 'heatmap_ntk', 'nngp', 'ntk'])
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort())
    for (const [name, bytes] of a) expect(b.get(name)!.equals(bytes), name).toBe(true)

    const d = await call<RunDetail>('runs.get', { runId: remote.runId })
    expect(d.versions.compute).toBe(`Redis workers via redis://127.0.0.1:${server.port}/0`)
    const logs = d.logs.map((l) => l.message).join('\n')
    expect(logs).toMatch(/ran on Redis workers (gw1, gw2|gw1|gw2) via redis:/)
    expect(logs).toMatch(/run \S+: 15 tiles of 64/)
    expect(JSON.stringify(d)).not.toContain(PASSWORD)
    expect((await call<RunDetail>('runs.get', { runId: local.runId })).versions.compute).toBe('this machine')
  }, 240_000)

  itR('a predict run through the workers: the local predictions and variance, byte for byte', async () => {
    const npy = (f: string): { type: 'npy'; path: string } => ({ type: 'npy', path: path.join(tmp.dir, f) })
    const predict = { kind: 'predict', xTrain: npy('xtr.npy'), yTrain: npy('ytr.npy'), xTest: npy('xte.npy'), arch: ARCH, diagReg: 1e-4, variance: true, tileSize: 64 }
    await call('settings.set', { compute: { mode: 'local' } })
    const local = await call<{ runId: string }>('jobs.submit', { spec: { ...predict, name: 'predict here' } })
    expect((await settle(local.runId)).state).toBe('succeeded')
    await call('settings.set', { compute: { mode: 'redis', url: server.url } })
    const remote = await call<{ runId: string }>('jobs.submit', { spec: { ...predict, name: 'predict on workers' } })
    const done = await settle(remote.runId)
    expect(done.state, done.error ?? '').toBe('succeeded')
    const [a, b] = [await arraysOf(local.runId), await arraysOf(remote.runId)]
    expect([...b.keys()].sort()).toEqual(['predictions', 'variance'])
    for (const [name, bytes] of a) expect(b.get(name)!.equals(bytes), name).toBe(true)
    // train × train, then test × train: two Redis runs, each named with its workers
    const logs = (await call<RunDetail>('runs.get', { runId: remote.runId })).logs.map((l) => l.message)
    expect(logs.filter((l) => l.startsWith('ran on Redis workers '))).toHaveLength(2)
  }, 240_000)

  itR('a distillation study and a quantization sweep through the workers: the local results, progress, a record of where they ran; cancel removes a study\'s jobs', async () => {
    // three separable classes in 6 features: a classification dataset of the project
    const csv = path.join(tmp.dir, 'three.csv')
    writeFileSync(csv, 'a,b,c,d,e,f,label\n' + Array.from({ length: 150 }, (_, i) => [...Array(6).keys()].map((j) => ((i % 3 === j % 3 ? 2 : 0) + Math.sin(i * 7 + j * 3)).toFixed(3)).join(',') + `,c${i % 3}`).join('\n') + '\n')
    await settle((await call<{ runId: string }>('datasets.import', { path: csv })).runId)
    const datasetId = (await call<DatasetSummary[]>('datasets.list')).find((d) => d.name.startsWith('three'))!.id
    const xy = (split: string, field: string) => ({ type: 'dataset', datasetId, split, field })
    await call('settings.set', { compute: { mode: 'local' } })
    const train = await call<{ runId: string }>('jobs.submit', { spec: { kind: 'train', xTrain: xy('train', 'x'), yTrain: xy('train', 'y'), network: { layers: [{ type: 'dense', units: 8, activation: 'relu' }] }, epochs: 3, seed: 2 } })
    expect((await settle(train.runId)).state).toBe('succeeded')
    const modelId = ((await call<RunDetail>('runs.get', { runId: train.runId })).result as { modelId: string }).modelId
    const student = { layers: [{ type: 'dense', units: 8, activation: 'relu' }] }
    const study = { kind: 'distill-study', data: { datasetId, train: 90, test: 20 }, teacher: { type: 'kernel', arch: ARCH }, student, losses: ['ce', 'kd'], seeds: 2, epochs: 2, batchSize: 16, seed: 5 }
    const sweep = { kind: 'quantize', model: modelId, xEval: xy('test', 'x'), yEval: xy('test', 'y'), bits: [2, 4, 8], methods: ['uniform', 'kmeans'], ntkProbe: 6 }
    const db = () => services.project.current!.handle.db
    const report = async (runId: string, name: string): Promise<unknown> => {
      const a = (await call<RunDetail>('runs.get', { runId })).artifacts.find((x) => x.name === name)!
      return JSON.parse(JSON.stringify(readArtifactJson(db(), a.id), (k, v: unknown) => (k === 'seconds' ? undefined : v)))
    }
    const localRuns: string[] = []
    for (const spec of [study, sweep]) {
      const r = await call<{ runId: string }>('jobs.submit', { spec })
      expect((await settle(r.runId)).state).toBe('succeeded')
      localRuns.push(r.runId)
    }

    await call('settings.set', { compute: { mode: 'redis', url: server.url } })
    const progress = new Map<string, number[]>()
    const off = services.onPush((ev, p) => {
      const e = p as { runId: string; event: { type: string; fraction?: number } }
      if (ev === 'job' && e.event.type === 'progress' && e.event.fraction !== undefined) progress.set(e.runId, [...(progress.get(e.runId) ?? []), e.event.fraction])
    })
    for (const [i, [spec, artifact, jobs]] of ([[study, 'distill-study', /run \S+: 4 distill-student jobs/], [sweep, 'quantize', /run \S+: 6 quantize-cell jobs/]] as const).entries()) {
      const { runId } = await call<{ runId: string }>('jobs.submit', { spec })
      const done = await settle(runId)
      expect(done.state, done.error ?? '').toBe('succeeded')
      expect(await report(runId, artifact)).toEqual(await report(localRuns[i]!, artifact))
      const d = await call<RunDetail>('runs.get', { runId })
      expect(d.versions.compute).toBe(`Redis workers via redis://127.0.0.1:${server.port}/0`)
      const logs = d.logs.map((l) => l.message).join('\n')
      expect(logs).toMatch(jobs)
      expect(logs).toMatch(/ran on Redis workers (gw1, gw2|gw1|gw2) via redis:/)
      const p = progress.get(runId) ?? []
      expect(p.length).toBeGreaterThanOrEqual(2)
      for (let j = 1; j < p.length; j++) expect(p[j]).toBeGreaterThanOrEqual(p[j - 1]!)
    }
    off()
    expect((await call<RunDetail>('runs.get', { runId: localRuns[0]! })).versions.compute).toBe('this machine')

    // 18 students: the two workers hold two, the rest wait until the cancel removes them
    const { runId } = await call<{ runId: string }>('jobs.submit', { spec: { ...study, losses: ['ce', 'kd', 'nkd', 'dkd', 'topkld', 'uskd'], seeds: 3, epochs: 40 } })
    let id = ''
    for (let i = 0; i < 1200 && !id; i++) {
      id = (await call<RunDetail>('runs.get', { runId })).logs.map((l) => /run (\S+): 18 distill-student jobs/.exec(l.message)?.[1]).find(Boolean) ?? ''
      if (!id) await new Promise((r) => setTimeout(r, 100))
    }
    // job hashes only (a job in a worker's hands also has a lock key)
    const jobs = async (): Promise<string[]> => (await jobsOfRun(id)).filter((k) => !k.endsWith(':lock'))
    for (let i = 0; i < 600 && (await jobs()).length < 18; i++) await new Promise((r) => setTimeout(r, 50))
    expect((await jobs()).length).toBeGreaterThan(10)
    await call('jobs.cancel', { runId })
    expect((await settle(runId)).state).toBe('cancelled')
    expect((await jobs()).length).toBeLessThanOrEqual(2)
    expect(await redis.exists(`ntkw:run:${id}:cancelled`)).toBe(1)
    expect((await call<RunDetail>('runs.get', { runId })).artifacts.filter((a) => a.name === 'distill-study')).toEqual([])
    // the students in the workers' hands when the cancel came are dropped as they finish
    for (let i = 0; i < 1200 && (await jobsOfRun(id)).length > 0; i++) await new Promise((r) => setTimeout(r, 100))
    expect(await jobsOfRun(id)).toEqual([])
  }, 300_000)

  itR('cancel removes the run\'s jobs from the queue; the project keeps no kernel of it', async () => {
    await call('settings.set', { compute: { mode: 'redis', url: server.url } })
    // 2 400 points in 64² tiles: 741 tiles, far more than two workers finish before the cancel
    const { runId } = await call<{ runId: string }>('jobs.submit', { spec: kernelSpec(path.join(tmp.dir, 'big.npy'), 'kernel to cancel', 64) })
    const id = await (async () => {
      for (let i = 0; i < 600; i++) {
        const d = await call<RunDetail>('runs.get', { runId })
        const m = d.logs.map((l) => /run (\S+): (\d+) tiles/.exec(l.message)).find(Boolean)
        if (m && d.summary.progress > 0) return m[1]!
        await new Promise((r) => setTimeout(r, 100))
      }
      throw new Error('the run never started publishing tiles')
    })()
    expect((await jobsOfRun(id)).length).toBeGreaterThan(0)
    await call('jobs.cancel', { runId })
    expect((await settle(runId)).state).toBe('cancelled')
    // the run removed its waiting jobs before it ended: at most the two in the workers' hands are left
    expect((await jobsOfRun(id)).length).toBeLessThanOrEqual(2)
    // jobs in hand when the cancel came are dropped by their workers as they finish
    const left = await (async () => {
      for (let i = 0; i < 100; i++) {
        const j = await jobsOfRun(id)
        if (j.length === 0) return j
        await new Promise((r) => setTimeout(r, 100))
      }
      return jobsOfRun(id)
    })()
    expect(left).toEqual([])
    expect(await redis.exists(`ntkw:run:${id}:cancelled`)).toBe(1)
    const d = await call<RunDetail>('runs.get', { runId })
    expect(d.artifacts.filter((a) => a.name === 'ntk' || a.name === 'nngp')).toEqual([])
  }, 240_000)

  itR('a run sent to a Redis that is not there fails at once, saying why', async () => {
    const nobody = await freePort()
    await call('settings.set', { compute: { mode: 'redis', url: `redis://:${PASSWORD}@127.0.0.1:${nobody}/0` } })
    const { runId } = await call<{ runId: string }>('jobs.submit', { spec: kernelSpec(path.join(tmp.dir, 'small.npy'), 'kernel, no redis', 64) })
    const r = await settle(runId, 60_000)
    expect(r.state).toBe('failed')
    expect(r.error).toMatch(new RegExp(`connection refused \\(nothing listens on 127.0.0.1:${nobody}\\)`))
    expect(r.error).not.toContain(PASSWORD)
  }, 120_000)

  itR('a kind the queue does not run computes here, and its run says so', async () => {
    await call('settings.set', { compute: { mode: 'redis', url: server.url } })
    const { runId } = await call<{ runId: string }>('jobs.submit', { spec: { kind: 'backend-benchmark', matmulSizes: [16], elementwiseSizes: [1024], repeats: 1 } })
    expect((await settle(runId)).state).toBe('succeeded')
    const d = await call<RunDetail>('runs.get', { runId })
    expect(d.versions.compute).toBe('this machine')
    expect(d.logs.map((l) => l.message)).toContain(`ran on this machine: backend-benchmark is not distributed (only ${REMOTE_TILE_SPEC_KINDS.join(', ')} jobs go to the workers of redis://127.0.0.1:${server.port}/0)`)
  }, 120_000)
})
