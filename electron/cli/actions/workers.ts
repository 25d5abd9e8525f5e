import { UserError } from '../../../shared/errors'
import type { CliArgs } from '../command'
import { str } from '../flags'
import { checkRedisUrl } from '../../cluster/connection'
import { clusterStatus } from '../../cluster/status'

export async function run({ values, io }: CliArgs): Promise<number> {
  const raw = str(values.redis)
  if (!raw) throw new UserError('usage', '--redis is required', 'Usage: ntkw workers --redis redis://:PASSWORD@HOST:6379/0')
  const s = await clusterStatus(checkRedisUrl(raw, Boolean(values.insecure)))
  if (values.json) {
    io.out(`${JSON.stringify(s, null, 2)}\n`)
    return 0
  }
  const c = s.counts
  io.out(`queue ${s.queue}: ${c.waiting} waiting, ${c.active} active, ${c.delayed} delayed, ${c.failed} failed\n`)
  io.out(`${s.workers.length} worker connection(s)\n`)
  for (const w of s.workers) {
    const doing = w.jobs.length ? w.jobs.map((j) => `run ${j.runId} ${j.what}`).join(', ') : 'idle'
    const what = w.concurrency !== null ? `×${w.concurrency} ${w.backend}` : '(no heartbeat: an older worker)'
    io.out(`  ${w.name.padEnd(28)} ${w.host.padEnd(20)} ${what.padEnd(14)} ${doing}; seen ${w.lastSeenS} s ago, up ${w.upS} s\n`)
  }
  for (const f of s.recentFailures) io.out(`  failed ${f.id}: ${f.reason}\n`)
  return 0
}
