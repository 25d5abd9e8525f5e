import path from 'node:path'
import type { JobSpecInput } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import { ACTIVATIONS, activationFlag, inputFile as input, int, number as num, oneOf, str } from '../flags'
import { DirArtifactSink } from '../../engine/jobs/dir-sink'
import type { CliCommand } from '../command'
import { runJobForCli } from '../job-runner'

const USAGE_LINE = 'Usage: ntkw kernel --x X.npy --depth L --activation A [...]'

export const kernelCommand: CliCommand = {
  name: 'kernel',
  summary: 'analytic infinite-width NTK or NNGP of a fully-connected network, NPY in, NPY out',
  usage: `Usage: ntkw kernel --x X.npy [--x2 X2.npy] --depth L --activation A [--w-std S] [--b-std B]
                   [--parameterization ntk|standard] [--kind ntk|nngp] [--out K.npy]

Computes the infinite-width kernel (neural-tangents conventions) of L × (Dense → activation) → Dense,
between the rows of X (and X2, else X with itself). Tiles run on this thread and worker threads (one
per core in all) and are streamed to disk, so large n needs memory for the inputs and at most 256 MiB of
row bands gathered for writing, not for the whole kernel.

Options:
  --x X.npy               points, float32 or float64, shape [n, d]
  --x2 X2.npy             second point set [m, d] (kernel is n × m); default: X itself
  --depth L               number of hidden Dense+activation pairs (0 = linear model)
  --activation A          ${ACTIVATIONS}
  --w-std S               weight standard deviation σ_w (default 1)
  --b-std B               bias standard deviation σ_b (omitted: no bias)
  --parameterization P    ntk (default) or standard
  --width W               hidden width, needed only by the standard-parameterization NTK
  --kind K                ntk (default) or nngp
  --out K.npy             output file (default kernel.npy in the working directory); float32 [n, m]
  --workers N             threads computing tiles: this one and N − 1 worker threads (default 0 = one
                          per core; 1 = this thread only)
  --quiet                 no progress on stderr

Prints the path of the written file on stdout.
`,
  options: {
    x: { type: 'string' },
    x2: { type: 'string' },
    depth: { type: 'string' },
    activation: { type: 'string' },
    'w-std': { type: 'string' },
    'b-std': { type: 'string' },
    parameterization: { type: 'string' },
    width: { type: 'string' },
    kind: { type: 'string' },
    out: { type: 'string' },
    workers: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  choices: { parameterization: ['ntk', 'standard'], kind: ['ntk', 'nngp'] },
  async run({ values, io }) {
    const x = input('x', str(values.x), USAGE_LINE)
    const x2 = str(values.x2) !== undefined ? input('x2', str(values.x2), USAGE_LINE) : undefined
    const depth = num('depth', str(values.depth), int(0, 64), 'an integer 0..64', '3')
    if (depth === undefined) throw new UserError('usage', '--depth is required', 'e.g. --depth 3 (three hidden Dense+activation pairs, then the readout)')
    const activation = activationFlag(str(values.activation))
    const wStd = num('w-std', str(values['w-std']), (n) => n > 0, 'a positive number', '1') ?? 1
    const bStd = num('b-std', str(values['b-std']), (n) => n >= 0, 'a number ≥ 0', '1') ?? null
    const width = num('width', str(values.width), int(1, 65536), 'an integer 1..65536', '1')
    const workers = num('workers', str(values.workers), int(0, 64), 'an integer 0..64', '1') ?? 0
    const parameterization = oneOf('parameterization', str(values.parameterization), ['ntk', 'standard'] as const, 'ntk')
    const kind = oneOf('kind', str(values.kind), ['ntk', 'nngp'] as const, 'ntk')
    const out = path.resolve(str(values.out) ?? 'kernel.npy')

    const spec: JobSpecInput = {
      kind: 'kernel',
      x: { type: 'npy', path: x },
      ...(x2 ? { x2: { type: 'npy' as const, path: x2 } } : {}),
      arch: { depth, activation, wStd, bStd, parameterization, width: width ?? 'inf' },
      kernels: [kind],
      workers,
      // the command writes exactly the one file the user names
      heatmapSize: 0,
      spectrumPoints: 0,
    }
    const sink = new DirArtifactSink(path.dirname(out), { [kind]: out })
    const done = await runJobForCli(io, spec, { label: `kernel ${kind}`, quiet: Boolean(values.quiet), artifacts: sink })
    if (!done) return 130
    io.out(`${sink.written.find((a) => a.name === kind)?.path ?? out}\n`)
    return 0
  },
}
