import path from 'node:path'
import type { JobSpecInput } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import { ACTIVATIONS, activationFlag, inputFile as input, int, number, required, str } from '../flags'
import { DirArtifactSink } from '../../engine/jobs/dir-sink'
import type { CliCommand } from '../command'
import { runJobForCli } from '../job-runner'

const USAGE_LINE = 'Usage: ntkw empirical --x X.npy --depth L --width W --activation A [...]'

export const empiricalCommand: CliCommand = {
  name: 'empirical',
  summary: 'empirical (finite-width) NTK of randomly initialised networks, NPY in, NPY out',
  usage: `Usage: ntkw empirical --x X.npy [--x2 X2.npy] --depth L --width W --activation A [--w-std S] [--b-std B]
                      [--seed N] [--samples M] [--out K.npy]

Computes Θ̂(x, x2) = Σ_p ∂f(x)/∂p ∂f(x2)/∂p of finite networks L × (Dense → activation) → Dense readout
in the NTK parameterization (weights N(0, 1), scaled by σ_w/√fan-in), by the layerwise identity
(no per-example Jacobians), averaged over M independently initialised networks.

Options:
  --x X.npy               points, float32 or float64, shape [n, d]
  --x2 X2.npy             second point set [m, d] (kernel is n × m); default: X itself
  --depth L               number of hidden Dense+activation pairs (0 = linear model)
  --width W               hidden width (number of units per hidden layer)
  --activation A          ${ACTIVATIONS}
  --w-std S               weight standard deviation σ_w (default 1)
  --b-std B               bias standard deviation σ_b (omitted: no bias)
  --seed N                seed of the first network (default 0); the same seed gives the same kernel
  --samples M             Monte-Carlo average over M networks (default 1)
  --out K.npy             output file (default kernel.npy in the working directory); float32 [n, m]
  --parameterization P    ntk (default) or standard
  --out-dim K             number of output units of the readout (default 1); the kernel is their average
  --quiet                 no progress on stderr

Prints the path of the written file on stdout.
`,
  options: {
    x: { type: 'string' },
    x2: { type: 'string' },
    depth: { type: 'string' },
    width: { type: 'string' },
    activation: { type: 'string' },
    'w-std': { type: 'string' },
    'b-std': { type: 'string' },
    seed: { type: 'string' },
    samples: { type: 'string' },
    out: { type: 'string' },
    parameterization: { type: 'string' },
    'out-dim': { type: 'string' },
    quiet: { type: 'boolean' },
  },
  choices: { parameterization: ['ntk', 'standard'] },
  async run({ values, io }) {
    const x = input('x', str(values.x), USAGE_LINE)
    const x2 = str(values.x2) !== undefined ? input('x2', str(values.x2), USAGE_LINE) : undefined
    const depth = required('depth', number('depth', str(values.depth), int(0, 64), 'an integer 0..64', '3'), 'e.g. --depth 3 (three hidden Dense+activation pairs, then the readout)')
    const width = required('width', number('width', str(values.width), int(1, 65536), 'an integer 1..65536', '512'), 'e.g. --width 512 (units per hidden layer)')
    const activation = activationFlag(str(values.activation))
    const wStd = number('w-std', str(values['w-std']), (n) => n > 0, 'a positive number', '1.4') ?? 1
    const bStd = number('b-std', str(values['b-std']), (n) => n >= 0, 'a number ≥ 0', '0.1') ?? null
    const seed = number('seed', str(values.seed), int(0, 2 ** 31 - 1), 'an integer 0..2147483647', '0') ?? 0
    const samples = number('samples', str(values.samples), int(1, 1000), 'an integer 1..1000', '8') ?? 1
    const outDim = number('out-dim', str(values['out-dim']), int(1, 4096), 'an integer 1..4096', '10') ?? 1
    const parameterization = str(values.parameterization) ?? 'ntk'
    if (parameterization !== 'ntk' && parameterization !== 'standard') {
      throw new UserError('bad_flag', `--parameterization ${parameterization}: expected ntk or standard`)
    }
    const out = path.resolve(str(values.out) ?? 'kernel.npy')

    const spec: JobSpecInput = {
      kind: 'empirical-kernel',
      seed,
      x: { type: 'npy', path: x },
      ...(x2 ? { x2: { type: 'npy' as const, path: x2 } } : {}),
      arch: { depth, width, activation, wStd, bStd, parameterization },
      samples,
      outDim,
      outputs: 'trace',
    }
    const sink = new DirArtifactSink(path.dirname(out), { kernel: out })
    const done = await runJobForCli(io, spec, { label: 'empirical ntk', quiet: Boolean(values.quiet), artifacts: sink })
    if (!done) return 130
    io.out(`${sink.written.find((a) => a.name === 'kernel')?.path ?? out}\n`)
    return 0
  },
}
