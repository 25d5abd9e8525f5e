import { z } from 'zod'

// The activation vocabulary: every activation the engine knows, once. Forms, CLI flags, ARCH.json checks,
// the engine's dual maps (electron/engine/activations) and the model builder derive from this list, so a
// name, a parameter or a capability is stated in one place. Names and constants follow docs/math.md §1.

export interface ActivationParam {
  /** field of the spec, e.g. 'alpha' */
  key: string
  /** short form label */
  label: string
  /** value a form starts from; absent: the user must choose (no silent default, e.g. leaky_relu's slope) */
  initial: number
  /** when the CLI syntax may omit every parameter, the value it stands for */
  omitted?: number
}

export interface ActivationEntry {
  name: ActivationName
  /** one line for menus and --help */
  label: string
  params: readonly ActivationParam[]
  /** has a gradient-safe dual map with hand-derived VJPs, so KIP can learn support points through it */
  differentiable: boolean
  /** has a stock TF.js Layers equivalent, so a trained model with it loads in stock tf.loadLayersModel */
  stockLayers: boolean
  /** what an error about its parameters adds after the syntax */
  paramHint?: string
}

export const ACTIVATION_NAMES = ['relu', 'erf', 'gelu', 'sin', 'identity', 'abs', 'leaky_relu', 'abrelu'] as const
export type ActivationName = (typeof ACTIVATION_NAMES)[number]

export const ACTIVATIONS: readonly ActivationEntry[] = [
  { name: 'relu', label: 'ReLU max(x, 0)', params: [], differentiable: true, stockLayers: true },
  {
    name: 'erf',
    label: 'a·erf(b·x) + c',
    params: [
      { key: 'a', label: 'a', initial: 1, omitted: 1 },
      { key: 'b', label: 'b', initial: 1, omitted: 1 },
      { key: 'c', label: 'c', initial: 0, omitted: 0 },
    ],
    differentiable: true,
    stockLayers: false,
  },
  { name: 'gelu', label: 'GELU x·Φ(x)', params: [], differentiable: false, stockLayers: true },
  { name: 'sin', label: 'sin(x)', params: [], differentiable: false, stockLayers: false },
  { name: 'identity', label: 'identity (linear network)', params: [], differentiable: true, stockLayers: true },
  { name: 'abs', label: '|x|', params: [], differentiable: true, stockLayers: true },
  // No silent default slope: 0.01 (PyTorch), 0.2 (TF) and 0.3 (Keras) are all common.
  { name: 'leaky_relu', label: 'leaky ReLU (slope α for x < 0)', params: [{ key: 'alpha', label: 'α (negative slope)', initial: 0.1 }], differentiable: true, stockLayers: true, paramHint: 'with the slope for x < 0, e.g. leaky_relu:0.1' },
  {
    name: 'abrelu',
    label: 'a·min(x, 0) + b·max(x, 0)',
    params: [
      { key: 'a', label: 'a (x < 0 slope)', initial: -1 },
      { key: 'b', label: 'b (x ≥ 0 slope)', initial: 1 },
    ],
    differentiable: true,
    stockLayers: true,
  },
]

/**
 * Keras activations a finite, trained model may also use. They have no closed-form dual map here, so no
 * analytic kernel: the kernel pages offer only ACTIVATION_NAMES.
 */
export const MODEL_ONLY_ACTIVATIONS = ['tanh', 'sigmoid', 'elu', 'selu', 'softplus', 'softsign', 'swish', 'mish', 'relu6', 'hard_sigmoid', 'linear'] as const

const Finite = z.number().finite()

// Parameterised ones carry their constants explicitly so a saved JobSpec is self-describing and reproducible.
export const ActivationSpec = z.discriminatedUnion('name', [
  z.object({ name: z.literal('relu') }),
  z.object({ name: z.literal('identity') }),
  z.object({ name: z.literal('abs') }),
  z.object({ name: z.literal('gelu') }),
  z.object({ name: z.literal('sin') }),
  z.object({ name: z.literal('leaky_relu'), alpha: Finite }),
  z.object({ name: z.literal('abrelu'), a: Finite, b: Finite }),
  z.object({ name: z.literal('erf'), a: Finite.default(1), b: Finite.default(1), c: Finite.default(0) }),
])
export type ActivationSpec = z.infer<typeof ActivationSpec>

export function activationEntry(name: ActivationName): ActivationEntry {
  return ACTIVATIONS.find((a) => a.name === name)!
}

export function isActivationName(name: string): name is ActivationName {
  return (ACTIVATION_NAMES as readonly string[]).includes(name)
}

/** The CLI syntax of one entry, e.g. 'leaky_relu:ALPHA'. */
function syntaxOf(e: ActivationEntry): string {
  return e.params.length === 0 ? e.name : `${e.name}:${e.params.map((p) => p.key.toUpperCase()).join(',')}`
}

/** Every activation in the CLI syntax, for usage texts and errors: 'relu, erf, …, leaky_relu:ALPHA, …'. */
export function activationUsage(names: readonly ActivationName[] = ACTIVATION_NAMES): string {
  const chosen = ACTIVATIONS.filter((a) => names.includes(a.name))
  const canOmit = (e: ActivationEntry): boolean => e.params.every((p) => p.omitted !== undefined)
  // bare names first, then the parameterised forms (those that may also be written bare last)
  const bare = chosen.filter(canOmit).map((e) => e.name)
  const withParams = chosen.filter((e) => e.params.length > 0).sort((a, b) => Number(canOmit(a)) - Number(canOmit(b)))
  return [...bare, ...withParams.map(syntaxOf)].join(', ')
}

/** Builds a spec from a name and parameter values (a form's fields); missing values take the entry's initial. */
export function activationFromParams(name: ActivationName, values: Record<string, number | undefined> = {}): ActivationSpec {
  const e = activationEntry(name)
  const spec: Record<string, unknown> = { name }
  for (const p of e.params) spec[p.key] = values[p.key] ?? p.initial
  return ActivationSpec.parse(spec)
}

/** Parameter values of a spec, keyed as the entry's params (for forms). */
export function activationParams(spec: ActivationSpec): Record<string, number> {
  const e = activationEntry(spec.name)
  const rec = spec as Record<string, unknown>
  return Object.fromEntries(e.params.map((p) => [p.key, typeof rec[p.key] === 'number' ? (rec[p.key] as number) : p.initial]))
}

/** Parses the CLI activation syntax: relu, erf, leaky_relu:ALPHA, abrelu:A,B, erf:A,B,C ... */
export function parseActivation(text: string): ActivationSpec {
  const [rawName, rawArgs] = text.trim().split(':', 2) as [string, string | undefined]
  const name = rawName.toLowerCase()
  const args = rawArgs === undefined || rawArgs === '' ? [] : rawArgs.split(',').map((s) => Number(s.trim()))
  if (args.some((v) => !Number.isFinite(v))) {
    throw new Error(`activation '${text}': parameters must be numbers, e.g. leaky_relu:0.1 or erf:1,1,0`)
  }
  if (!isActivationName(name)) throw new Error(`unknown activation '${rawName}'. Known: ${activationUsage()}`)
  const e = activationEntry(name)
  const canOmit = e.params.length > 0 && e.params.every((p) => p.omitted !== undefined)
  if (args.length !== e.params.length && !(canOmit && args.length === 0)) {
    const usage = e.params.length === 0 ? `no parameters for ${name}` : `${syntaxOf(e)}${canOmit ? ` or ${name}` : ''} ${e.paramHint ?? `(${e.label})`}`
    throw new Error(`activation '${text}': expected ${usage}`)
  }
  const spec: Record<string, unknown> = { name }
  e.params.forEach((p, i) => (spec[p.key] = args[i] ?? p.omitted))
  return ActivationSpec.parse(spec)
}

/** The CLI syntax of a spec (inverse of parseActivation; parameters left out where they all equal their omitted values). */
export function formatActivation(a: ActivationSpec): string {
  const e = activationEntry(a.name)
  if (e.params.length === 0) return a.name
  const values = activationParams(a)
  if (e.params.every((p) => p.omitted !== undefined && values[p.key] === p.omitted)) return a.name
  return `${a.name}:${e.params.map((p) => values[p.key]).join(',')}`
}

/** A model layer's activation text: an engine activation (CLI syntax) or a Keras-only name. Returns the error, or null. */
export function modelActivationError(text: string): string | null {
  const lower = text.trim().toLowerCase()
  if ((MODEL_ONLY_ACTIVATIONS as readonly string[]).includes(lower)) return null
  try {
    parseActivation(text)
    return null
  } catch (e) {
    return `${(e as Error).message}; models also take ${MODEL_ONLY_ACTIVATIONS.join(', ')}`
  }
}
