import { existsSync } from 'node:fs'
import { npyRowShape } from './npy-shape'
import path from 'node:path'
import type { ActivationSpec, KernelPlan, NetKernelArch } from '../../shared/arch'
import { UserError } from '../../shared/errors'
import { activationUsage } from '../../shared/arch/activation-names'

// Flag parsing shared by the compute commands: every bad value says what was expected and shows an example.
// Command descriptors import this file at every start, so it imports nothing heavy (no zod, no engine).

export { BACKEND_CHOICES } from '../../shared/backend-names'

export const ACTIVATIONS = activationUsage()

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

/** An existing input file; `usage` is the hint when a required flag is missing. */
export function inputFile(flag: string, v: string | undefined, usage: string, what = 'inputs are .npy arrays saved with numpy.save (float32 or float64, shape [n, d])'): string {
  if (!v) throw new UserError('usage', `--${flag} is required`, usage)
  const p = path.resolve(v)
  if (!existsSync(p)) throw new UserError('file_not_found', `--${flag}: no such file: ${v}`, `Check the path; ${what}.`)
  return p
}

export function number(flag: string, v: string | undefined, check: (n: number) => boolean, what: string, example: string): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UserError('bad_flag', `--${flag} ${v}: expected ${what}`, `e.g. --${flag} ${example}`)
  return n
}

export function required<T>(flag: string, v: T | undefined, hint: string): T {
  if (v === undefined) throw new UserError('usage', `--${flag} is required`, hint)
  return v
}

export function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt
  if (!(allowed as readonly string[]).includes(v)) throw new UserError('bad_flag', `--${flag} ${v}: expected one of ${allowed.join(', ')}`)
  return v as T
}

export const int = (lo: number, hi: number) => (n: number) => Number.isInteger(n) && n >= lo && n <= hi

/**
 * Checks every flag a command declares in `choices`: a value outside the list is a `bad_flag` error naming
 * the valid values (never a schema dump from deeper down). Repeated flags are checked one by one.
 */
export function checkChoices(values: Record<string, unknown>, choices: Record<string, readonly string[]> | undefined): void {
  for (const [flag, allowed] of Object.entries(choices ?? {})) {
    const v = values[flag]
    for (const one of Array.isArray(v) ? v : [v]) {
      if (typeof one !== 'string') continue
      if (!allowed.includes(one)) {
        throw new UserError('bad_flag', `--${flag} ${one}: not a valid choice`, `Valid choices for --${flag}: ${allowed.join(', ')}.`)
      }
    }
  }
}

/** What `ArchFlagSet.parse` returns: the network for the job spec, and which kernel (NTK or NNGP). */
export interface ArchFlagValues {
  arch: FcFlagArch
  kind: 'ntk' | 'nngp'
}

/** What `ArchFlagSet.parseKernelArch` returns: an FC network from the flags, or the ARCH.json of --arch. */
export interface KernelArchFlagValues {
  arch: FcFlagArch | NetKernelArch
  kind: 'ntk' | 'nngp'
  /** with --arch and data: the file's infinite-width reading for the data (shapes per step), for estimates */
  plan?: KernelPlan
}

export interface FcFlagArch {
    depth: number
    activation: ActivationSpec
    wStd: number
    bStd: number | null
    /** only for commands offering --parameterization */
    parameterization?: 'ntk' | 'standard'
    /** only for commands offering --width: a number, or 'inf' when it is optional and not given */
    width?: number | 'inf'
}

export interface ArchFlagConfig {
  /** --width: 'optional' (infinite width unless given) or 'required' (finite networks); absent: no flag */
  width?: 'optional' | 'required'
  /** offer --parameterization ntk|standard */
  parameterization?: boolean
  /** name of the flag choosing NTK or NNGP: --kind, or --kernel for kip; absent: no such flag (NTK) */
  kindFlag?: 'kind' | 'kernel'
  /** the activations listed in the help (default: every analytic one) */
  activations?: string
  /** offer --arch ARCH.json (an infinite-width reading of a conv/dense network) instead of --depth/--activation */
  archFile?: boolean
  /** the help line of --arch when the command reads the file otherwise (the empirical kernel's finite networks) */
  archHelp?: string
}

/**
 * The architecture/kernel flags of every command that builds a network kernel (kernel, empirical,
 * predict, features, self-distill, kip): one definition of each flag's name, help line, range check and
 * message. A command spreads `options` and `choices` into its descriptor, puts `help()` in its usage and
 * calls `parse` in its action.
 */
export class ArchFlagSet {
  readonly options: Record<string, { type: 'string' }>
  readonly choices: Record<string, readonly string[]>
  private readonly lines: [string, string][]

  constructor(private readonly cfg: ArchFlagConfig = {}) {
    const { width, parameterization, kindFlag } = cfg
    this.lines = [
      ...(cfg.archFile
        ? [['--arch ARCH.json', cfg.archHelp ?? 'the network as ARCH.json (conv2d stride 1 same|valid, avgpool2d, globalavgpool, flatten, dense, activation, readout), read with infinite-width semantics; replaces --depth/--activation. Flat rows are reshaped by its "input" [h, w, c]; (n, h, w, c) NPY is read as is'] as [string, string]]
        : []),
      ['--depth L', cfg.archFile ? 'number of hidden Dense+activation pairs of an FC network (0 = linear model)' : 'number of hidden Dense+activation pairs (0 = linear model)'],
      ...(width ? [['--width W', width === 'required' ? 'hidden width (number of units per hidden layer)' : 'hidden width, needed only by the standard-parameterization NTK'] as [string, string]] : []),
      ['--activation A', cfg.activations ?? ACTIVATIONS],
      ['--w-std S', cfg.archFile ? 'weight standard deviation σ_w (default 1); with --arch, of every conv/dense layer without its own wStd' : 'weight standard deviation σ_w (default 1)'],
      ['--b-std B', cfg.archFile ? 'bias standard deviation σ_b (omitted: no bias); with --arch, of every conv/dense layer without its own bStd' : 'bias standard deviation σ_b (omitted: no bias)'],
      ...(parameterization ? [['--parameterization P', 'ntk (default) or standard'] as [string, string]] : []),
      ...(kindFlag ? [[`--${kindFlag} K`, 'ntk (default) or nngp'] as [string, string]] : []),
    ]
    this.options = Object.fromEntries(this.lines.map(([f]) => [f.slice(2).split(' ')[0]!, { type: 'string' as const }]))
    this.choices = {
      ...(parameterization ? { parameterization: ['ntk', 'standard'] } : {}),
      ...(kindFlag ? { [kindFlag]: ['ntk', 'nngp'] } : {}),
    }
  }

  /** The flags' lines of a usage block, descriptions starting `column` characters after the indent. */
  help(column: number): string {
    return this.lines.map(([f, d]) => `  ${f.padEnd(Math.max(column, f.length + 2))}${d}`).join('\n')
  }

  /**
   * `dataFile`: the points the kernel is computed on (an NPY file), whose header gives the row shape an
   * ARCH.json is planned against, so a bad file is refused before any work.
   */
  async parseKernelArch(values: Record<string, unknown>, dataFile?: string): Promise<KernelArchFlagValues> {
    const archFile = this.cfg.archFile ? str(values.arch) : undefined
    return archFile !== undefined ? this.parseArchFile(values, archFile, dataFile) : this.parse(values)
  }

  async parse(values: Record<string, unknown>): Promise<ArchFlagValues> {
    const { width: widthMode, parameterization: withParam, kindFlag } = this.cfg
    const depth = number('depth', str(values.depth), int(0, 64), 'an integer 0..64', '3')
    if (depth === undefined) throw new UserError('usage', '--depth is required', 'e.g. --depth 3 (three hidden Dense+activation pairs, then the readout)')
    const width = widthMode ? number('width', str(values.width), int(1, 65536), 'an integer 1..65536', '512') : undefined
    if (widthMode === 'required' && width === undefined) throw new UserError('usage', '--width is required', 'e.g. --width 512 (units per hidden layer)')
    const activation = await activationFlag(str(values.activation))
    const wStd = number('w-std', str(values['w-std']), (n) => n > 0, 'a positive number', '1.414') ?? 1
    const bStd = number('b-std', str(values['b-std']), (n) => n >= 0, 'a number ≥ 0', '0.1') ?? null
    const parameterization = withParam ? oneOf('parameterization', str(values.parameterization), ['ntk', 'standard'] as const, 'ntk') : undefined
    const kind = kindFlag ? oneOf(kindFlag, str(values[kindFlag]), ['ntk', 'nngp'] as const, 'ntk') : 'ntk'
    return {
      arch: {
        depth,
        activation,
        wStd,
        bStd,
        ...(parameterization ? { parameterization } : {}),
        ...(widthMode ? { width: width ?? 'inf' } : {}),
      },
      kind,
    }
  }

  private async parseArchFile(values: Record<string, unknown>, file: string, dataFile?: string): Promise<KernelArchFlagValues> {
    for (const f of ['depth', 'activation', 'width', 'parameterization']) {
      if (str(values[f]) !== undefined) throw new UserError('usage', `--${f} describes an FC network and cannot be combined with --arch`, 'Describe the whole network in ARCH.json (dense layers with "activation"), or drop --arch.')
    }
    const arch = inputFile('arch', file, 'Usage: ... --arch ARCH.json', 'ARCH.json describes the network (see --help)')
    const wStd = number('w-std', str(values['w-std']), (n) => n > 0, 'a positive number', '1.414') ?? 1
    const bStd = number('b-std', str(values['b-std']), (n) => n >= 0, 'a number ≥ 0', '0.1') ?? null
    const kindFlag = this.cfg.kindFlag
    const kind = kindFlag ? oneOf(kindFlag, str(values[kindFlag]), ['ntk', 'nngp'] as const, 'ntk') : 'ntk'
    const { kernelArchFromFile, npyShape, readNetArch } = await import('./arch-file')
    if (!dataFile) return { arch: { net: readNetArch(arch), wStd, bStd }, kind }
    const r = kernelArchFromFile(arch, { wStd, bStd }, npyRowShape(npyShape(dataFile)))
    return { arch: r.arch, kind, plan: r.plan }
  }
}

/** The activation vocabulary is a zod schema: loaded here, when a command runs, not at every start. */
async function activationFlag(v: string | undefined): Promise<ActivationSpec> {
  if (!v) throw new UserError('usage', '--activation is required', `One of: ${ACTIVATIONS}`)
  const { parseActivation } = await import('../../shared/arch')
  try {
    return parseActivation(v)
  } catch (e) {
    throw new UserError('bad_activation', (e as Error).message, 'e.g. --activation relu, --activation leaky_relu:0.1 or --activation erf:1,1,0')
  }
}

/** the data flags of the commands that fit training points and predict test points (predict, self-distill) */
export const TRAIN_TEST_OPTIONS = {
  'x-train': { type: 'string' },
  'y-train': { type: 'string' },
  'x-test': { type: 'string' },
  'y-test': { type: 'string' },
} as const

/** `--redis URL [--insecure]` of the job commands whose work can go to `ntkw worker` processes (issue 20) */
export const REDIS_JOB_OPTIONS = { redis: { type: 'string' }, insecure: { type: 'boolean' } } as const
export const REDIS_JOB_HELP = (col: number, what: string): string =>
  [
    `  ${'--redis URL'.padEnd(col - 2)}${what} on \`ntkw worker\``,
    `  ${''.padEnd(col - 2)}processes through this Redis (redis://:PASSWORD@HOST:PORT/DB, rediss:// for TLS):`,
    `  ${''.padEnd(col - 2)}the same numbers as on this machine`,
    `  ${'--insecure'.padEnd(col - 2)}with --redis: allow a Redis on another machine without a password`,
  ].join('\n')
