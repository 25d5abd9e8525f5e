import { existsSync } from 'node:fs'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { parseActivation, type ActivationSpec } from '../../../shared/arch'
import type { JobEvent, JobSpecInput } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import { executeJob } from '../../engine/jobs/execute'
import { DirArtifactSink } from '../../engine/jobs/dir-sink'
import { createDataResolver } from '../../engine/jobs/data-resolver'
import type { CliCommand } from '../command'
import { progressReporter } from '../progress'

const ACTIVATIONS = 'relu, erf, gelu, sin, identity, abs, leaky_relu:ALPHA, abrelu:A,B, erf:A,B,C'
const USAGE_LINE = 'Usage: ntkw empirical --x X.npy --depth L --width W --activation A [...]'

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

function inputFile(flag: string, v: string | undefined): string {
  if (!v) throw new UserError('usage', `--${flag} is required`, USAGE_LINE)
  const p = path.resolve(v)
  if (!existsSync(p)) throw new UserError('file_not_found', `--${flag}: no such file: ${v}`, 'Check the path; inputs are .npy arrays saved with numpy.save (float32 or float64, shape [n, d]).')
  return p
}

function number(flag: string, v: string | undefined, check: (n: number) => boolean, what: string, example: string): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UserError('bad_flag', `--${flag} ${v}: expected ${what}`, `e.g. --${flag} ${example}`)
  return n
}

function required<T>(flag: string, v: T | undefined, hint: string): T {
  if (v === undefined) throw new UserError('usage', `--${flag} is required`, hint)
  return v
}

const int = (lo: number, hi: number) => (n: number) => Number.isInteger(n) && n >= lo && n <= hi

export const empiricalCommand: CliCommand = {
  name: 'empirical',
  summary: 'empirical (finite-width) NTK of randomly initialised networks, NPY in, NPY out',
  usage: `Usage: ntkw empirical --x X.npy [--x2 X2.npy] --depth L --width W --activation A [--w-std S] [--b-std B]
                      [--seed N] [--samples M] [--out K.npy]

Computes Θ̂(x, x2) = Σ_p ∂f(x)/∂p ∂f(x2)/∂p of finite networks L × (Dense → activation) → Dense readout
in the NTK parameterization (weights N(0, 1), scaled by σ_w/√fan-in), by the layerwise identity
(math.md §2), averaged over M independently initialised networks.

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
  async run({ values, io }) {
    const x = inputFile('x', str(values.x))
    const x2 = str(values.x2) !== undefined ? inputFile('x2', str(values.x2)) : undefined
    const depth = required('depth', number('depth', str(values.depth), int(0, 64), 'an integer 0..64', '3'), 'e.g. --depth 3 (three hidden Dense+activation pairs, then the readout)')
    const width = required('width', number('width', str(values.width), int(1, 65536), 'an integer 1..65536', '512'), 'e.g. --width 512 (units per hidden layer)')
    const actText = required('activation', str(values.activation), `One of: ${ACTIVATIONS}`)
    let activation: ActivationSpec
    try {
      activation = parseActivation(actText)
    } catch (e) {
      throw new UserError('bad_activation', (e as Error).message, 'e.g. --activation relu, --activation leaky_relu:0.1 or --activation erf:1,1,0')
    }
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
    const ac = new AbortController()
    const onSigint = (): void => {
      if (ac.signal.aborted) process.exit(130)
      io.err('\ncancelling (Ctrl-C again to exit now)...\n')
      ac.abort()
    }
    process.on('SIGINT', onSigint)
    const bar = progressReporter(io, 'empirical ntk', { quiet: Boolean(values.quiet) })
    try {
      const outcome = await executeJob(spec, {
        runId: randomUUID(),
        signal: ac.signal,
        emit: (e: JobEvent) => bar.onEvent(e),
        artifacts: sink,
        data: createDataResolver(),
      })
      bar.end()
      if (outcome.state === 'cancelled') {
        io.err('cancelled\n')
        return 130
      }
      if (outcome.state === 'failed') throw new UserError('empirical_failed', outcome.error, outcome.hint)
      io.out(`${sink.written.find((a) => a.name === 'kernel')?.path ?? out}\n`)
      return 0
    } finally {
      process.off('SIGINT', onSigint)
    }
  },
}
