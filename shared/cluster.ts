import { z } from 'zod'
import { FcArch, FiniteKernelArch, NetKernelArch } from './arch'
import { DistillStudentSpec } from './jobs/distill'
import { QuantizeCellSpec } from './jobs/quantize'

// The contract between an `ntkw kernel --redis` coordinator and `ntkw worker` processes (issue 20). Everything
// read from the queue or from Redis is data checked against these schemas: nothing is ever executed as code,
// and a payload that fails them fails its job with the schema's message.

/** the BullMQ queue every worker serves */
export const TILE_QUEUE = 'ntkw-tiles'
/** one upper-triangle tile of an analytic kernel */
export const TILE_JOB_KIND = 'kernel-tile'
/** the empirical NTK of one finite network drawn from one seed (a width sweep's (width, seed), an empirical kernel's sample) */
export const SAMPLE_JOB_KIND = 'empirical-sample'
/** one student of a distillation study: a (loss, seed), trained on the study's data and teacher logits */
export const DISTILL_JOB_KIND = 'distill-student'
/** one cell of a quantize job's sweep: a (method, bits, granularity, calibration) of the job's model */
export const QUANT_JOB_KIND = 'quantize-cell'
/** the queue job kinds workers run; any other kind fails its job */
export const QUEUE_JOB_KINDS: readonly string[] = [TILE_JOB_KIND, SAMPLE_JOB_KIND, DISTILL_JOB_KIND, QUANT_JOB_KIND]
/**
 * the job specs whose work goes to workers with --redis (their runners pass ctx.remote on): kernel tiles
 * (kernel, predict), one job per (spec, seed) (width-sweep, empirical-kernel, distill-study: a (loss, seed)),
 * or one job per cell of a quantization sweep (quantize)
 */
export const REMOTE_TILE_SPEC_KINDS: readonly string[] = ['kernel', 'predict', 'width-sweep', 'empirical-kernel', 'distill-study', 'quantize']
/** what each of REMOTE_TILE_SPEC_KINDS sends to the workers, as a run's log says it ('… go to the workers of …') */
export const REMOTE_UNIT_WORDS: Readonly<Record<string, string>> = {
  kernel: 'kernel tiles',
  predict: 'kernel tiles',
  'width-sweep': 'its (width, seed) networks',
  'empirical-kernel': 'its sampled networks',
  'distill-study': 'its (loss, seed) students',
  quantize: 'its sweep cells',
}
/** cap on a job's JSON payload: a tile or sample job is a few hundred bytes (an ARCH.json a few KiB) */
export const MAX_JOB_BYTES = 16 * 1024
/** cap on one stored input matrix (float32 bytes): 2 GiB would not fit a Redis string (512 MiB max) */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024
export const MAX_POINTS = 1 << 22
export const MAX_FEATURES = 1 << 20

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex SHA-256')
/** run ids name Redis keys and BullMQ job ids: no ':' (BullMQ refuses it in custom ids) */
export const RunId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1–64 characters of A–Z a–z 0–9 _ -')

/** the fields every queue job starts with: its kind, the contract's version, its run */
const jobHead = <K extends string>(kind: K) => ({ kind: z.literal(kind), v: z.literal(1), runId: RunId })

/** One input matrix stored once per run under its content hash (float32, row-major). */
export const InputRef = z.object({
  sha256: Sha256,
  rows: z.number().int().min(1).max(MAX_POINTS),
  cols: z.number().int().min(1).max(MAX_FEATURES),
}).refine((r) => r.rows * r.cols * 4 <= MAX_INPUT_BYTES, { message: `an input matrix is capped at ${MAX_INPUT_BYTES} bytes` })
export type InputRef = z.infer<typeof InputRef>

const TileCoords = z.object({
  row0: z.number().int().min(0).max(MAX_POINTS),
  rows: z.number().int().min(1).max(8192),
  col0: z.number().int().min(0).max(MAX_POINTS),
  cols: z.number().int().min(1).max(8192),
})
export type TileCoords = z.infer<typeof TileCoords>

/** An ARCH.json kernel as workers receive it: they plan it again (shared/arch planKernel) for this input shape. */
export const ClusterNetArch = NetKernelArch.extend({
  input: z.array(z.number().int().min(1).max(1 << 16)).min(1).max(3),
}).strict()
export type ClusterNetArch = z.infer<typeof ClusterNetArch>

/** The part of a KernelSpec a worker needs: the FC network (arch) or the ARCH.json (net), kernels, tile edge. */
export const ClusterKernelSpec = z
  .object({
    arch: FcArch.optional(),
    net: ClusterNetArch.optional(),
    kernels: z.array(z.enum(['ntk', 'nngp'])).min(1).max(2),
    tileSize: z.number().int().min(1).max(8192),
  })
  .refine((s) => (s.arch === undefined) !== (s.net === undefined), { message: 'give exactly one of arch (an FC network) and net (an ARCH.json kernel)' })
export type ClusterKernelSpec = z.infer<typeof ClusterKernelSpec>

/** One upper-triangle tile of a kernel (x2 null: x with itself). */
export const TileJob = z
  .object({
    ...jobHead(TILE_JOB_KIND),
    x: InputRef,
    x2: InputRef.nullable(),
    spec: ClusterKernelSpec,
    tile: TileCoords,
  })
  .strict()
  .superRefine((j, ctx) => {
    const cols = j.x2 ? j.x2.rows : j.x.rows
    const t = j.tile
    if (j.x2 && j.x2.cols !== j.x.cols) ctx.addIssue({ code: 'custom', message: `x has ${j.x.cols} features but x2 has ${j.x2.cols}` })
    if (j.spec.net && j.spec.net.input.reduce((a, b) => a * b, 1) !== j.x.cols) ctx.addIssue({ code: 'custom', message: `the architecture's input [${j.spec.net.input.join(', ')}] does not hold the ${j.x.cols} features of x` })
    if (t.row0 + t.rows > j.x.rows || t.col0 + t.cols > cols) ctx.addIssue({ code: 'custom', message: `tile ${t.row0}+${t.rows} × ${t.col0}+${t.cols} lies outside the ${j.x.rows} × ${cols} kernel` })
    if (t.rows > j.spec.tileSize || t.cols > j.spec.tileSize) ctx.addIssue({ code: 'custom', message: `tile ${t.rows} × ${t.cols} exceeds the run's tile size ${j.spec.tileSize}` })
    if (t.row0 % j.spec.tileSize !== 0 || t.col0 % j.spec.tileSize !== 0) ctx.addIssue({ code: 'custom', message: 'tile origin is not on the run\'s tile grid' })
    if (!j.x2 && t.col0 < t.row0) ctx.addIssue({ code: 'custom', message: 'a symmetric kernel is computed on its upper triangle of tiles only' })
  })
export type TileJob = z.infer<typeof TileJob>

/** cap on one published result (a tile is at most 8192² float32 × 2 kernels) */
export const MAX_RESULT_BYTES = 512 * 1024 * 1024

/**
 * The empirical NTK of one finite network drawn from `seed` on x (× x2): the local path's per-sample step
 * (electron/engine/ntk/empirical-sample.ts). The coordinator combines samples exactly as the local run does.
 */
export const SampleJob = z
  .object({
    ...jobHead(SAMPLE_JOB_KIND),
    /** the sample's place in its run (its result id) */
    index: z.number().int().min(0).max(1 << 16),
    x: InputRef,
    x2: InputRef.nullable(),
    /** the rows' shape: an ARCH.json is planned for it on the worker */
    shape: z.array(z.number().int().min(1).max(1 << 20)).min(1).max(3),
    arch: FiniteKernelArch,
    seed: z.number().int().min(0).max(2 ** 31 - 1),
    outDim: z.number().int().min(1).max(4096),
    outputs: z.enum(['trace', 'per-output']),
  })
  .strict()
  .superRefine((j, ctx) => {
    if (j.x2 && j.x2.cols !== j.x.cols) ctx.addIssue({ code: 'custom', message: `x has ${j.x.cols} features but x2 has ${j.x2.cols}` })
    if (j.shape.reduce((a, b) => a * b, 1) !== j.x.cols) ctx.addIssue({ code: 'custom', message: `shape [${j.shape.join(', ')}] does not hold the ${j.x.cols} features of x` })
    const k = j.outputs === 'per-output' ? j.outDim : 1
    if (k * j.x.rows * (j.x2 ?? j.x).rows * 4 > MAX_RESULT_BYTES) ctx.addIssue({ code: 'custom', message: `a ${k}×${j.x.rows}×${(j.x2 ?? j.x).rows} kernel exceeds the ${MAX_RESULT_BYTES}-byte cap on one result` })
  })
export type SampleJob = z.infer<typeof SampleJob>

/** Bytes stored once per run under their content hash (a model's model.json or weights). */
export const BlobRef = z.object({ sha256: Sha256, bytes: z.number().int().min(1).max(MAX_INPUT_BYTES) }).strict()
export type BlobRef = z.infer<typeof BlobRef>

const UnitIndex = z.number().int().min(0).max(1 << 16)
const Classes = z.number().int().min(2).max(100_000)

/**
 * One student of a distillation study (its loss and seed, the study's training settings: the shared
 * DistillStudentSpec). The rows, labels (one float32 column of class ids) and teacher logits are the study's,
 * computed once by the coordinator; the worker trains the student with the local study's code.
 */
export const DistillStudentJob = z
  .object({
    ...jobHead(DISTILL_JOB_KIND),
    index: UnitIndex,
    inputs: z.object({ x: InputRef, labels: InputRef, teacher: InputRef, xHeldOut: InputRef, labelsHeldOut: InputRef, teacherHeldOut: InputRef }).strict(),
    blobs: z.object({}).strict(),
    k: Classes,
    rowShape: z.array(z.number().int().min(1).max(1 << 20)).min(1).max(3),
    spec: DistillStudentSpec,
  })
  .strict()
  .superRefine((j, ctx) => {
    const i = j.inputs
    const bad = (message: string): void => ctx.addIssue({ code: 'custom', message })
    if (i.xHeldOut.cols !== i.x.cols) bad(`x has ${i.x.cols} features but xHeldOut has ${i.xHeldOut.cols}`)
    if (j.rowShape.reduce((a, b) => a * b, 1) !== i.x.cols) bad(`rowShape [${j.rowShape.join(', ')}] does not hold the ${i.x.cols} features of x`)
    for (const [name, rows] of [['labels', i.x.rows], ['labelsHeldOut', i.xHeldOut.rows]] as const) {
      if (i[name].rows !== rows || i[name].cols !== 1) bad(`${name} is ${i[name].rows} × ${i[name].cols}, expected ${rows} × 1 (one class id per row)`)
    }
    for (const [name, rows] of [['teacher', i.x.rows], ['teacherHeldOut', i.xHeldOut.rows]] as const) {
      if (i[name].rows !== rows || i[name].cols !== j.k) bad(`${name} is ${i[name].rows} × ${i[name].cols}, expected ${rows} × ${j.k} logits`)
    }
  })
export type DistillStudentJob = z.infer<typeof DistillStudentJob>

/** One cell of a quantization sweep on the job's model (model.json and weights by content hash). */
export const QuantizeCellJob = z
  .object({
    ...jobHead(QUANT_JOB_KIND),
    index: UnitIndex,
    inputs: z.object({ xEval: InputRef, yEval: InputRef, calibX: InputRef.optional() }).strict(),
    blobs: z.object({ modelJson: BlobRef.refine((b) => b.bytes <= 16 << 20, { message: 'a model.json is capped at 16 MiB' }), weights: BlobRef }).strict(),
    spec: QuantizeCellSpec,
  })
  .strict()
  .superRefine((j, ctx) => {
    const i = j.inputs
    if (i.yEval.rows !== i.xEval.rows) ctx.addIssue({ code: 'custom', message: `the evaluation set has ${i.xEval.rows} inputs but ${i.yEval.rows} labels` })
    if (i.calibX && i.calibX.cols !== i.xEval.cols) ctx.addIssue({ code: 'custom', message: `calibX has ${i.calibX.cols} features but xEval has ${i.xEval.cols}` })
  })
export type QuantizeCellJob = z.infer<typeof QuantizeCellJob>

/** the queue jobs that carry one unit of a study or sweep (a validated spec, its inputs by hash) */
export type UnitJob = DistillStudentJob | QuantizeCellJob
export const UNIT_JOB_KINDS = [DISTILL_JOB_KIND, QUANT_JOB_KIND] as const
export type UnitJobKind = (typeof UNIT_JOB_KINDS)[number]

const Finite = z.number().finite()
/** What a distill-student job publishes: the student's per-epoch history (the local study's StudyRun.history). */
export const DistillStudentOutcome = z
  .object({
    history: z
      .array(z.object({ epoch: z.number().int().min(0), trainLoss: Finite, weight: Finite, seconds: Finite, studentAccuracy: Finite, teacherAccuracy: Finite, agreement: Finite, kl: Finite }).strict())
      .min(1)
      .max(10_000),
  })
  .strict()
export type DistillStudentOutcome = z.infer<typeof DistillStudentOutcome>

/**
 * What a quantize-cell job publishes: the quantized model's evaluation (null with `error` when the scheme
 * does not apply, e.g. a group size that does not divide a layer), and its NTK shift or why none.
 */
export const QuantizeCellOutcome = z
  .object({
    error: z.string().max(4000).nullable(),
    accuracy: Finite.nullable(),
    loss: z.number().nullable(),
    weightBytes: z.number().int().min(0).nullable(),
    confusion: z.array(z.array(z.number().int().min(0))).max(100_000).nullable(),
    levels: z.record(z.string(), z.array(Finite).max(256).nullable()),
    exponents: z.record(z.string(), Finite),
    ntkShift: Finite.nullable(),
    ntkError: z.string().max(4000).nullable(),
  })
  .strict()
export type QuantizeCellOutcome = z.infer<typeof QuantizeCellOutcome>

export interface UnitOutcomes {
  [DISTILL_JOB_KIND]: DistillStudentOutcome
  [QUANT_JOB_KIND]: QuantizeCellOutcome
}

/** the result id of a study or sweep unit inside its run */
export function unitKey(index: number): string {
  return `u${index}`
}

export type QueueJob = TileJob | SampleJob | UnitJob

/** What a coordinator stores about its run, so `--resume RUNID` can check it continues the same work. */
export const RunMeta = z.object({
  v: z.literal(2),
  runId: RunId,
  /** what the run computes (inputs by hash, architecture, tile size...): a resume must match it */
  def: z.record(z.string(), z.unknown()),
  tiles: z.number().int().min(1),
  created: z.string(),
})
export type RunMeta = z.infer<typeof RunMeta>

/** BullMQ job id of a tile: the same tile of the same run is never queued twice */
export function tileJobId(runId: string, t: { row0: number; col0: number }): string {
  return `${runId}-${t.row0}-${t.col0}`
}

/** the tile's id inside its run (published-set member) */
export function tileKey(t: { row0: number; col0: number }): string {
  return `${t.row0}_${t.col0}`
}

/** the result id of a sample inside its run */
export function sampleKey(index: number): string {
  return `s${index}`
}

/** A job's data parsed against the contract; the error says which field was wrong. */
export function parseQueueJob(name: string, data: unknown): QueueJob {
  const bytes = JSON.stringify(data ?? null).length
  if (bytes > MAX_JOB_BYTES) throw new Error(`job payload is ${bytes} bytes, over the ${MAX_JOB_BYTES}-byte cap`)
  const kind = typeof data === 'object' && data !== null ? (data as { kind?: unknown }).kind : undefined
  if (name !== kind || !QUEUE_JOB_KINDS.includes(name)) {
    throw new Error(`unknown job kind '${String(kind ?? name)}': this worker runs only ${QUEUE_JOB_KINDS.map((k) => `'${k}'`).join(', ')} jobs (a newer coordinator, or a foreign producer on the queue)`)
  }
  const schema = { [TILE_JOB_KIND]: TileJob, [SAMPLE_JOB_KIND]: SampleJob, [DISTILL_JOB_KIND]: DistillStudentJob, [QUANT_JOB_KIND]: QuantizeCellJob }[name]!
  const r = schema.safeParse(data)
  if (!r.success) throw new Error(`invalid ${name} payload: ${r.error.issues.map((i) => `${i.path.join('.') || '(job)'}: ${i.message}`).join('; ')}`)
  return r.data
}

// ---- the Redis URL rule (workers, coordinators, `ntkw workers` and the app's Settings apply the same one) ----

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

/** what stands for a saved password wherever a Redis URL is shown back (Settings never sends it in clear) */
export const MASKED_PASSWORD = '********'

export interface RedisUrlProblem {
  code: 'bad_redis_url' | 'insecure_redis'
  message: string
  hint: string
}

/**
 * Why a Redis URL cannot be used, or null: redis:// or rediss://, and a password unless the server is on
 * this machine or the user allowed it (`--insecure`): a passwordless Redis on a network lets anyone queue
 * work or read the kernels. The message never repeats the password.
 */
export function redisUrlProblem(raw: string, insecure: boolean): RedisUrlProblem | null {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    return { code: 'bad_redis_url', message: `${raw.includes('@') ? 'the Redis URL' : raw}: not a URL`, hint: 'Give redis://:PASSWORD@HOST:6379/0 (or rediss:// for TLS).' }
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    return { code: 'bad_redis_url', message: `${u.protocol}//${u.host}: expected a redis:// or rediss:// URL`, hint: 'e.g. redis://:PASSWORD@10.0.0.5:6379/0' }
  }
  if (!u.hostname) return { code: 'bad_redis_url', message: 'the Redis URL names no host', hint: 'e.g. redis://:PASSWORD@127.0.0.1:6379/0' }
  const db = u.pathname.replace(/^\//, '')
  if (db !== '' && !/^\d{1,2}$/.test(db)) return { code: 'bad_redis_url', message: `${u.host}/${db}: the database after the host is a number (0–15)`, hint: 'e.g. redis://:PASSWORD@HOST:6379/0' }
  const host = u.hostname.toLowerCase()
  const loopback = LOOPBACK.has(host) || /^127\./.test(host)
  if (!loopback && !u.password && !insecure) {
    return {
      code: 'insecure_redis',
      message: `${u.host}: a Redis on another machine without a password`,
      hint: 'Set requirepass in redis.conf and give redis://:PASSWORD@HOST:PORT (rediss:// for TLS), or allow it explicitly (--insecure) on a network you trust.',
    }
  }
  return null
}

/** the URL with its password replaced by MASKED_PASSWORD (unchanged when it has none or does not parse) */
export function maskRedisUrl(raw: string): string {
  try {
    const u = new URL(raw)
    if (!u.password) return raw
    u.password = MASKED_PASSWORD
    return u.toString()
  } catch {
    return raw
  }
}

/** the URL without its password, for logs and run records */
export function redactRedisUrl(raw: string): string {
  try {
    const u = new URL(raw)
    u.password = ''
    u.username = ''
    return u.toString()
  } catch {
    return 'an unparseable Redis URL'
  }
}

// ---- what workers tell about themselves (read by `ntkw workers` and the app's workers panel) ----

/** Redis key of a worker's heartbeat; it expires when the worker stops refreshing it */
export const workerBeatKey = (name: string): string => `ntkw:worker:${name}`
export const WORKER_BEAT_PREFIX = 'ntkw:worker:'
/** a worker refreshes its heartbeat this often, and it lives this long */
export const WORKER_BEAT_MS = 2000
export const WORKER_BEAT_TTL_S = 10

const WorkerName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/)
/** a job in a worker's hands: its queue id, its run, what it computes ('tile 0,256', 'sample 3') */
export const WorkerJob = z.object({ id: z.string().max(200), runId: RunId, what: z.string().max(40), since: z.number() }).strict()
export type WorkerJob = z.infer<typeof WorkerJob>

/** A worker's heartbeat as stored in Redis (data from the network: parsed, never trusted). */
export const WorkerBeat = z
  .object({
    v: z.literal(1),
    name: WorkerName,
    host: z.string().max(255),
    pid: z.number().int().min(0),
    concurrency: z.number().int().min(1).max(64),
    backend: z.string().max(32),
    startedAt: z.number(),
    jobs: z.array(WorkerJob).max(64),
  })
  .strict()
export type WorkerBeat = z.infer<typeof WorkerBeat>

export const ClusterWorker = z.object({
  name: z.string(),
  /** the machine it runs on (its heartbeat), else the address Redis sees */
  host: z.string(),
  addr: z.string(),
  concurrency: z.number().int().nullable(),
  backend: z.string().nullable(),
  /** jobs in hand; empty: idle. appRun: the run of the open project they belong to, when it is one */
  jobs: z.array(WorkerJob.extend({ appRun: z.object({ id: z.string(), name: z.string() }).optional() })),
  /** seconds since the worker last spoke (its heartbeat, else its connection) */
  lastSeenS: z.number(),
  upS: z.number(),
})
export type ClusterWorker = z.infer<typeof ClusterWorker>

export const ClusterStatus = z.object({
  queue: z.string(),
  /** the Redis URL without its password */
  where: z.string(),
  workers: z.array(ClusterWorker),
  counts: z.object({ waiting: z.number().int(), active: z.number().int(), delayed: z.number().int(), failed: z.number().int(), completed: z.number().int() }),
  /** the most recent failed jobs' reasons (what a worker could not run) */
  recentFailures: z.array(z.object({ id: z.string(), reason: z.string() })),
})
export type ClusterStatus = z.infer<typeof ClusterStatus>
