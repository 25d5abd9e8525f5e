import path from 'node:path'
import type { JobSpecInput } from '../../../shared/index'
import { inputFile as input, int, number, str } from '../flags'
import { empiricalArchFlags } from '../commands/empirical'
import { DirArtifactSink } from '../../engine/jobs/dir-sink'
import type { CliArgs } from '../command'
import { runJobForCli } from '../job-runner'
import { remoteTilesFlag } from '../remote-flag'
import { npyShape } from '../npy-header'

const USAGE_LINE = 'Usage: ntkw empirical --x X.npy --depth L --width W --activation A [...]'

export async function run({ values, io }: CliArgs): Promise<number> {
  const x = input('x', str(values.x), USAGE_LINE)
  const x2 = str(values.x2) !== undefined ? input('x2', str(values.x2), USAGE_LINE) : undefined
  const { arch } = await empiricalArchFlags.parseKernelArch(values, x)
  const seed = number('seed', str(values.seed), int(0, 2 ** 31 - 1), 'an integer 0..2147483647', '0') ?? 0
  const samples = number('samples', str(values.samples), int(1, 1000), 'an integer 1..1000', '8') ?? 1
  const outDim = number('out-dim', str(values['out-dim']), int(1, 4096), 'an integer 1..4096', '10') ?? 1
  const out = path.resolve(str(values.out) ?? 'kernel.npy')

  const spec: JobSpecInput = {
    kind: 'empirical-kernel',
    seed,
    x: { type: 'npy', path: x },
    ...(x2 ? { x2: { type: 'npy' as const, path: x2 } } : {}),
    arch: 'net' in arch ? arch : { ...arch, width: arch.width as number },
    samples,
    outDim,
    outputs: 'trace',
  }
  // --redis: each network's kernel is one `ntkw worker` job; the mean is taken here in sample order
  const remote = await remoteTilesFlag(values, io, 'empirical ntk')
  // an FC network computed here: its first network's weights and memory are prepared on a second core while
  // the engine loads (the job takes them only if they are exactly its own; see there)
  if (!remote && !('net' in arch) && typeof arch.width === 'number') {
    const shape = npyShape(x)
    const { prefetchEmpiricalSample } = await import('../../engine/ntk/empirical-prefetch')
    prefetchEmpiricalSample({
      arch: { ...arch, width: arch.width },
      inDim: shape.slice(1).reduce((p, v) => p * v, 1),
      outDim,
      seed,
      n: shape[0]!,
      n2: x2 ? npyShape(x2)[0]! : null,
      outputs: 'trace',
    })
  }
  const sink = new DirArtifactSink(path.dirname(out), { kernel: out })
  const done = await runJobForCli(io, spec, { label: 'empirical ntk', quiet: Boolean(values.quiet), artifacts: sink, ...(remote ? { remote } : {}) })
  if (!done) return 130
  io.out(`${sink.written.find((a) => a.name === 'kernel')?.path ?? out}\n`)
  return 0
}
