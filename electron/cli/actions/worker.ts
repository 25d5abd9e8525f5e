import type { BackendChoice } from '../../../shared/backend'
import { UserError } from '../../../shared/errors'
import type { CliArgs } from '../command'
import { int, number as num, str } from '../flags'
import { checkRedisUrl } from '../../cluster/connection'
import { defaultWorkerName, startWorker } from '../../cluster/worker'

export async function run({ values, io }: CliArgs): Promise<number> {
  const raw = str(values.redis)
  if (!raw) throw new UserError('usage', '--redis is required', 'Usage: ntkw worker --redis redis://:PASSWORD@HOST:6379/0')
  const url = checkRedisUrl(raw, Boolean(values.insecure))
  const concurrency = num('concurrency', str(values.concurrency), int(1, 64), 'an integer 1..64', '2') ?? 1
  const name = str(values.name) ?? defaultWorkerName()
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new UserError('bad_flag', `--name ${name}: expected 1–64 characters of A–Z a–z 0–9 . _ -`, 'e.g. --name gpu-box-1')
  const stamp = (): string => new Date().toISOString().slice(11, 23)
  const w = await startWorker({
    url,
    concurrency,
    backend: (str(values.backend) ?? 'auto') as BackendChoice,
    name,
    log: (line) => io.err(`${stamp()} ${line}\n`),
  })
  let signals = 0
  const stop = (sig: string): void => {
    signals++
    io.err(`${stamp()} ${sig}: ${signals === 1 ? 'finishing the jobs in hand, then exiting (again: hand them back now)' : 'handing the jobs back'}\n`)
    void w.close(signals > 1)
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  await w.closed
  io.err(`${stamp()} worker ${name} stopped\n`)
  return 0
}
