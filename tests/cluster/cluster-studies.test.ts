import { beforeAll, describe, expect } from 'vitest'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Queue, QueueEvents } from 'bullmq'
import { Redis } from 'ioredis'
import { TILE_QUEUE } from '../../shared/cluster'
import { putInput } from '../../electron/cluster/store'
import { waitFor } from '../helpers/tmp'
import { clusterCli, clusterFile, clusterHooks, hasRedis, redisServer, startNtkw, type RedisServer } from '../helpers/redis'

// Issue 20 for studies and sweeps: `ntkw run SPEC.json --redis URL` splits a distillation study into one queue
// job per (loss, seed) and a quantize job's sweep into one per cell (method × bits × granularity × calibration),
// run by real `ntkw worker` processes through a real redis-server, and assembles the local run's result: the
// coordinator sends the data, the teacher's logits (computed once) or the model once by content hash, the
// workers train or quantize with the local job's code, and the job consumes their outcomes in its own order.
// Per-epoch wall times (`seconds`) are the only fields that differ between two runs, local or not.

const { root, ntkwJs, itR, tmp } = clusterFile('tests/cluster (studies)', 'ntkw-cluster-studies-')
let server: RedisServer
const { procs, worker, local, remote, stopAll } = clusterCli(ntkwJs, root, tmp.dir, () => server.url)
const file = (name: string): string => path.join(tmp.dir, name)
let datasetId = ''
let modelId = ''

/** a value without its wall-clock fields (per-epoch and per-run `seconds`) */
function withoutSeconds(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'seconds' ? undefined : x)))
}

const split = (s: string, field: 'x' | 'y') => ({ type: 'dataset', datasetId, split: s, field })
const STUDENT = { layers: [{ type: 'dense', units: 8, activation: 'relu' }] }
const KERNEL_TEACHER = { type: 'kernel', arch: { depth: 1, width: 'inf', activation: { name: 'relu' }, parameterization: 'ntk' } }

describe('distillation studies and quantization sweeps on workers through BullMQ on Redis', () => {
  beforeAll(async () => {
    if (!hasRedis) return
    server = await redisServer(tmp.dir, 'cluster-studies-pw')
    await server.start()
    const imp = spawnSync(process.execPath, [ntkwJs, 'data', 'import', 'example:mnist', '--project', 'lab.ntkw', '--quiet'], { cwd: tmp.dir, encoding: 'utf8', timeout: 120_000 })
    expect(imp.status, imp.stderr).toBe(0)
    datasetId = (JSON.parse(imp.stdout) as { id: string }).id
    // the model a quantization sweep quantizes: a small MLP trained on the validation split
    writeFileSync(file('train.json'), JSON.stringify({ kind: 'train', xTrain: split('validation', 'x'), yTrain: split('validation', 'y'), network: { layers: [{ type: 'dense', units: 16, activation: 'relu' }] }, epochs: 2, seed: 3 }))
    modelId = (JSON.parse(local(['run', 'train.json', '--project', 'lab.ntkw'])) as { result: { modelId: string } }).result.modelId
  }, 240_000)

  clusterHooks(stopAll, () => server, tmp)

  itR('a distillation study of 2 losses × 2 seeds through 2 workers: the local report, one queue job per (loss, seed)', async () => {
    const [a, b] = [worker('ds1'), worker('ds2')]
    writeFileSync(file('study.json'), JSON.stringify({ kind: 'distill-study', data: { datasetId, train: 120, test: 40 }, teacher: KERNEL_TEACHER, student: STUDENT, losses: ['ce', 'kd'], seeds: 2, epochs: 2, batchSize: 32, seed: 3 }))
    const localOut = JSON.parse(local(['run', 'study.json', '--project', 'lab.ntkw', '--out', 'study-local'])) as { backend: string; result: { table: unknown[] } }
    const c = await remote(['run', 'study.json', '--project', 'lab.ntkw', '--out', 'study-remote'])
    const remoteOut = JSON.parse(c.out) as typeof localOut
    expect(remoteOut.backend).toBe(localOut.backend)
    // the table (mean ± sd per loss of accuracy, agreement, KL), the teacher's accuracy: equal numbers
    expect(withoutSeconds(remoteOut.result)).toEqual(withoutSeconds(localOut.result))
    expect(remoteOut.result.table).toHaveLength(2)
    // the saved report: every student's per-epoch history, equal
    const report = (dir: string) => JSON.parse(readFileSync(file(`${dir}/distill-study.json`), 'utf8')) as { runs: { loss: string; seed: number; history: unknown[] }[] }
    const [lr, rr] = [report('study-local'), report('study-remote')]
    expect(withoutSeconds(rr)).toEqual(withoutSeconds(lr))
    expect(rr.runs.map((r) => `${r.loss}/${r.seed}`)).toEqual(['ce/3', 'ce/4', 'kd/3', 'kd/4'])
    // four different students, not one repeated
    expect(new Set(rr.runs.map((r) => JSON.stringify(withoutSeconds(r.history)))).size).toBe(4)
    expect(c.err).toMatch(/run \S+: 4 distill-student jobs/)
    const served = [a, b].map((w) => [...w.err.matchAll(/distill-student (\d) \((ce|kd) seed \d\) published/g)].map((m) => Number(m[1])))
    for (const s of served) expect(s.length).toBeGreaterThan(0)
    expect(served.flat().sort()).toEqual([0, 1, 2, 3])
  }, 300_000)

  itR('a quantization sweep (methods × bits × granularities) through 2 workers: the local cells, one queue job per cell', async () => {
    const [a, b] = [worker('qs1'), worker('qs2')]
    writeFileSync(file('quant.json'), JSON.stringify({ kind: 'quantize', model: modelId, xEval: split('test', 'x'), yEval: split('test', 'y'), xCalib: split('validation', 'x'), calibRows: 64, bits: [2, 4, 8], granularities: ['tensor', 'group:7'], methods: ['uniform', 'kmeans'], ntkProbe: 8, sensitivityBits: [2] }))
    const localOut = JSON.parse(local(['run', 'quant.json', '--project', 'lab.ntkw'])) as { backend: string; result: { cells: { error: string | null; accuracy: number | null; ntkShift: number | null }[]; sensitivity: unknown[] } }
    const c = await remote(['run', 'quant.json', '--project', 'lab.ntkw'])
    const remoteOut = JSON.parse(c.out) as typeof localOut
    expect(remoteOut.backend).toBe(localOut.backend)
    // every cell (accuracy, loss, bytes, confusion delta, levels, NTK shift, the errors of schemes that do not apply) and the rest of the result: equal
    expect(remoteOut.result).toEqual(localOut.result)
    const cells = remoteOut.result.cells
    expect(cells).toHaveLength(12)
    // group:7 divides no layer of a 784 → 16 → 10 MLP: those cells carry their error, the others numbers
    expect(cells.filter((x) => x.error !== null)).toHaveLength(6)
    expect(new Set(cells.filter((x) => x.error === null).map((x) => x.ntkShift)).size).toBe(6)
    expect(remoteOut.result.sensitivity!.length).toBeGreaterThan(0)
    expect(c.err).toMatch(/run \S+: 12 quantize-cell jobs/)
    expect(c.err).toMatch(/group size 7 does not divide/)
    const served = [a, b].map((w) => [...w.err.matchAll(/quantize-cell (\d+) \(.*\) published/g)].map((m) => Number(m[1])))
    for (const s of served) expect(s.length).toBeGreaterThan(0)
    expect(served.flat().sort((p, q) => p - q)).toEqual([...Array(12).keys()])
  }, 300_000)

  itR('tampered study and sweep jobs fail with the contract\'s message, the worker keeps serving', async () => {
    const w = worker('tu1')
    const conns: Redis[] = []
    const conn = (): Redis => (conns.push(new Redis(server.url, { maxRetriesPerRequest: null })), conns.at(-1)!)
    const redis = conn()
    const queue = new Queue(TILE_QUEUE, { connection: conn() })
    const events = new QueueEvents(TILE_QUEUE, { connection: conn() })
    await events.waitUntilReady()
    const failure = async (name: string, data: unknown): Promise<string> => {
      const job = await queue.add(name, data, { attempts: 1 })
      await job.waitUntilFinished(events, 60_000).then(() => expect.fail('the job should have failed'), () => undefined)
      return (await queue.getJob(job.id!))!.failedReason
    }
    const ref = (rows: number, cols: number) => ({ sha256: 'b'.repeat(64), rows, cols })
    const student = { kind: 'distill-student', v: 1, runId: 'tamper', index: 0, inputs: { x: ref(10, 4), labels: ref(10, 1), teacher: ref(10, 3), xHeldOut: ref(5, 4), labelsHeldOut: ref(5, 1), teacherHeldOut: ref(5, 3) }, blobs: {}, k: 3, rowShape: [4], spec: { student: STUDENT, ceWeight: 1, params: {}, warmupEpochs: 0, klTemperature: 4, epochs: 1, batchSize: 8, optimizer: 'adam', learningRate: 1e-3, loss: 'kd', seed: 1 } }
    expect(await failure('distill-student', { ...student, inputs: { ...student.inputs, teacher: ref(10, 2) } })).toMatch(/invalid distill-student payload: .*teacher is 10 × 2, expected 10 × 3 logits/)
    expect(await failure('distill-student', { ...student, spec: { ...student.spec, loss: 'mse' } })).toMatch(/invalid distill-student payload: spec\.loss/)
    // nothing beyond the contract's fields rides along
    expect(await failure('distill-student', { ...student, spec: { ...student.spec, run: 'process.exit(1)' } })).toMatch(/invalid distill-student payload: spec: Unrecognized key/)
    expect(await failure('distill-student', { ...student, spec: { ...student.spec, student: { layers: Array.from({ length: 400 }, () => STUDENT.layers[0]) } } })).toMatch(/over the 16384-byte cap/)
    expect(await failure('distill-student', student)).toMatch(/is not in Redis/)
    // a quantize cell whose model.json in Redis is not the bytes its hash names: refused before any compute
    const x = await putInput(redis, new Float32Array(20 * 784), 20, 784)
    const y = await putInput(redis, new Float32Array(20), 20, 1)
    await redis.set(`ntkw:data:${'c'.repeat(64)}`, Buffer.from('{"modelTopology":{}}'))
    const cell = { kind: 'quantize-cell', v: 1, runId: 'tamper', index: 0, inputs: { xEval: x, yEval: y }, blobs: { modelJson: { sha256: 'c'.repeat(64), bytes: 20 }, weights: { sha256: 'c'.repeat(64), bytes: 20 } }, spec: { bits: 4, granularity: 'tensor', calibration: 'minmax', method: 'uniform', scheme: 'symmetric', biasCorrection: false, ntkProbe: 0 } }
    expect(await failure('quantize-cell', { ...cell, spec: { ...cell.spec, bits: 9 } })).toMatch(/invalid quantize-cell payload: spec\.bits/)
    expect(await failure('quantize-cell', { ...cell, blobs: { ...cell.blobs, modelJson: { sha256: 'c'.repeat(64), bytes: 17 << 20 } } })).toMatch(/model\.json is capped at 16 MiB/)
    expect(await failure('quantize-cell', { ...cell, inputs: { ...cell.inputs, yEval: { ...y, rows: 19 } } })).toMatch(/20 inputs but 19 labels/)
    expect(await failure('quantize-cell', cell)).toMatch(/fails its checksum/)
    await events.close()
    await queue.close()
    for (const r of conns) r.disconnect()
    // the worker lives: a real study after the tampered jobs completes on it
    writeFileSync(file('study2.json'), JSON.stringify({ kind: 'distill-study', data: { datasetId, train: 40, test: 20 }, teacher: KERNEL_TEACHER, student: STUDENT, losses: ['kd'], seeds: 1, epochs: 1, batchSize: 20 }))
    const c = await remote(['run', 'study2.json', '--project', 'lab.ntkw'])
    expect((JSON.parse(c.out) as { result: { table: unknown[] } }).result.table).toHaveLength(1)
    expect(w.err).toMatch(/failed: invalid distill-student payload/)
    expect(w.err).toMatch(/distill-student 0 \(kd seed 0\) published/)
  }, 300_000)

  itR('Ctrl-C on a study removes its waiting jobs from the queue, marks the run cancelled, and stops the student in a worker\'s hands', async () => {
    const redis = new Redis(server.url, { maxRetriesPerRequest: null })
    const queueConn = new Redis(server.url, { maxRetriesPerRequest: null })
    const queue = new Queue(TILE_QUEUE, { connection: queueConn })
    // one worker takes one student of thousands of epochs (minutes of training); the other five wait
    const w = worker('cw1')
    writeFileSync(file('study-cancel.json'), JSON.stringify({ kind: 'distill-study', data: { datasetId, train: 40, test: 20 }, teacher: KERNEL_TEACHER, student: STUDENT, losses: ['ce', 'kd', 'nkd'], seeds: 2, epochs: 5000, batchSize: 8 }))
    const c = startNtkw(ntkwJs, tmp.dir, ['run', 'study-cancel.json', '--project', 'lab.ntkw', '--redis', server.url])
    procs.push(c)
    const runId = await waitFor(() => /run (\S+): 6 distill-student jobs/.exec(c.err)?.[1], 120_000)
    const ofRun = async (state: 'waiting' | 'active'): Promise<number> => (await (state === 'waiting' ? queue.getWaiting(0, 1000) : queue.getActive(0, 1000))).filter((j) => j.id?.startsWith(`${runId}-`)).length
    for (let i = 0; i < 1200 && ((await ofRun('active')) < 1 || (await ofRun('waiting')) < 5); i++) await new Promise((r) => setTimeout(r, 50))
    expect([await ofRun('active'), await ofRun('waiting')]).toEqual([1, 5])
    c.child.kill('SIGINT')
    expect(await c.exited).toBe(130)
    expect(await ofRun('waiting')).toBe(0)
    expect(await redis.exists(`ntkw:run:${runId}:cancelled`)).toBe(1)
    // the worker sees the cancel and stops training instead of finishing the student
    await waitFor(() => /distill-student \d \(\w+ seed \d\) stopped: its run was cancelled/.test(w.err), 60_000)
    for (let i = 0; i < 200 && (await ofRun('active')) > 0; i++) await new Promise((r) => setTimeout(r, 50))
    expect(await ofRun('active')).toBe(0)
    expect(w.err).not.toMatch(/failed/)
    await queue.close()
    queueConn.disconnect()
    redis.disconnect()
  }, 300_000)
})
