import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { BlobRef, InputRef } from '../../shared/cluster'

// Redis layout of a run (all under ntkw:):
//   data:<sha256>            an input matrix, float32 row-major bytes, stored once per content
//   run:<id>:meta            RunMeta JSON
//   run:<id>:published       set of result ids (tile '0_64', sample 's3') whose result is stored (the
//                            idempotence authority)
//   run:<id>:ready           list of result ids in publication order (the coordinator reads it by cursor)
//   run:<id>:result:<id>     a result (tile-wire.ts, array-wire.ts), deleted once the coordinator has it
//   run:<id>:duplicates      late results discarded because the tile was already published
//   run:<id>:computed        results offered (published + discarded): shows what --resume recomputed
//   run:<id>:cancelled       set when the coordinator cancels: workers drop that run's jobs
//   run:<id>:workers         names of the workers that published its tiles (the run's record says who computed)
//   worker:<name>            a worker's heartbeat (shared/cluster.ts WorkerBeat), expiring when it stops
// Data and run keys expire (RUN_TTL_S) so an abandoned run does not hold Redis memory for ever.

export const RUN_TTL_S = 7 * 24 * 3600
/** a finished run's bookkeeping (published set, counters) stays a day for `ntkw workers` and late duplicates */
export const DONE_TTL_S = 24 * 3600

export const keys = {
  data: (sha: string) => `ntkw:data:${sha}`,
  meta: (run: string) => `ntkw:run:${run}:meta`,
  published: (run: string) => `ntkw:run:${run}:published`,
  ready: (run: string) => `ntkw:run:${run}:ready`,
  result: (run: string, id: string) => `ntkw:run:${run}:result:${id}`,
  duplicates: (run: string) => `ntkw:run:${run}:duplicates`,
  computed: (run: string) => `ntkw:run:${run}:computed`,
  cancelled: (run: string) => `ntkw:run:${run}:cancelled`,
  workers: (run: string) => `ntkw:run:${run}:workers`,
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

function bytesOf(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength)
}

/** Stores a float32 matrix under its content hash (once: SET NX) and returns its reference. */
export async function putInput(redis: Redis, data: Float32Array, rows: number, cols: number): Promise<InputRef> {
  const buf = bytesOf(data.subarray(0, rows * cols))
  const ref = { sha256: sha256(buf), rows, cols }
  const set = await redis.set(keys.data(ref.sha256), buf, 'EX', RUN_TTL_S, 'NX')
  if (set === null) await redis.expire(keys.data(ref.sha256), RUN_TTL_S)
  return ref
}

/** Stores bytes (a model's model.json or weights) under their content hash, once. */
export async function putBlob(redis: Redis, bytes: Uint8Array): Promise<BlobRef> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const ref = { sha256: sha256(buf), bytes: buf.length }
  const set = await redis.set(keys.data(ref.sha256), buf, 'EX', RUN_TTL_S, 'NX')
  if (set === null) await redis.expire(keys.data(ref.sha256), RUN_TTL_S)
  return ref
}

/** Reads stored bytes back, checking their size and SHA-256 against the reference (tampered data fail the job). */
async function getChecked(redis: Redis, ref: { sha256: string }, bytes: number, what: string): Promise<Buffer> {
  const buf = await redis.getBuffer(keys.data(ref.sha256))
  if (!buf) throw new Error(`input ${ref.sha256.slice(0, 12)}… is not in Redis (expired, or the run was cancelled)`)
  if (buf.length !== bytes) throw new Error(`input ${ref.sha256.slice(0, 12)}… has ${buf.length} bytes, expected ${what}`)
  const got = sha256(buf)
  if (got !== ref.sha256) throw new Error(`input ${ref.sha256.slice(0, 12)}… fails its checksum (got ${got.slice(0, 12)}…): refusing to compute on it`)
  return buf
}

export async function getBlob(redis: Redis, ref: BlobRef): Promise<Uint8Array> {
  return new Uint8Array(await getChecked(redis, ref, ref.bytes, `${ref.bytes}`))
}

/** Reads an input back, checking its size and SHA-256 against the reference (a tampered input fails the job). */
export async function getInput(redis: Redis, ref: InputRef): Promise<Float32Array> {
  const buf = await getChecked(redis, ref, ref.rows * ref.cols * 4, `${ref.rows}×${ref.cols} float32`)
  // copy into an aligned buffer of our own (a Buffer may sit at any offset of Node's pool)
  const out = new Float32Array(ref.rows * ref.cols)
  new Uint8Array(out.buffer).set(buf)
  return out
}

// Publishes a result once: the first wins, a later one is counted and dropped, atomically (a worker
// presumed dead that wakes up can never overwrite or mix into a published tile or sample).
const PUBLISH = `
redis.call('INCR', KEYS[5]); redis.call('EXPIRE', KEYS[5], ARGV[3])
if redis.call('EXISTS', KEYS[6]) == 1 then return -1 end
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
  redis.call('RPUSH', KEYS[3], ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[3]); redis.call('EXPIRE', KEYS[3], ARGV[3])
  return 1
end
redis.call('INCR', KEYS[4]); redis.call('EXPIRE', KEYS[4], ARGV[3])
return 0`

export type PublishOutcome = 'published' | 'duplicate' | 'cancelled'

export async function publishResult(redis: Redis, runId: string, id: string, payload: Buffer): Promise<PublishOutcome> {
  const r = (await redis.eval(
    PUBLISH,
    6,
    keys.published(runId),
    keys.result(runId, id),
    keys.ready(runId),
    keys.duplicates(runId),
    keys.computed(runId),
    keys.cancelled(runId),
    id,
    payload,
    String(RUN_TTL_S),
  )) as number
  return r === 1 ? 'published' : r === 0 ? 'duplicate' : 'cancelled'
}
