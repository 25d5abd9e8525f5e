import {
  ACTIVATIONS,
  ARCH_PRESETS,
  estimateKernelCost,
  formatKernelCost,
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
  type KernelArch,
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

// ---- a kernel page's network: FC, or ARCH.json layers ----

export type ArchMode = 'fc' | 'layers'

/** The σ defaults the FC fields give every conv/dense layer without its own. */
export const netDefaultsOf = (fc: FcArchForm): KernelDefaults => ({ wStd: fc.wStd, bStd: fc.bias ? fc.bStd : null })

/** The spec's architecture: the FC network, or the layers read with infinite-width semantics. */
export function kernelArchOf(fc: FcArchForm, mode: ArchMode, net: NetArchInput): KernelArch {
  if (mode !== 'layers') return fcArchOf(fc)
  return { net: JSON.parse(JSON.stringify(net)) as NetArch, ...netDefaultsOf(fc) }
}

/** A saved spec's architecture back into the editor's three parts (what it lacks keeps `base`'s values). */
export function kernelArchFormOf(arch: unknown, base: FcArchForm): { fc: FcArchForm; mode: ArchMode; net: NetArchInput | null } {
  if (typeof arch === 'object' && arch !== null && 'net' in arch) {
    const a = arch as { net: NetArchInput; wStd?: number; bStd?: number | null }
    const fc = fcArchFormOf({ ...(a.wStd !== undefined ? { wStd: a.wStd } : {}), ...(a.bStd !== undefined ? { bStd: a.bStd } : {}) }, base)
    return { fc, mode: 'layers', net: JSON.parse(JSON.stringify(a.net)) as NetArchInput }
  }
  return { fc: fcArchFormOf(arch as Partial<FcArch> | undefined, base), mode: 'fc', net: null }
}

/** Why the layers cannot run as a kernel (naming the layer), or null: the check a page runs before Run. */
export function netError(net: NetArchInput, fc: FcArchForm, dataShape?: number[]): string | null {
  const check = checkLayers(net, { kernel: true, defaults: netDefaultsOf(fc), ...(dataShape ? { dataShape } : {}) })
  const [i, msg] = Object.entries(check.layerErrors)[0] ?? []
  if (msg !== undefined) return `Layer ${Number(i) + 1} (${net.layers[Number(i)]?.type}): ${msg}`
  return check.error
}

/** The network a layered form starts from: the CNN-GP preset (the field's most used conv kernel). */
export function defaultNet(): NetArchInput {
  return structuredClone(ARCH_PRESETS.find((p) => p.id === 'cnn-gp-flatten')!.arch)
}

/**
 * The up-front estimate of a layered kernel on `train` points with themselves plus `test` × `train`, as
 * `ntkw kernel --dry-run` states it (the n² matrices held added to the working memory); null for a network the
 * editor reports as invalid.
 */
export function netCostText(net: NetArchInput, fc: FcArchForm, dataShape: number[] | undefined, sizes: { train: number; test: number }, threads: number, kernels = 2): string | null {
  try {
    const plan = planKernel(NetArch.parse(net), netDefaultsOf(fc), dataShape)
    const opts = { threads: Math.max(1, threads), kernels }
    const train = estimateKernelCost(plan, sizes.train, null, opts)
    if (!sizes.test) return formatKernelCost(train)
    const cross = estimateKernelCost(plan, sizes.test, sizes.train, opts)
    const matrices = (sizes.train * sizes.train + sizes.test * sizes.train) * 4 * kernels
    return formatKernelCost({ ...train, pairs: train.pairs + cross.pairs, seconds: train.seconds + cross.seconds, bytes: Math.max(train.bytes, cross.bytes) + matrices })
  } catch {
    return null
  }
}

/**
 * A layered network in a few words: its preset's name when the layer types match one, else the layer
 * sequence ("conv3 relu ×3 → flatten").
 */
export function describeNet(net: Partial<NetArchInput> | undefined): string {
  const layers = Array.isArray(net?.layers) ? net.layers : []
  const types = layers.map((l) => l.type).join(',')
  const preset = ARCH_PRESETS.find((p) => p.arch.layers.map((l) => l.type).join(',') === types && p.id !== 'fc')
  if (preset && layers.length) return preset.label
  const words: string[] = []
  for (const l of layers) {
    const rec = l as Record<string, unknown>
    const raw = rec.kernel ?? rec.pool
    const size = Array.isArray(raw) ? (raw[0] as unknown) : raw
    const act = typeof rec.activation === 'string' ? ` ${rec.activation}` : ''
    const word = l.type === 'conv2d' ? `conv${size ?? 3}${act}` : l.type === 'avgpool2d' ? `avgpool${size ?? 2}` : l.type === 'dense' ? `dense${act}` : l.type
    const last = words.at(-1)
    const m = last ? /^(.*) ×(\d+)$/.exec(last) : null
    if (m && m[1] === word) words[words.length - 1] = `${word} ×${Number(m[2]) + 1}`
    else if (last === word) words[words.length - 1] = `${word} ×2`
    else words.push(word)
  }
  return words.length ? words.join(' → ') : 'no layers'
}
