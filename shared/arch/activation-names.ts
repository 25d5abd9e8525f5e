// The activation vocabulary: every activation the engine knows, once (plain data, no zod: the CLI's help
// and flag descriptors import it at every start). Forms, CLI flags, ARCH.json checks,
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

export function activationEntry(name: ActivationName): ActivationEntry {
  return ACTIVATIONS.find((a) => a.name === name)!
}

export function isActivationName(name: string): name is ActivationName {
  return (ACTIVATION_NAMES as readonly string[]).includes(name)
}

/** The CLI syntax of one entry, e.g. 'leaky_relu:ALPHA'. */
export function syntaxOf(e: ActivationEntry): string {
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

/** the activations KIP can learn through (their dual maps have VJPs) */
export const KIP_ACTIVATION_NAMES: readonly ActivationName[] = ACTIVATIONS.filter((a) => a.differentiable).map((a) => a.name)

/** what a trained model's layer takes, for help texts: the engine activations with a stock layer, then the Keras-only names */
export const MODEL_ACTIVATIONS_USAGE = [activationUsage(ACTIVATIONS.filter((a) => a.stockLayers).map((a) => a.name)), ...MODEL_ONLY_ACTIVATIONS.filter((n) => n !== 'linear' && n !== 'hard_sigmoid')].join(', ')
