import { randomUUID } from 'node:crypto'
import type { JobEvent, JobSpecInput } from '../../shared/index'
import { UserError } from '../../shared/errors'
import { adapterLabel, type BackendInfo } from '../../shared/backend'
import type { ArtifactSink } from '../engine/core/artifact-sink'
import type { DataResolver, ModelSink } from '../engine/core/job'
import type { RemoteTiles } from '../engine/core/remote-tiles'
import type { CliIo } from './command'
import { threadsEnded } from '../engine/core/threads'
import { progressReporter } from './progress'

function describeBackend(active: string, info: BackendInfo | null): string {
  const name = active === 'webgpu' && info?.adapter ? `webgpu on ${adapterLabel(info.adapter)}` : active
  if (info?.choice === 'webgpu' && active !== 'webgpu') return `${active} (beside webgpu: this job kind reads results synchronously, which WebGPU cannot do in Node)`
  if (!info || info.requested === 'auto' || info.choice === info.requested) return name
  const why = info.tried.find((t) => t.name === info.requested)?.reason
  return `${name} (${info.requested} was requested but failed: ${why ?? 'unknown reason'})`
}

/**
 * Runs one job in this process for a CLI command: progress bar on stderr, Ctrl-C cancels (twice exits).
 * Resolves with the result, or null when cancelled (the caller exits 130); a failure throws a UserError
 * carrying the job's message and hint.
 */
export async function runJobForCli(
  io: CliIo,
  spec: JobSpecInput,
  opts: { label: string; quiet?: boolean; artifacts: ArtifactSink; data?: DataResolver; runId?: string; onEvent?: (e: JobEvent) => void; onDatasetHash?: (h: string) => void; models?: ModelSink; remote?: RemoteTiles },
): Promise<{ result: unknown } | null> {
  // The engine loads here, after every flag and file has been checked: a usage error never pays for it.
  const [{ executeJob }, { createDataResolver }, { backendInfo }] = await Promise.all([
    import('../engine/jobs/execute'),
    import('../engine/jobs/data-resolver'),
    import('../engine/runtime/backend-plan'),
  ])
  const ac = new AbortController()
  const onSigint = (): void => {
    // "now" is after the tile in hand of a thread the cancel is ending: terminated inside a GEMM, it aborts the process
    if (ac.signal.aborted) void threadsEnded().then(() => process.exit(130))
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
        // which backend computes is part of the result (a forced or fallen-back one especially)
        if (e.type === 'started' && !opts.quiet) io.err(`${opts.label}: backend ${describeBackend(e.backend, backendInfo())}\n`)
        bar.onEvent(e)
      },
      artifacts: opts.artifacts,
      data: opts.data ?? createDataResolver(),
      onDatasetHash: opts.onDatasetHash,
      models: opts.models,
      ...(opts.remote ? { remote: opts.remote } : {}),
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
