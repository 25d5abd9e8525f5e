import path from 'node:path'
import type { JobSpecInput } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import { inputFile as input, int, number as num, oneOf, str } from '../flags'
import { featuresArchFlags } from '../commands/features'
import { DirArtifactSink } from '../../engine/jobs/dir-sink'
import type { FeaturesJobResult } from '../../../shared/jobs/results'
import type { CliArgs } from '../command'
import { runJobForCli } from '../job-runner'

const USAGE_LINE = 'Usage: ntkw features --x X.npy --depth L --activation A --method rf|nystrom --features M --out F.npy'

export async function run({ values, io }: CliArgs): Promise<number> {
  const x = input('x', str(values.x), USAGE_LINE)
  const { arch, kind } = await featuresArchFlags.parse(values)
  if (str(values.method) === undefined) throw new UserError('usage', '--method is required', 'rf (random features) or nystrom (landmarks)')
  const method = oneOf('method', str(values.method), ['rf', 'nystrom'] as const, 'rf')
  const features = num('features', str(values.features), int(4, 1 << 16), 'an integer 4..65536', '4096')
  if (features === undefined) throw new UserError('usage', '--features is required', 'e.g. --features 4096 (rf) or --features 1000 (nystrom landmarks)')
  const seed = num('seed', str(values.seed), int(0, 2 ** 31 - 1), 'an integer ≥ 0', '0') ?? 0
  const workers = num('workers', str(values.workers), int(0, 64), 'an integer 0..64', '1') ?? 0
  if (str(values.out) === undefined) throw new UserError('usage', '--out is required', 'e.g. --out features.npy')
  const out = path.resolve(str(values.out)!)

  const spec: JobSpecInput = {
    kind: 'features',
    seed,
    x: { type: 'npy', path: x },
    arch,
    kernel: kind,
    method,
    features,
    workers,
  }
  const sink = new DirArtifactSink(path.dirname(out), { features: out })
  const done = await runJobForCli(io, spec, { label: `features ${method} ${kind}`, quiet: Boolean(values.quiet), artifacts: sink })
  if (!done) return 130
  const r = done.result as FeaturesJobResult
  io.err(`Φ: ${r.n} × ${r.dim} (${method}, ${kind}, requested ${r.requested}, seed ${r.seed}), ${r.seconds.toFixed(1)} s\n`)
  io.out(`${sink.written.find((a) => a.name === 'features')?.path ?? out}\n`)
  return 0
}
