import { randomUUID } from 'node:crypto'
import type { JobEvent, JobSpecInput } from '../../shared/index'
import { UserError } from '../../shared/errors'
import type { ArtifactSink } from '../engine/core/artifact-sink'
import type { DataResolver, ModelSink } from '../engine/core/job'
import type { CliIo } from './command'
import { progressReporter } from './progress'

/**
 * Runs one job in this process for a CLI command: progress bar on stderr, Ctrl-C cancels (twice exits).
 * Resolves with the result, or null when cancelled (the caller exits 130); a failure throws a UserError
 * carrying the job's message and hint.
 */
export async function runJobForCli(
  io: CliIo,
  spec: JobSpecInput,
  opts: { label: string; quiet?: boolean; artifacts: ArtifactSink; data?: DataResolver; runId?: string; onEvent?: (e: JobEvent) => void; onDatasetHash?: (h: string) => void; models?: ModelSink },
): Promise<{ result: unknown } | null> {
  // The engine loads here, after every flag and file has been checked: a usage error never pays for it.
  const [{ executeJob }, { createDataResolver }] = await Promise.all([import('../engine/jobs/execute'), import('../engine/jobs/data-resolver')])
  const ac = new AbortController()
  const onSigint = (): void => {
    if (ac.signal.aborted) process.exit(130)
    io.err('\ncancelling (Ctrl-C again to exit now)...\n')
    ac.abort()
  }
  process.on('SIGINT', onSigint)
  const bar = progressReporter(io, opts.label, { quiet: Boolean(opts.quiet) })
  try {
    const outcome = await executeJob(spec, {
      runId: opts.runId ?? randomUUID(),
      signal: ac.signal,
      emit: (e) => {
        opts.onEvent?.(e)
        bar.onEvent(e)
      },
      artifacts: opts.artifacts,
      data: opts.data ?? createDataResolver(),
      onDatasetHash: opts.onDatasetHash,
      models: opts.models,
    })
    bar.end()
    if (outcome.state === 'cancelled') {
      io.err('cancelled\n')
      return null
    }
    if (outcome.state === 'failed') throw new UserError(`${spec.kind}_failed`, outcome.error, outcome.hint)
    return { result: outcome.result }
  } finally {
    process.off('SIGINT', onSigint)
  }
}
