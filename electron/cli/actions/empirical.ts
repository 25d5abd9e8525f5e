import path from 'node:path'
import type { JobSpecInput } from '../../../shared/index'
import { inputFile as input, int, number, str } from '../flags'
import { empiricalArchFlags } from '../commands/empirical'
import { DirArtifactSink } from '../../engine/jobs/dir-sink'
import type { CliArgs } from '../command'
import type { PrefetchWorker } from '../../engine/ntk/empirical-prefetch'
import { remoteTilesFlag } from '../remote-flag'
import { npyShape } from '../npy-header'

const USAGE_LINE = 'Usage: ntkw empirical --x X.npy --depth L --width W --activation A [...]'

export async function run({ values, io }: CliArgs): Promise<number> {
  const x = input('x', str(values.x), USAGE_LINE)
  const x2 = str(values.x2) !== undefined ? input('x2', str(values.x2), USAGE_LINE) : undefined
  // An FC network computed here: its first network's weights and memory are prepared on a second core while
  // this thread parses the flags and loads the engine (ntk/empirical-prefetch.ts). The worker starts first, so
  // that its own start-up overlaps all of that; it gets its request once the flags are checked.
  const early = str(values.arch) === undefined && str(values.redis) === undefined ? await earlyPrefetch(values, x, x2) : null
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
  // the job takes the prepared network only if it is exactly its own (see there)
  if (early && !remote && !('net' in arch) && typeof arch.width === 'number') early.worker.request({ ...early.shape, arch: { ...arch, width: arch.width }, outDim, seed, outputs: 'trace' })
  else early?.worker.drop()
  const sink = new DirArtifactSink(path.dirname(out), { kernel: out })
  // loaded here, after the worker started: the job runner brings the job contract's schemas
  const { runJobForCli } = await import('../job-runner')
  const done = await runJobForCli(io, spec, { label: 'empirical ntk', quiet: Boolean(values.quiet), artifacts: sink, ...(remote ? { remote } : {}) })
  if (!done) return 130
  io.out(`${sink.written.find((a) => a.name === 'kernel')?.path ?? out}\n`)
  return 0
}

/**
 * The prefetch worker, started when the data and the raw --width/--depth say a network's weights and arrays
 * are large enough to be worth it (the flags are checked afterwards; a bad one leaves it unused), with the data's shape.
 */
async function earlyPrefetch(values: CliArgs['values'], x: string, x2: string | undefined): Promise<{ worker: PrefetchWorker; shape: { inDim: number; n: number; n2: number | null } } | null> {
  const width = Number(str(values.width))
  const depth = Number(str(values.depth))
  if (!Number.isInteger(width) || !Number.isInteger(depth) || width < 1 || depth < 0) return null
  let shape: { inDim: number; n: number; n2: number | null }
  try {
    const dims = npyShape(x)
    shape = { inDim: dims.slice(1).reduce((p, v) => p * v, 1), n: dims[0]!, n2: x2 ? npyShape(x2)[0]! : null }
  } catch {
    // a file that is not an .npy is reported by the job, as without this
    return null
  }
  const { PREFETCH_MIN_BYTES, sampleBytes, startPrefetchWorker } = await import('../../engine/ntk/empirical-prefetch')
  const estimate = { ...shape, arch: { depth, width, activation: { name: 'relu' as const }, wStd: 1, bStd: null, parameterization: 'ntk' as const }, outDim: 1, seed: 0, outputs: 'trace' as const }
  if (sampleBytes(estimate) < PREFETCH_MIN_BYTES) return null
  const worker = startPrefetchWorker()
  return worker ? { worker, shape } : null
}
