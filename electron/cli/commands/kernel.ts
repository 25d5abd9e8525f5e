import { existsSync } from 'node:fs'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { parseActivation, type FcArch } from '../../../shared/arch'
import type { JobEvent, JobSpecInput } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import { executeJob } from '../../engine/jobs/execute'
import { DirArtifactSink } from '../../engine/jobs/dir-sink'
import { createDataResolver } from '../../engine/jobs/data-resolver'
import type { CliCommand } from '../command'
import { progressReporter } from '../progress'

const ACTIVATIONS = 'relu, erf, gelu, sin, identity, abs, leaky_relu:ALPHA, abrelu:A,B, erf:A,B,C'

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

function inputFile(flag: string, v: string | undefined): string {
  if (!v) throw new UserError('usage', `--${flag} is required`, 'Usage: ntkw kernel --x X.npy --depth L --activation A [...]')
  const p = path.resolve(v)
  if (!existsSync(p)) throw new UserError('file_not_found', `--${flag}: no such file: ${v}`, 'Check the path; inputs are .npy arrays saved with numpy.save (float32 or float64, shape [n, d]).')
  return p
}

function number(flag: string, v: string | undefined, check: (n: number) => boolean, what: string): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UserError('bad_flag', `--${flag} ${v}: expected ${what}`, `e.g. --${flag} ${flag === 'depth' ? 3 : 1}`)
  return n
}

function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt
  if (!(allowed as readonly string[]).includes(v)) throw new UserError('bad_flag', `--${flag} ${v}: expected one of ${allowed.join(', ')}`)
  return v as T
}

export const kernelCommand: CliCommand = {
  name: 'kernel',
  summary: 'analytic infinite-width NTK or NNGP of a fully-connected network, NPY in, NPY out',
  usage: `Usage: ntkw kernel --x X.npy [--x2 X2.npy] --depth L --activation A [--w-std S] [--b-std B]
                   [--parameterization ntk|standard] [--kind ntk|nngp] [--out K.npy]

Computes the infinite-width kernel (math.md §1) of: L × (Dense → activation) → Dense readout,
between the rows of X (and X2, else X with itself). Tiles run on one worker thread per core and are
streamed to disk, so large n needs memory for the inputs only.

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
  --workers N             worker threads (default 0 = one per core; 1 = this thread)
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
  async run({ values, io }) {
    const x = inputFile('x', str(values.x))
    const x2 = str(values.x2) !== undefined ? inputFile('x2', str(values.x2)) : undefined
    const depth = number('depth', str(values.depth), (n) => Number.isInteger(n) && n >= 0 && n <= 64, 'an integer 0..64')
    if (depth === undefined) throw new UserError('usage', '--depth is required', 'e.g. --depth 3 (three hidden Dense+activation pairs, then the readout)')
    const actText = str(values.activation)
    if (!actText) throw new UserError('usage', '--activation is required', `One of: ${ACTIVATIONS}`)
    let activation: FcArch['activation']
    try {
      activation = parseActivation(actText)
    } catch (e) {
      throw new UserError('bad_activation', (e as Error).message, 'e.g. --activation relu, --activation leaky_relu:0.1 or --activation erf:1,1,0')
    }
    const wStd = number('w-std', str(values['w-std']), (n) => n > 0, 'a positive number') ?? 1
    const bStd = number('b-std', str(values['b-std']), (n) => n >= 0, 'a number ≥ 0') ?? null
    const width = number('width', str(values.width), (n) => Number.isInteger(n) && n >= 1 && n <= 65536, 'an integer 1..65536')
    const workers = number('workers', str(values.workers), (n) => Number.isInteger(n) && n >= 0 && n <= 64, 'an integer 0..64') ?? 0
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
    const ac = new AbortController()
    const onSigint = (): void => {
      if (ac.signal.aborted) process.exit(130)
      io.err('\ncancelling (Ctrl-C again to exit now)...\n')
      ac.abort()
    }
    process.on('SIGINT', onSigint)
    const bar = progressReporter(io, `kernel ${kind}`, { quiet: Boolean(values.quiet) })
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
      if (outcome.state === 'failed') throw new UserError('kernel_failed', outcome.error, outcome.hint)
      const written = sink.written.find((a) => a.name === kind)?.path ?? out
      io.out(`${written}\n`)
      return 0
    } finally {
      process.off('SIGINT', onSigint)
    }
  },
}
