import { FcArch } from '../../../shared/arch'
import { RunId } from '../../../shared/cluster'
import { UserError } from '../../../shared/errors'
import type { CliArgs } from '../command'
import { str } from '../flags'
import { progressReporter } from '../progress'
import { checkRedisUrl } from '../../cluster/connection'
import { CancelledRun, runDistributedKernel, type DistributedKernelResult } from '../../cluster/coordinator'
import { readNpyMatrix } from '../../engine/io/npy'
import type { KernelName } from '../../engine/ntk/analytic'

/** --resume RUNID, checked against the run id format */
export function resumeFlag(values: CliArgs['values']): string | undefined {
  const resume = str(values.resume)
  if (resume !== undefined && !RunId.safeParse(resume).success) throw new UserError('bad_flag', `--resume ${resume}: not a run id`, 'Copy the id from the "run …" line the first run printed on stderr.')
  return resume
}

/** The closing line of a run on workers: tiles, reuse after --resume, duplicates, recoveries. */
export function runNote(r: DistributedKernelResult): string {
  const notes = [`${r.tiles} tiles in ${r.seconds.toFixed(1)} s`]
  if (r.reused) notes.push(`${r.reused} reused from the interrupted run`)
  notes.push(`${r.computed} results offered by workers, ${r.duplicates} late duplicate(s) discarded`)
  for (const s of r.stalled) {
    notes.push(`tile ${s.tile} recovered from a lost worker: published ${s.publishedAfterStallS?.toFixed(1) ?? '?'} s after its stall was detected`)
  }
  return `run ${r.runId} done: ${notes.join('; ')}`
}

/** `ntkw kernel ... --redis URL`: the coordinator side of issue 20 (tiles computed by `ntkw worker`). */
export async function runKernelOnRedis(a: {
  values: CliArgs['values']
  io: CliArgs['io']
  x: string
  x2: string | undefined
  /** the architecture flags as parsed (defaults filled in here, by the contract) */
  arch: unknown
  kind: KernelName
  tileSize: number | undefined
  out: string
}): Promise<number> {
  const { values, io } = a
  const url = checkRedisUrl(str(values.redis)!, Boolean(values.insecure))
  const resume = resumeFlag(values)
  const x = readNpyMatrix(a.x)
  const x2 = a.x2 ? readNpyMatrix(a.x2) : null
  const ac = new AbortController()
  const onSigint = (): void => {
    if (ac.signal.aborted) process.exit(130)
    io.err('\ncancelling: removing the run\'s jobs (Ctrl-C again to exit now)...\n')
    ac.abort()
  }
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigint)
  const label = `kernel ${a.kind}`
  const bar = progressReporter(io, label, { quiet: Boolean(values.quiet) })
  try {
    const r = await runDistributedKernel({
      url,
      x,
      x2,
      arch: FcArch.parse(a.arch),
      kernel: a.kind,
      tileSize: a.tileSize,
      out: a.out,
      resume,
      signal: ac.signal,
      log: (line) => {
        bar.end()
        io.err(`${label}: ${line}\n`)
      },
      progress: (fraction, message, eta) => bar.onEvent({ type: 'progress', t: Date.now(), fraction, message, eta }),
    })
    bar.end()
    io.err(`${label}: ${runNote(r)}\n`)
    io.out(`${a.out}\n`)
    return 0
  } catch (e) {
    bar.end()
    if (e instanceof CancelledRun) {
      io.err('cancelled\n')
      return 130
    }
    throw e
  } finally {
    process.off('SIGINT', onSigint)
    process.off('SIGTERM', onSigint)
  }
}
