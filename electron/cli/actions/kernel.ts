import path from 'node:path'
import type { JobSpecInput } from '../../../shared/index'
import { BACKEND_CHOICES, inputFile as input, int, number as num, oneOf, str } from '../flags'
import { UserError } from '../../../shared/errors'
import { kernelArchFlags } from '../commands/kernel'
import { DirArtifactSink } from '../../engine/jobs/dir-sink'
import type { CliArgs } from '../command'
import { runJobForCli } from '../job-runner'
import { remoteTilesFlag } from '../remote-flag'

const USAGE_LINE = 'Usage: ntkw kernel --x X.npy --depth L --activation A [...]'

export async function run({ values, io }: CliArgs): Promise<number> {
  const x = input('x', str(values.x), USAGE_LINE)
  const x2 = str(values.x2) !== undefined ? input('x2', str(values.x2), USAGE_LINE) : undefined
  const { arch, kind, plan } = await kernelArchFlags.parseKernelArch(values, x)
  const workers = num('workers', str(values.workers), int(0, 64), 'an integer 0..64', '1') ?? 0
  const out = path.resolve(str(values.out) ?? 'kernel.npy')
  const tileSize = num('tile-size', str(values['tile-size']), int(64, 8192), 'an integer 64..8192', '512')
  if (str(values.redis) !== undefined && !plan) {
    const { runKernelOnRedis } = await import('./kernel-redis')
    return runKernelOnRedis({ values, io, x, x2, arch, kind, tileSize, out })
  }
  const redisCli = str(values.redis) !== undefined ? await import('./kernel-redis') : null
  if (str(values.resume) !== undefined && !redisCli) throw new UserError('usage', '--resume needs --redis URL', 'Give the Redis URL of the run you resume.')
  // an ARCH.json kernel through --redis is the local job with its tiles computed by `ntkw worker` processes;
  // --resume continues its run (the published tiles are read back, not computed again)
  const resume = redisCli?.resumeFlag(values)
  const remote = await remoteTilesFlag(values, io, `kernel ${kind}`, { ...(resume ? { resume } : {}), resumable: true })
  if (values['dry-run']) {
    if (!plan) throw new UserError('usage', '--dry-run estimates ARCH.json kernels', 'Add --arch ARCH.json, or drop --dry-run.')
    const { dryRunReport } = await import('../dry-run')
    io.out(dryRunReport(plan, x, x2, workers, kind))
    return 0
  }
  if (plan && x2) {
    const { npyShape } = await import('../arch-file')
    const a = npyShape(x).slice(1).reduce((p, v) => p * v, 1)
    const b = npyShape(x2).slice(1).reduce((p, v) => p * v, 1)
    if (a !== b) throw new UserError('dim_mismatch', `x has ${a} values per point but x2 has ${b}`, 'Both point sets must have the architecture\'s input shape.')
  }
  const backend = str(values.backend)
  // loaded only now, after the flags and files were checked (a usage error never pays for tfjs)
  if (backend) await (await import('../../engine/runtime/backend')).initBackend(oneOf('backend', backend, BACKEND_CHOICES, 'auto'))

  const spec: JobSpecInput = {
    kind: 'kernel',
    x: { type: 'npy', path: x },
    ...(x2 ? { x2: { type: 'npy' as const, path: x2 } } : {}),
    arch,
    kernels: [kind],
    workers,
    ...(tileSize !== undefined ? { tileSize } : {}),
    // the command writes exactly the one file the user names
    heatmapSize: 0,
    spectrumPoints: 0,
  }
  const sink = new DirArtifactSink(path.dirname(out), { [kind]: out })
  const done = await runJobForCli(io, spec, { label: `kernel ${kind}`, quiet: Boolean(values.quiet), artifacts: sink, ...(remote ? { remote } : {}) })
  if (!done) return 130
  for (const r of remote?.runs ?? []) if (!values.quiet) io.err(`kernel ${kind}: ${redisCli!.runNote(r)}\n`)
  io.out(`${sink.written.find((a) => a.name === kind)?.path ?? out}\n`)
  return 0
}
