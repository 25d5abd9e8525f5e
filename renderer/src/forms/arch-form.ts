import {
  ACTIVATIONS,
  BIAS_STD_SUGGESTED,
  DEFAULT_B_STD,
  DEFAULT_DEPTH,
  DEFAULT_PARAMETERIZATION,
  DEFAULT_W_STD,
  MODEL_ONLY_ACTIVATIONS,
  NetArch,
  activationEntry,
  activationParams,
  formatActivation,
  isActivationName,
  layerName,
  parseActivation,
  planKernel,
  type ActivationEntry,
  type ActivationName,
  type ActivationSpec,
  type FcArch,
  type KernelDefaults,
  type NetArchInput,
  type NetLayerType,
  type Parameterization,
} from '../../../shared/arch'
import { issueText } from './issue-text'

// The architecture editor's model (components/arch/ArchEditor.vue): an FC form (depth, activation with its
// parameters, σ_w, σ_b, parameterization) and a layered one (ARCH.json layers). Every name, parameter and
// default comes from shared/arch, so the pages that embed the editor cannot drift from the engine or the CLI.

export interface FcArchForm {
  depth: number
  activation: ActivationName
  /** parameter values keyed 'name.key' (e.g. 'erf.a'), so switching activations back and forth keeps them */
  params: Record<string, number>
  wStd: number
  bias: boolean
  /** σ_b used when bias is on */
  bStd: number
  parameterization: Parameterization
}

/** The activation a form starts from: the catalogue's first entry. */
export const FIRST_ACTIVATION: ActivationName = ACTIVATIONS[0]!.name

export function defaultFcArchForm(over: Partial<FcArchForm> = {}): FcArchForm {
  const params: Record<string, number> = {}
  for (const e of ACTIVATIONS) for (const p of e.params) params[`${e.name}.${p.key}`] = p.initial
  return {
    depth: DEFAULT_DEPTH,
    activation: FIRST_ACTIVATION,
    params,
    wStd: DEFAULT_W_STD,
    bias: DEFAULT_B_STD !== null,
    bStd: DEFAULT_B_STD ?? BIAS_STD_SUGGESTED,
    parameterization: DEFAULT_PARAMETERIZATION,
    ...over,
  }
}

/** The activations a page offers: all with an analytic kernel, or those passing `filter` (KIP: differentiable). */
export function activationChoices(filter?: (e: ActivationEntry) => boolean): readonly ActivationEntry[] {
  return filter ? ACTIVATIONS.filter(filter) : ACTIVATIONS
}

/** The spec of the chosen activation (not validated here: the page's JobSpec schema reports bad values). */
export function activationOfForm(f: FcArchForm): ActivationSpec {
  const spec: Record<string, unknown> = { name: f.activation }
  for (const p of activationEntry(f.activation).params) spec[p.key] = f.params[`${f.activation}.${p.key}`] ?? p.initial
  return spec as ActivationSpec
}

export function fcArchOf(f: FcArchForm, width: number | 'inf' = 'inf'): FcArch {
  return { depth: f.depth, width, activation: activationOfForm(f), wStd: f.wStd, bStd: f.bias ? f.bStd : null, parameterization: f.parameterization }
}

/** A saved spec's architecture back into the form (what it lacks keeps `base`'s values). */
export function fcArchFormOf(arch: Partial<FcArch> | undefined, base: FcArchForm = defaultFcArchForm()): FcArchForm {
  const f: FcArchForm = { ...base, params: { ...base.params } }
  if (!arch) return f
  const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d)
  f.depth = num(arch.depth, f.depth)
  f.wStd = num(arch.wStd, f.wStd)
  f.bias = arch.bStd !== null && arch.bStd !== undefined
  if (f.bias) f.bStd = num(arch.bStd, f.bStd)
  if (arch.parameterization) f.parameterization = arch.parameterization
  if (arch.activation && isActivationName(arch.activation.name)) {
    f.activation = arch.activation.name
    for (const [k, v] of Object.entries(activationParams(arch.activation))) f.params[`${f.activation}.${k}`] = v
  }
  return f
}

/** The activation as the CLI and ARCH.json write it (name, then parameters after a colon). */
export function activationText(f: FcArchForm): string {
  try {
    return formatActivation(activationOfForm(f))
  } catch {
    return f.activation
  }
}

// ---- layered mode (ARCH.json) ----

/** A new layer of a type, with the starting values the editor offers. */
export function newLayer(type: NetLayerType): NetArchInput['layers'][number] {
  switch (type) {
    case 'conv2d':
      return { type, filters: 32, kernel: 3, padding: 'same', activation: FIRST_ACTIVATION }
    case 'dense':
      return { type, units: 128, activation: FIRST_ACTIVATION }
    case 'avgpool2d':
    case 'maxpool2d':
      return { type, pool: 2 }
    case 'dropout':
      return { type, rate: 0.2 }
    case 'batchnorm':
      return { type }
    case 'activation':
      return { type, activation: FIRST_ACTIVATION }
    default:
      return { type }
  }
}

/** Activation text of a layer split for the picker: an engine activation with parameters, or a Keras-only name. */
export function splitActivation(text: string | undefined): { name: string; params: Record<string, number> } {
  if (!text) return { name: '', params: {} }
  try {
    const a = parseActivation(text)
    return { name: a.name, params: activationParams(a) }
  } catch {
    return { name: text.trim().toLowerCase(), params: {} }
  }
}

/** Inverse of splitActivation: the layer's activation text. */
export function joinActivation(name: string, params: Record<string, number>): string {
  if (!isActivationName(name)) return name
  const spec: Record<string, unknown> = { name }
  for (const p of activationEntry(name).params) spec[p.key] = params[p.key] ?? p.initial
  try {
    return formatActivation(spec as ActivationSpec)
  } catch {
    return name
  }
}

/** Keras activations a trained model may use besides the engine's (no analytic kernel). */
export const MODEL_ACTIVATIONS: readonly string[] = MODEL_ONLY_ACTIVATIONS

/** What a trained student's layers may use: engine activations with a stock TF.js layer, then Keras-only ones. */
export const STUDENT_ACTIVATIONS: readonly string[] = [...ACTIVATIONS.filter((e) => e.stockLayers && e.params.length === 0).map((e) => e.name), ...MODEL_ONLY_ACTIVATIONS]

export interface LayersCheck {
  /** per layer: the shape after it ([h, w, c] or [d]) when known */
  shapes: (number[] | null)[]
  /** per layer index: what is wrong with it */
  layerErrors: Record<number, string>
  /** what is wrong with the whole (input shape, data) */
  error: string | null
  hint: string | null
}

const LAYER_IN_MESSAGE = /^layer (\d+) \(/

/**
 * Checks an ARCH.json before Run: its schema, and with `kernel` its infinite-width reading (planKernel),
 * so a layer the kernel cannot follow is named beside that layer instead of failing after the click.
 */
export function checkLayers(net: NetArchInput, opts: { kernel: boolean; defaults: KernelDefaults; dataShape?: number[] }): LayersCheck {
  const out: LayersCheck = { shapes: net.layers.map(() => null), layerErrors: {}, error: null, hint: null }
  const parsed = NetArch.safeParse(net)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const i = issue.path[0] === 'layers' && typeof issue.path[1] === 'number' ? issue.path[1] : null
      const field = i !== null ? issue.path.slice(2).join('.') : issue.path.join('.')
      const msg = `${field ? `${field}: ` : ''}${issueText(issue)}`
      if (i !== null) out.layerErrors[i] ??= msg
      else out.error ??= msg
    }
    return out
  }
  if (!opts.kernel) return out
  if (!opts.dataShape && !parsed.data.input) {
    out.error = 'Give the input shape (e.g. 28, 28, 1) or choose a dataset.'
    return out
  }
  const shapesOf = (arch: NetArch, upTo = arch.layers.length): void => {
    const plan = planKernel(arch, opts.defaults, opts.dataShape)
    for (const s of plan.steps) if (s.layer >= 0 && s.layer < upTo) out.shapes[s.layer] = s.outShape
  }
  try {
    shapesOf(parsed.data)
  } catch (e) {
    const err = e as { message?: string; hint?: string }
    const message = err.message ?? String(e)
    const m = LAYER_IN_MESSAGE.exec(message)
    const i = m ? Number(m[1]) - 1 : -1
    if (i >= 0 && i < net.layers.length) {
      out.layerErrors[i] = message.slice(layerName(i, net.layers[i]!).length + 2)
      // the shapes up to the refused layer still help to see why
      try {
        // (closed by a flatten, since the plan must end flat)
        shapesOf({ ...parsed.data, layers: [...parsed.data.layers.slice(0, i), { type: 'flatten' }], readout: false }, i)
      } catch {
        // the prefix alone is no network (e.g. empty): no shapes
      }
    } else out.error = message
    out.hint = err.hint ?? null
  }
  return out
}

/** "28, 28, 1" → [28, 28, 1]; blank → undefined; null when not 1–3 positive integers. */
export function parseShape(text: string): number[] | undefined | null {
  const parts = text.split(/[\s,×x]+/).filter(Boolean)
  if (!parts.length) return undefined
  const out = parts.map(Number)
  return out.length <= 3 && out.every((v) => Number.isInteger(v) && v > 0) ? out : null
}
