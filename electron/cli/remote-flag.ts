import type { RedisTiles } from '../cluster/redis-tiles'
import type { CliArgs } from './command'
import { str } from './flags'

/**
 * `--redis URL [--insecure]` of a job command: the job's kernel tiles, sampled networks, study students or sweep
 * cells go to `ntkw worker` processes (issue 20).
 * Undefined without --redis. The cluster code loads only when the flag is given.
 */
export async function remoteTilesFlag(values: CliArgs['values'], io: CliArgs['io'], label: string, opts: { resume?: string; resumable?: boolean } = {}): Promise<RedisTiles | undefined> {
  const raw = str(values.redis)
  if (raw === undefined) return undefined
  const [{ checkRedisUrl }, { RedisTiles }] = await Promise.all([import('../cluster/connection'), import('../cluster/redis-tiles')])
  const url = checkRedisUrl(raw, Boolean(values.insecure))
  return new RedisTiles(
    url,
    (line) => {
      if (!values.quiet) io.err(`${label}: ${line}\n`)
    },
    opts,
  )
}
