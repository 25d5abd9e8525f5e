import type { z } from 'zod'
import {
  ClusterNetArch,
  DISTILL_JOB_KIND,
  DistillStudentOutcome,
  QuantizeCellOutcome,
  SAMPLE_JOB_KIND,
  SampleJob,
  parseQueueJob,
  sampleKey,
  unitKey,
  type BlobRef,
  type ClusterKernelSpec,
  type InputRef,
  type UnitJob,
  type UnitJobKind,
  type UnitOutcomes,
} from '../../shared/cluster'
import { FcArch } from '../../shared/arch'
import { CancelledError } from '../engine/core/cancel'
import type { RemoteSampleRun, RemoteTileRun, RemoteTiles, RemoteUnitRun } from '../engine/core/remote-tiles'
import { decodeArray } from './array-wire'
import { decodeJson } from './json-wire'
import { redactUrl } from './connection'
import { CancelledRun, distributeTiles, type DistributedKernelResult } from './coordinator'
import { runQueued, type QueuedRunOptions } from './queued-run'
import { putBlob, putInput } from './store'

/**
 * The engine's RemoteTiles on Redis: a job (kernel, predict, the GUI's runs) hands its tile plan here and
 * gets each tile back to finish as a local one; a width sweep or an empirical kernel hands its samples, one
 * queue job per (spec, seed); a distillation study its students (loss, seed) and a quantization sweep its
 * cells, one queue job each. One Redis run per kernel, sample set or study the job computes.
 */
export class RedisTiles implements RemoteTiles {
  readonly where: string
  /** the runs this object carried, newest last (for the closing notes) */
  readonly runs: DistributedKernelResult[] = []
  /** what each of `runs` queued, as the run's record names it: 'tiles', 'samples', 'distill-student jobs' */
  private readonly queued: string[] = []
  /** --resume RUNID: the first kernel run continues that run (its published tiles are not computed again) */
  private resume: string | undefined
  constructor(
    private readonly url: URL,
    private readonly log: (line: string) => void = () => {},
    opts: { resume?: string; resumable?: boolean } = {},
  ) {
    this.where = redactUrl(url)
    this.resume = opts.resume
    this.resumable = Boolean(opts.resumable)
  }
  private readonly resumable: boolean

  /** one line per Redis run: where, its tiles, and the workers that published them (a run's record) */
  summary(): string[] {
    return this.runs.map((r, i) => `ran on Redis workers ${r.workers.join(', ') || '(none named)'} via ${this.where}: run ${r.runId}, ${r.tiles} ${this.queued[i] ?? 'jobs'}${r.duplicates ? `, ${r.duplicates} late duplicates discarded` : ''} in ${r.seconds.toFixed(1)} s`)
  }

  async run(r: RemoteTileRun): Promise<void> {
    const spec: ClusterKernelSpec = {
      ...('fc' in r.arch ? { arch: FcArch.parse(r.arch.fc) } : { net: ClusterNetArch.parse(r.arch) }),
      kernels: r.kernels,
      tileSize: r.tileSize,
    }
    try {
      const done = await distributeTiles({
        url: this.url,
        x: r.x,
        xRows: r.xRows,
        x2: r.x2,
        x2Rows: r.x2Rows,
        d: r.d,
        spec,
        tiles: r.tiles,
        ...(this.resume ? { resume: this.resume } : {}),
        ...(this.resumable ? { resumable: true } : {}),
        ...(r.signal ? { signal: r.signal } : {}),
        log: (line) => (r.log ?? this.log)(line),
        onTile: (t, tile) => r.onTile(t, { ...(tile.ntk ? { ntk: tile.ntk } : {}), ...(tile.nngp ? { nngp: tile.nngp } : {}) }),
      })
      this.resume = undefined
      this.runs.push(done)
      this.queued.push('tiles')
    } catch (e) {
      if (e instanceof CancelledRun) throw new CancelledError()
      throw e
    }
  }

  /** one queued run of samples or units: recorded for the closing notes, a cancel as the engine's */
  private async queue(what: string, r: { signal?: AbortSignal; log?(line: string): void }, o: Pick<QueuedRunOptions, 'plan' | 'onResult'>): Promise<void> {
    try {
      const done = await runQueued({ url: this.url, ...(r.signal ? { signal: r.signal } : {}), log: (line) => (r.log ?? this.log)(line), ...o })
      this.runs.push(done)
      this.queued.push(what)
    } catch (e) {
      if (e instanceof CancelledRun) throw new CancelledError()
      throw e
    }
  }

  async samples(r: RemoteSampleRun): Promise<void> {
    const k = r.outputs === 'per-output' ? [r.outDim] : []
    const shape = [...k, r.xRows, r.x2 ? r.x2Rows : r.xRows]
    await this.queue('samples', r, {
      plan: async (redis, runId) => {
        const x = await putInput(redis, r.x, r.xRows, r.d)
        const x2 = r.x2 ? await putInput(redis, r.x2, r.x2Rows, r.d) : null
        // every job checked against the contract here too: a spec the workers would refuse fails now
        const items = r.samples.map((s, index) => ({
          id: sampleKey(index),
          jobId: `${runId}-${sampleKey(index)}`,
          data: SampleJob.parse({ kind: SAMPLE_JOB_KIND, v: 1, runId, index, x, x2, shape: r.shape, arch: s.arch, seed: s.seed, outDim: r.outDim, outputs: r.outputs }),
        }))
        return { def: { x, x2, samples: r.samples, shape: r.shape, outDim: r.outDim, outputs: r.outputs }, items, what: `${items.length} samples` }
      },
      onResult: (item, buf) => {
        const index = (item.data as SampleJob).index
        r.onSample(index, decodeArray(buf, shape, `sample ${index}`))
      },
    })
  }

  async units<K extends UnitJobKind>(r: RemoteUnitRun<K>): Promise<void> {
    const outcome = (r.kind === DISTILL_JOB_KIND ? DistillStudentOutcome : QuantizeCellOutcome) as unknown as z.ZodType<UnitOutcomes[K]>
    await this.queue(`${r.kind} jobs`, r, {
      plan: async (redis, runId) => {
        // the arrays and blobs every unit shares, once each by content hash
        const inputs: Record<string, InputRef> = {}
        for (const [name, a] of Object.entries(r.arrays)) inputs[name] = await putInput(redis, a.data, a.rows, a.cols)
        const blobs: Record<string, BlobRef> = {}
        for (const [name, b] of Object.entries(r.blobs)) blobs[name] = await putBlob(redis, b)
        // every job checked against the contract (and its size cap) here too: one the workers would refuse fails now
        const items = r.units.map((u, index) => ({
          id: unitKey(index),
          jobId: `${runId}-${unitKey(index)}`,
          data: parseQueueJob(r.kind, { ...u, kind: r.kind, v: 1, runId, index, inputs, blobs }),
        }))
        return { def: { kind: r.kind, inputs, blobs, units: r.units }, items, what: `${items.length} ${r.kind} jobs` }
      },
      onResult: (item, buf) => {
        const index = (item.data as UnitJob).index
        r.onUnit(index, decodeJson(buf, outcome, `${r.kind} ${index}`))
      },
    })
  }
}
