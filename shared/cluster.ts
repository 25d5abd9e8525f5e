import { z } from 'zod'
import { FcArch, NetKernelArch } from './arch'

// The contract between an `ntkw kernel --redis` coordinator and `ntkw worker` processes (issue 20). Everything
// read from the queue or from Redis is data checked against these schemas: nothing is ever executed as code,
// and a payload that fails them fails its job with the schema's message.

/** the BullMQ queue every worker serves */
export const TILE_QUEUE = 'ntkw-tiles'
/** the only job kind workers run today; any other kind fails its job */
export const TILE_JOB_KIND = 'kernel-tile'
/** the job specs whose kernel tiles go to workers with --redis (their runners pass ctx.remote on) */
export const REMOTE_TILE_SPEC_KINDS: readonly string[] = ['kernel', 'predict']
/** cap on a job's JSON payload: a tile job is a few hundred bytes */
export const MAX_JOB_BYTES = 16 * 1024
/** cap on one stored input matrix (float32 bytes): 2 GiB would not fit a Redis string (512 MiB max) */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024
export const MAX_POINTS = 1 << 22
export const MAX_FEATURES = 1 << 20

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex SHA-256')
/** run ids name Redis keys and BullMQ job ids: no ':' (BullMQ refuses it in custom ids) */
export const RunId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1–64 characters of A–Z a–z 0–9 _ -')

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
    kind: z.literal(TILE_JOB_KIND),
    v: z.literal(1),
    runId: RunId,
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

/** What a coordinator stores about its run, so `--resume RUNID` can check it continues the same kernel. */
export const RunMeta = z.object({
  v: z.literal(1),
  runId: RunId,
  x: InputRef,
  x2: InputRef.nullable(),
  spec: ClusterKernelSpec,
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

/** A job's data parsed against the contract; the error says which field was wrong. */
export function parseTileJob(name: string, data: unknown): TileJob {
  const bytes = JSON.stringify(data ?? null).length
  if (bytes > MAX_JOB_BYTES) throw new Error(`job payload is ${bytes} bytes, over the ${MAX_JOB_BYTES}-byte cap`)
  const kind = typeof data === 'object' && data !== null ? (data as { kind?: unknown }).kind : undefined
  if (name !== TILE_JOB_KIND || kind !== TILE_JOB_KIND) {
    throw new Error(`unknown job kind '${String(kind ?? name)}': this worker runs only '${TILE_JOB_KIND}' jobs (a newer coordinator, or a foreign producer on the queue)`)
  }
  const r = TileJob.safeParse(data)
  if (!r.success) throw new Error(`invalid ${TILE_JOB_KIND} payload: ${r.error.issues.map((i) => `${i.path.join('.') || '(job)'}: ${i.message}`).join('; ')}`)
  return r.data
}
