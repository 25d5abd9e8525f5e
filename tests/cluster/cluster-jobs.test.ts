import { beforeAll, describe, expect } from 'vitest'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Queue, QueueEvents } from 'bullmq'
import { Redis } from 'ioredis'
import { TILE_QUEUE } from '../../shared/cluster'
import { encodeNpy } from '../../electron/engine/io/npy'
import { mnistRows } from '../helpers/mnist'
import { waitFor } from '../helpers/tmp'
import { clusterCli, clusterFile, clusterHooks, hasRedis, redisServer, startNtkw, type RedisServer } from '../helpers/redis'

// Issue 20 beyond FC kernels: jobs whose kernel tiles (ARCH.json kernels, predict's kernel blocks) or
// per-(width, seed) samples (width sweeps) go to real `ntkw worker` processes through a real redis-server,
// compared with the same command run on this machine: the same bytes, the same numbers. Per-(spec, seed)
// jobs (a width sweep's (width, seed), an empirical kernel's networks) are combined by the coordinator with
// the local loop's code in the local loop's order, so the results are equal, not merely close.

const { root, ntkwJs, itR, tmp } = clusterFile('tests/cluster (jobs)', 'ntkw-cluster-jobs-')
let server: RedisServer
const { procs, worker, local, remote, stopAll } = clusterCli(ntkwJs, root, tmp.dir, () => server.url)

const file = (name: string): string => path.join(tmp.dir, name)
let datasetId = ''

// A small CNN on 8×8 images: same-padded conv, average pooling (the full P×P covariance), a valid conv
const CNN = {
  input: [8, 8, 1],
  layers: [
    { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', activation: 'relu' },
    { type: 'avgpool2d', pool: 2 },
    { type: 'conv2d', filters: 4, kernel: 3, padding: 'valid', activation: 'erf' },
    { type: 'flatten' },
  ],
}

describe('jobs on workers through BullMQ on Redis', () => {
  beforeAll(async () => {
    if (!hasRedis) return
    server = await redisServer(tmp.dir, 'cluster-jobs-pw')
    await server.start()
    // 8×8 images: MNIST digits averaged over 3×3 blocks of their central 24×24
    const m = await mnistRows(300)
    const small = new Float32Array(300 * 64)
    for (let i = 0; i < 300; i++) {
      for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) {
        let s = 0
        for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) s += m.x[i * 784 + (2 + 3 * r + a) * 28 + 2 + 3 * c + b]!
        small[i * 64 + r * 8 + c] = s / 9
      }
    }
    writeFileSync(file('img.npy'), encodeNpy(small.subarray(0, 48 * 64), [48, 8, 8, 1]))
    writeFileSync(file('img192.npy'), encodeNpy(small.subarray(0, 192 * 64), [192, 8, 8, 1]))
    writeFileSync(file('cnn.json'), JSON.stringify(CNN))
    writeFileSync(file('xtr.npy'), encodeNpy(m.x.subarray(0, 200 * 784), [200, 784]))
    const onehot = new Float32Array(200 * 10)
    for (let i = 0; i < 200; i++) onehot[i * 10 + m.y[i]!] = 1
    writeFileSync(file('ytr.npy'), encodeNpy(onehot, [200, 10]))
    writeFileSync(file('xte.npy'), encodeNpy(m.x.subarray(200 * 784, 300 * 784), [100, 784]))
    // a project dataset for the width sweep (lab specs read project datasets)
    const imp = spawnSync(process.execPath, [ntkwJs, 'data', 'import', 'example:mnist', '--project', 'lab.ntkw', '--quiet'], { cwd: tmp.dir, encoding: 'utf8', timeout: 120_000 })
    expect(imp.status, imp.stderr).toBe(0)
    datasetId = (JSON.parse(imp.stdout) as { id: string }).id
  }, 180_000)

  clusterHooks(stopAll, () => server, tmp)

  itR('a convolutional kernel (ARCH.json with pooling) on 2 workers: the bytes of the local ntkw kernel --arch', async () => {
    const [a, b] = [worker('cnn1'), worker('cnn2')]
    local(['kernel', '--x', 'img.npy', '--arch', 'cnn.json', '--out', 'cnn-local.npy'])
    const c = await remote(['kernel', '--x', 'img.npy', '--arch', 'cnn.json', '--out', 'cnn-remote.npy'])
    expect(readFileSync(file('cnn-remote.npy')).equals(readFileSync(file('cnn-local.npy')))).toBe(true)
    const tiles = Number(/run \S+: (\d+) tiles/.exec(c.err)?.[1])
    expect(tiles).toBeGreaterThan(2)
    // both workers computed tiles of it
    for (const w of [a, b]) expect(w.err).toMatch(/tile \(\d+, \d+\) published/)
    // --resume of a run this Redis never saw: said, not ignored
    const r = spawnSync(process.execPath, [ntkwJs, 'kernel', '--x', 'img.npy', '--arch', 'cnn.json', '--redis', server.url, '--resume', 'abc'], { cwd: tmp.dir, encoding: 'utf8' })
    expect(r.status).not.toBe(0)
    expect(r.stderr).toMatch(/--resume abc: no such run/)
  }, 300_000)

  itR('ntkw kernel --arch --redis: the coordinator SIGKILLed mid-run and restarted with --resume gives the local bytes, published tiles not recomputed', async () => {
    const redis = new Redis(server.url, { maxRetriesPerRequest: null })
    const a = worker('ra1')
    // 192 images: the spatial tiler's plan (tiles of 32 here, about 20) on one worker
    const args = ['kernel', '--x', 'img192.npy', '--arch', 'cnn.json']
    local([...args, '--out', 'cnnr-local.npy'])
    const c = startNtkw(ntkwJs, tmp.dir, [...args, '--out', 'cnnr-remote.npy', '--redis', server.url])
    procs.push(c)
    const [runId, tiles] = await waitFor(() => /run (\S+): (\d+) tiles/.exec(c.err)?.slice(1).map((v, i) => (i ? Number(v) : v)) as [string, number] | undefined, 60_000)
    expect(c.err).toMatch(`resume with --resume ${runId}`)
    const ready = `ntkw:run:${runId}:ready`
    for (let i = 0; i < 1200 && (await redis.llen(ready)) < 2; i++) await new Promise((r) => setTimeout(r, 50))
    c.child.kill('SIGKILL')
    await c.exited
    const before = new Set(await redis.lrange(ready, 0, -1))
    expect(before.size).toBeGreaterThanOrEqual(2)
    expect(before.size).toBeLessThan(tiles)
    const r = await remote([...args, '--out', 'cnnr-remote.npy', '--resume', runId])
    expect(readFileSync(file('cnnr-remote.npy')).equals(readFileSync(file('cnnr-local.npy')))).toBe(true)
    expect(Number(/(\d+) reused from the interrupted run/.exec(r.err)?.[1] ?? -1)).toBeGreaterThanOrEqual(before.size)
    // no tile published before the kill was computed again: a recomputed tile would be a counted duplicate
    // (a tile in flight at the resume may be offered twice; it is not one of those published before)
    const again = [...a.err.matchAll(/tile \((\d+), (\d+)\) duplicate/g)].map((m) => `${m[1]}_${m[2]}`)
    expect(again.filter((t) => before.has(t))).toEqual([])
    const dup = Number((await redis.get(`ntkw:run:${runId}:duplicates`)) ?? 0)
    expect(dup).toBe(again.length)
    // a resume with other flags is refused: it would mix two kernels
    const bad = spawnSync(process.execPath, [ntkwJs, ...args, '--w-std', '2', '--out', 'x.npy', '--redis', server.url, '--resume', runId], { cwd: tmp.dir, encoding: 'utf8' })
    expect(bad.status).not.toBe(0)
    expect(bad.stderr).toMatch(/that run computed another kernel/)
    console.info(`--resume (ARCH.json): ${before.size} of ${tiles} tiles published before the kill, ${again.length} offered twice`)
    redis.disconnect()
  }, 300_000)

  itR('ntkw predict --redis: its train and test×train kernel tiles on 2 workers give the local predictions, byte for byte', async () => {
    worker('p1')
    worker('p2')
    const args = ['predict', '--x-train', 'xtr.npy', '--y-train', 'ytr.npy', '--x-test', 'xte.npy', '--depth', '2', '--activation', 'relu', '--diag-reg', '1e-4']
    local([...args, '--out', 'pred-local.npy', '--var', 'var-local.npy'])
    const c = await remote([...args, '--out', 'pred-remote.npy', '--var', 'var-remote.npy'])
    // two runs on the queue: train × train, then test × train
    expect([...c.err.matchAll(/run \S+: \d+ tiles/g)].length).toBe(2)
    expect(readFileSync(file('pred-remote.npy')).equals(readFileSync(file('pred-local.npy')))).toBe(true)
    expect(readFileSync(file('var-remote.npy')).equals(readFileSync(file('var-local.npy')))).toBe(true)
  }, 300_000)

  itR('a width sweep of 3 widths × 4 seeds through 2 workers: the numbers of the local run, one queue job per (width, seed)', async () => {
    const [a, b] = [worker('ws1'), worker('ws2')]
    writeFileSync(file('sweep.json'), JSON.stringify({ kind: 'width-sweep', data: { datasetId, train: 64, test: 8 }, arch: { depth: 2, activation: { name: 'relu' }, width: 'inf' }, widths: [32, 128, 512], seedsPerWidth: 4, seed: 11 }))
    const localOut = JSON.parse(local(['run', 'sweep.json', '--project', 'lab.ntkw'])) as { result: { errors: number[][] } }
    const c = await remote(['run', 'sweep.json', '--project', 'lab.ntkw'])
    const remoteOut = JSON.parse(c.out) as { result: { errors: number[][] } }
    // every number of the result (errors per (width, seed), means, stds, the fitted slope): equal
    expect(remoteOut.result).toEqual(localOut.result)
    expect(remoteOut.result.errors.flat()).toHaveLength(12)
    expect(new Set(remoteOut.result.errors.flat()).size).toBe(12) // 12 different networks, not one repeated
    expect(c.err).toMatch(/run \S+: 12 samples/)
    const served = [a, b].map((w) => [...w.err.matchAll(/sample (\d+) \(seed \d+\) published/g)].map((m) => Number(m[1])))
    for (const s of served) expect(s.length).toBeGreaterThan(0)
    expect(served.flat().sort((p, q) => p - q)).toEqual([...Array(12).keys()])
  }, 300_000)

  itR('ntkw empirical --arch --redis: each network on a worker, the mean is the bytes of the local run', async () => {
    worker('e1')
    worker('e2')
    const args = ['empirical', '--x', 'img.npy', '--arch', 'cnn.json', '--samples', '3', '--seed', '5']
    local([...args, '--out', 'emp-local.npy'])
    const c = await remote([...args, '--out', 'emp-remote.npy'])
    expect(c.err).toMatch(/run \S+: 3 samples/)
    expect(readFileSync(file('emp-remote.npy')).equals(readFileSync(file('emp-local.npy')))).toBe(true)
    // a one-network run differs: the file above is a mean over 3, not a copy of one
    local([...args.slice(0, -4), '--samples', '1', '--seed', '5', '--out', 'emp-one.npy'])
    expect(readFileSync(file('emp-one.npy')).equals(readFileSync(file('emp-local.npy')))).toBe(false)
  }, 300_000)

  itR('a tampered sample job fails with the contract\'s message, a spec kind that cannot distribute is refused, the worker keeps serving', async () => {
    const w = worker('st1')
    // BullMQ does not close a connection it was handed: these are closed here (else they retry a stopped server)
    const conns: Redis[] = []
    const conn = (): Redis => (conns.push(new Redis(server.url, { maxRetriesPerRequest: null })), conns.at(-1)!)
    const queue = new Queue(TILE_QUEUE, { connection: conn() })
    const events = new QueueEvents(TILE_QUEUE, { connection: conn() })
    await events.waitUntilReady()
    const failure = async (data: unknown): Promise<string> => {
      const job = await queue.add('empirical-sample', data, { attempts: 1 })
      // the first waits for the new worker's start-up as well: over a minute once at load 15
      await job.waitUntilFinished(events, 150_000).then(() => expect.fail('the job should have failed'), () => undefined)
      return (await queue.getJob(job.id!))!.failedReason
    }
    const good = { kind: 'empirical-sample', v: 1, runId: 'tamper', index: 0, x: { sha256: 'b'.repeat(64), rows: 10, cols: 4 }, x2: null, shape: [4], arch: { depth: 1, width: 8, activation: { name: 'relu' } }, seed: 1, outDim: 1, outputs: 'trace' }
    expect(await failure({ ...good, shape: [5] })).toMatch(/invalid empirical-sample payload: .*shape \[5\] does not hold the 4 features/)
    expect(await failure({ ...good, arch: { depth: 1, width: 'inf', activation: { name: 'relu' } } })).toMatch(/invalid empirical-sample payload: arch/)
    expect(await failure({ ...good, x: { sha256: 'b'.repeat(64), rows: 20_000, cols: 4 }, outputs: 'per-output', outDim: 4096 })).toMatch(/exceeds the \d+-byte cap on one result/)
    expect(await failure(good)).toMatch(/is not in Redis/)
    await events.close()
    await queue.close()
    for (const r of conns) r.disconnect()
    // the worker lives: a real run after the tampered jobs completes
    writeFileSync(file('sweep2.json'), JSON.stringify({ kind: 'width-sweep', data: { datasetId, train: 16, test: 4 }, arch: { depth: 1, activation: { name: 'erf' }, width: 'inf' }, widths: [8, 64], seedsPerWidth: 1 }))
    const c = await remote(['run', 'sweep2.json', '--project', 'lab.ntkw'])
    expect((JSON.parse(c.out) as { result: { errors: number[][] } }).result.errors.flat()).toHaveLength(2)
    expect(w.err).toMatch(/failed: invalid empirical-sample payload/)
    // kinds whose work cannot go to workers are refused, not run here
    writeFileSync(file('tvt.json'), JSON.stringify({ kind: 'train-vs-theory', data: { datasetId, train: 16, test: 4 }, arch: { depth: 1, activation: { name: 'relu' } } }))
    const r = spawnSync(process.execPath, [ntkwJs, 'run', 'tvt.json', '--project', 'lab.ntkw', '--redis', server.url], { cwd: tmp.dir, encoding: 'utf8' })
    expect(r.status).not.toBe(0)
    expect(r.stderr).toMatch(/--redis runs kernel, predict, width-sweep, empirical-kernel, distill-study, quantize specs on workers .* a train-vs-theory spec cannot run there yet/)
  }, 300_000)

  itR('Ctrl-C on a width sweep waiting for workers removes its 12 sample jobs from the queue and marks the run cancelled', async () => {
    const redis = new Redis(server.url, { maxRetriesPerRequest: null })
    const queueConn = new Redis(server.url, { maxRetriesPerRequest: null })
    const queue = new Queue(TILE_QUEUE, { connection: queueConn })
    // no worker: the jobs wait in the queue until the cancel
    writeFileSync(file('sweep-cancel.json'), JSON.stringify({ kind: 'width-sweep', data: { datasetId, train: 16, test: 4 }, arch: { depth: 1, activation: { name: 'relu' }, width: 'inf' }, widths: [8, 16, 32], seedsPerWidth: 4 }))
    const c = startNtkw(ntkwJs, tmp.dir, ['run', 'sweep-cancel.json', '--project', 'lab.ntkw', '--redis', server.url])
    procs.push(c)
    const runId = await waitFor(() => /run (\S+): 12 samples/.exec(c.err)?.[1], 120_000)
    const ofRun = async (): Promise<number> => (await queue.getWaiting(0, 1000)).filter((j) => j.id?.startsWith(`${runId}-`)).length
    for (let i = 0; i < 200 && (await ofRun()) < 12; i++) await new Promise((r) => setTimeout(r, 50))
    expect(await ofRun()).toBe(12)
    c.child.kill('SIGINT')
    expect(await c.exited).toBe(130)
    expect(c.err).toMatch(/cancelled/)
    expect(await ofRun()).toBe(0)
    expect(await redis.exists(`ntkw:run:${runId}:cancelled`)).toBe(1)
    await queue.close()
    queueConn.disconnect()
    redis.disconnect()
  }, 300_000)
})
