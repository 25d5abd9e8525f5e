import type { FcArch, KernelArch, NetArchInput } from '../../../shared/arch'
import { BIAS_STD_SUGGESTED, formatActivation, isNetKernelArch } from '../../../shared/arch'
import { activationText, defaultFcArchForm, defaultNet, describeNet, kernelArchFormOf, kernelArchOf, netCostText, netError, type FcArchForm } from './arch-form'
import { JobSpec, type JobSpecInput } from '../../../shared/jobs/spec'
import type { DatasetSummary } from '../../../shared/dataset'
import { issueText } from './issue-text'

// The experiment builder edits a flat, string-friendly form; buildSpec turns it into a JobSpec (validated by
// the same zod schema the engine uses) and formFromSpec turns a saved spec back into the form.

export const LAB_KINDS = ['lab-kernel', 'width-sweep', 'train-vs-theory', 'lab-spectrum', 'lab-efficiency'] as const
export type LabKind = (typeof LAB_KINDS)[number]

export const KIND_LABEL: Record<LabKind, string> = {
  'lab-kernel': 'Kernel',
  'width-sweep': 'Width sweep',
  'train-vs-theory': 'Training vs theory',
  'lab-spectrum': 'Spectrum & early stopping',
  'lab-efficiency': 'Efficient NTK',
}

export const KIND_BLURB: Record<LabKind, string> = {
  'lab-kernel': 'NTK and NNGP of the architecture: class-sorted heatmaps, eigen-spectra, kernel regression on the test split.',
  'width-sweep': 'Empirical NTK at several widths and seeds against the analytic kernel: relative error vs width (theory: slope −½).',
  'train-vs-theory': 'Finite networks trained by gradient descent against the closed-form NTK prediction, plus kernel drift.',
  'lab-spectrum': 'Label energy per eigendirection, per-mode residual decay, and the test-loss-optimal stopping time.',
  'lab-efficiency': 'Random features and Nyström against the exact kernel: kernel error and accuracy vs feature dimension m, time and memory vs n; low-rank layers vs rank.',
}

export function isLabKind(k: string): k is LabKind {
  return (LAB_KINDS as readonly string[]).includes(k)
}

/** Experiments whose job takes an ARCH.json network (conv, pooling) besides an FC one (shared/jobs/lab.ts). */
export const LAYERED_KINDS: readonly LabKind[] = ['lab-kernel', 'lab-spectrum', 'width-sweep', 'train-vs-theory']

export const takesLayers = (kind: LabKind): boolean => LAYERED_KINDS.includes(kind)


export interface LabForm {
  name: string
  kind: LabKind
  datasetId: string
  train: number
  test: number
  seed: number
  /** the FC network, and σ_w/σ_b defaults of the layered one (components/arch/ArchEditor.vue) */
  arch: FcArchForm
  /** which network the experiment uses: FC (`arch`) or layers (`net`, kinds in LAYERED_KINDS only) */
  archMode: 'fc' | 'layers'
  /** the layered network (ARCH.json layers) */
  net: NetArchInput
  /** comma/space separated widths (width sweep, training vs theory) */
  widths: string
  seedsPerWidth: number
  steps: number
  /** blank = automatic (N·K/λ_max) */
  learningRate: string
  evalPoints: number
  driftPoints: number
  diagReg: number
  heatmapSize: number
  kernel: 'ntk' | 'nngp'
  tMin: number
  tMax: number
  timePoints: number
  modes: number
  /** feature dimensions m (efficiency experiment), comma separated */
  features: string
  /** training-set sizes timed exact vs approximate (efficiency experiment) */
  timingSizes: string
  timingFeatures: number
  /** ranks of the low-rank study (efficiency experiment), comma separated; blank = no study */
  lowRankRanks: string
  lowRankWidth: number
}

/** Width sweep defaults: units of FC layers, and channels of a layered network (each costs every position). */
export const FC_SWEEP_WIDTHS = '64, 128, 256, 512, 1024'
export const CONV_SWEEP_WIDTHS = '4, 16, 64'
/** Training vs theory: the same for the networks trained by gradient descent. */
export const FC_THEORY_WIDTHS = '128, 512, 1024'
export const CONV_THEORY_WIDTHS = '8, 32'

/** Sizes per kind that finish in well under a minute on two cores with MNIST (784 features, 10 classes). */
const SIZES: Record<LabKind, { train: number; test: number; widths: string }> = {
  'lab-kernel': { train: 512, test: 512, widths: '' },
  'width-sweep': { train: 128, test: 64, widths: FC_SWEEP_WIDTHS },
  'train-vs-theory': { train: 64, test: 256, widths: FC_THEORY_WIDTHS },
  'lab-spectrum': { train: 512, test: 512, widths: '' },
  'lab-efficiency': { train: 512, test: 256, widths: '' },
}

/** The dataset a new experiment starts on: MNIST if the project has it, else the first labelled one. */
export function defaultDataset(datasets: DatasetSummary[]): string {
  const labelled = datasets.filter((d) => d.task !== 'none')
  return (labelled.find((d) => d.name.toLowerCase().includes('mnist')) ?? labelled[0] ?? datasets[0])?.id ?? ''
}

export function defaultForm(kind: LabKind = 'width-sweep', datasetId = ''): LabForm {
  const s = SIZES[kind]
  return {
    name: '',
    kind,
    datasetId,
    train: s.train,
    test: s.test,
    seed: 0,
    // σ_w and the rest from shared/arch (σ_w = 1 as the CLI and neural-tangents); a small bias on, as before
    arch: defaultFcArchForm({ bias: true, bStd: BIAS_STD_SUGGESTED }),
    archMode: 'fc',
    net: defaultNet(),
    widths: s.widths,
    seedsPerWidth: 3,
    steps: 150,
    learningRate: '',
    evalPoints: 60,
    driftPoints: 64,
    diagReg: kind === 'lab-kernel' || kind === 'lab-efficiency' ? 1e-4 : 0,
    heatmapSize: 128,
    kernel: 'ntk',
    tMin: 0.1,
    tMax: 1e5,
    timePoints: 80,
    modes: 6,
    features: '64, 128, 256, 512, 1024',
    timingSizes: '64, 128, 256, 512',
    timingFeatures: 256,
    lowRankRanks: '2, 8, 32, 128',
    lowRankWidth: 512,
  }
}

/**
 * A copy of the form that shares nothing with it, every level a plain object (also when `f` is a reactive
 * proxy, whose nested objects a shallow spread would carry over as proxies that structuredClone refuses).
 */
export function copyForm(f: LabForm): LabForm {
  return { ...f, arch: { ...f.arch, params: { ...f.arch.params } }, net: JSON.parse(JSON.stringify(f.net)) as NetArchInput }
}

/** Switching the experiment type keeps the architecture and data but takes the new type's sizes. */
export function switchKind(form: LabForm, kind: LabKind): LabForm {
  const d = defaultForm(kind, form.datasetId)
  return { ...copyForm(form), kind, train: d.train, test: d.test, widths: d.widths || form.widths, diagReg: d.diagReg }
}

/** Whether the form's experiment runs the layered network. */
export const usesLayers = (f: LabForm): boolean => f.archMode === 'layers' && takesLayers(f.kind)

/** The spec's architecture: the layered network (σ defaults from the FC fields) or the FC one. */
export function archOf(f: LabForm): KernelArch {
  return kernelArchOf(f.arch, usesLayers(f) ? 'layers' : 'fc', f.net)
}

/** "64, 256 1024" → [64, 256, 1024]; null when a token is not a positive integer. */
export function parseWidths(text: string): number[] | null {
  const parts = text.split(/[\s,;]+/).filter(Boolean)
  if (!parts.length) return null
  const out = parts.map(Number)
  return out.every((w) => Number.isInteger(w) && w > 0) ? out : null
}

export function autoName(f: LabForm, datasetName?: string): string {
  return `${KIND_LABEL[f.kind]} · ${datasetName ?? 'data'} · ${usesLayers(f) ? describeNet(f.net) : `${f.arch.depth}×${activationText(f.arch)}`}`
}


export interface SpecOrErrors {
  spec: JobSpecInput | null
  /** field → message; empty when the spec is valid */
  errors: Record<string, string>
}

/** The JobSpec the form describes, validated by the engine's own schema. */
export function buildSpec(f: LabForm, datasetName?: string, dataShape?: number[]): SpecOrErrors {
  const errors: Record<string, string> = {}
  if (!f.datasetId) errors.datasetId = 'Choose a dataset (import one on the Datasets page).'
  if (usesLayers(f)) {
    // the layer the kernel cannot follow is named before Run, as the editor shows it beside the layer
    const bad = netError(f.net, f.arch, dataShape)
    if (bad) errors.net = bad
  }
  const name = f.name.trim() || autoName(f, datasetName)
  const base = { name, seed: f.seed, data: { datasetId: f.datasetId, train: f.train, test: f.test }, arch: archOf(f) }
  let spec: Record<string, unknown>
  switch (f.kind) {
    case 'lab-kernel':
      spec = { kind: f.kind, ...base, diagReg: f.diagReg, heatmapSize: f.heatmapSize }
      break
    case 'width-sweep':
    case 'train-vs-theory': {
      const widths = parseWidths(f.widths)
      if (!widths) errors.widths = 'Widths: positive integers separated by commas, e.g. 64, 256, 1024.'
      else if (f.kind === 'width-sweep' && widths.length < 2) errors.widths = 'A sweep needs at least two widths to fit a slope.'
      if (f.kind === 'width-sweep') spec = { kind: f.kind, ...base, widths: widths ?? [], seedsPerWidth: f.seedsPerWidth }
      else {
        const lr = f.learningRate.trim()
        const lrNum = Number(lr)
        if (lr && !(Number.isFinite(lrNum) && lrNum > 0)) errors.learningRate = 'Learning rate: a positive number, or blank for automatic.'
        spec = { kind: f.kind, ...base, widths: widths ?? [], steps: f.steps, evalPoints: f.evalPoints, driftPoints: f.driftPoints, diagReg: f.diagReg, ...(lr ? { learningRate: lrNum } : {}) }
      }
      if ((f.kind === 'width-sweep' || f.kind === 'train-vs-theory') && !usesLayers(f) && f.arch.parameterization !== 'ntk') {
        errors.parameterization = 'This experiment compares against the infinite-width limit, which needs NTK parameterization.'
      }
      break
    }
    case 'lab-spectrum': {
      const lr = f.learningRate.trim()
      const lrNum = Number(lr)
      if (lr && !(Number.isFinite(lrNum) && lrNum > 0)) errors.learningRate = 'Learning rate: a positive number, or blank for automatic.'
      if (!(f.tMax > f.tMin)) errors.tMax = 'The last time must be after the first.'
      spec = { kind: f.kind, ...base, kernel: f.kernel, tMin: f.tMin, tMax: f.tMax, timePoints: f.timePoints, modes: f.modes, ...(lr ? { learningRate: lrNum } : {}) }
      break
    }
    case 'lab-efficiency': {
      const features = parseWidths(f.features)
      if (!features) errors.features = 'Feature dimensions: positive integers separated by commas, e.g. 64, 256, 1024.'
      const sizes = f.timingSizes.trim() ? parseWidths(f.timingSizes) : []
      if (!sizes) errors.timingSizes = 'Timing sizes: positive integers separated by commas, or blank for no timing chart.'
      const ranks = f.lowRankRanks.trim() ? parseWidths(f.lowRankRanks) : []
      if (!ranks) errors.lowRankRanks = 'Ranks: positive integers separated by commas, or blank for no low-rank study.'
      else if (ranks.length && f.arch.parameterization !== 'ntk') errors.lowRankRanks = 'Low-rank layers are implemented in the NTK parameterization; leave the ranks blank for standard.'
      else if (ranks.length && f.arch.depth < 1) errors.lowRankRanks = 'A network of depth 0 has no hidden layer to factorise; leave the ranks blank.'
      spec = {
        kind: f.kind,
        ...base,
        kernel: f.kernel,
        diagReg: f.diagReg,
        features: features ?? [],
        timingSizes: sizes ?? [],
        timingFeatures: f.timingFeatures,
        ...(ranks && ranks.length ? { lowRank: { width: f.lowRankWidth, ranks } } : {}),
      }
      break
    }
  }
  const parsed = JobSpec.safeParse(spec)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = fieldOf(issue.path)
      if (!errors[key]) errors[key] = `${labelOf(key)}: ${issueText(issue)}`
    }
  }
  return Object.keys(errors).length ? { spec: null, errors } : { spec: spec as JobSpecInput, errors }
}

const PATH_FIELD: Record<string, string> = { datasetId: 'datasetId', train: 'train', test: 'test', depth: 'depth', wStd: 'wStd', bStd: 'bStd', alpha: 'alpha', a: 'activation', b: 'activation', c: 'activation' }

function fieldOf(path: PropertyKey[]): string {
  const last = String(path.at(-1) ?? '')
  if (path[0] === 'widths') return 'widths'
  if (path[0] === 'features' || path[0] === 'timingSizes') return String(path[0])
  if (path[0] === 'lowRank') return path[1] === 'width' ? 'lowRankWidth' : 'lowRankRanks'
  return PATH_FIELD[last] ?? last
}

function labelOf(key: string): string {
  const labels: Record<string, string> = { lowRankRanks: 'Low-rank ranks', lowRankWidth: 'Low-rank width', train: 'Train size', test: 'Test size', depth: 'Depth', wStd: 'σ_w', bStd: 'σ_b', widths: 'Widths', steps: 'Steps', seed: 'Seed', seedsPerWidth: 'Seeds per width' }
  return labels[key] ?? key
}

/** A saved experiment's spec back in the form (unknown fields keep their defaults). */
export function formFromSpec(spec: JobSpecInput, name = ''): LabForm | null {
  if (!isLabKind(spec.kind)) return null
  const s = spec as Record<string, unknown> & { kind: LabKind }
  const f = defaultForm(s.kind)
  const data = s.data as { datasetId?: string; train?: number; test?: number } | undefined
  const arch = s.arch as Partial<FcArch> | undefined
  const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d)
  f.name = name || (typeof s.name === 'string' ? s.name : '')
  f.seed = num(s.seed, 0)
  f.datasetId = data?.datasetId ?? ''
  f.train = num(data?.train, f.train)
  f.test = num(data?.test, f.test)
  const read = kernelArchFormOf(arch && !isNetKernelArch(arch) ? { parameterization: 'ntk', ...arch } : arch, f.arch)
  f.arch = read.fc
  f.archMode = read.mode
  if (read.net) f.net = read.net
  if (Array.isArray(s.widths)) f.widths = (s.widths as number[]).join(', ')
  f.seedsPerWidth = num(s.seedsPerWidth, f.seedsPerWidth)
  f.steps = num(s.steps, f.steps)
  f.learningRate = typeof s.learningRate === 'number' ? String(s.learningRate) : ''
  f.evalPoints = num(s.evalPoints, f.evalPoints)
  f.driftPoints = num(s.driftPoints, f.driftPoints)
  f.diagReg = num(s.diagReg, f.diagReg)
  f.heatmapSize = num(s.heatmapSize, f.heatmapSize)
  if (s.kernel === 'nngp' || s.kernel === 'ntk') f.kernel = s.kernel
  f.tMin = num(s.tMin, f.tMin)
  f.tMax = num(s.tMax, f.tMax)
  f.timePoints = num(s.timePoints, f.timePoints)
  f.modes = num(s.modes, f.modes)
  if (Array.isArray(s.features)) f.features = (s.features as number[]).join(', ')
  if (Array.isArray(s.timingSizes)) f.timingSizes = (s.timingSizes as number[]).join(', ')
  f.timingFeatures = num(s.timingFeatures, f.timingFeatures)
  if (s.kind === 'lab-efficiency') {
    const lr = s.lowRank as { width?: number; ranks?: number[] } | undefined
    f.lowRankRanks = Array.isArray(lr?.ranks) ? lr.ranks.join(', ') : ''
    f.lowRankWidth = num(lr?.width, f.lowRankWidth)
  }
  return f
}

/**
 * σ_w and σ_b of a layered network's conv/dense layers, each layer's own or the defaults: one value when all
 * agree ("σ_w 1.41 · σ_b 0.1"), else their range.
 */
function describeNetSigmas(a: { net: NetArchInput; wStd?: number; bStd?: number | null }): string {
  const weighted = (Array.isArray(a.net?.layers) ? a.net.layers : []).filter((l) => l.type === 'conv2d' || l.type === 'dense') as { wStd?: number; bStd?: number | null; bias?: boolean }[]
  const ws = [...new Set(weighted.map((l) => l.wStd ?? a.wStd ?? 1))]
  const bs = [...new Set(weighted.map((l) => (l.bias === false ? null : l.bStd !== undefined ? l.bStd : (a.bStd ?? null))))]
  const fmt = (v: number): string => String(+v.toFixed(3))
  const range = (vs: number[]): string => (vs.length === 1 ? fmt(vs[0]!) : `${fmt(Math.min(...vs))}–${fmt(Math.max(...vs))}`)
  const w = ws.length ? `σ_w ${range(ws)}` : `σ_w ${a.wStd ?? 1}`
  const numeric = bs.filter((b): b is number => b !== null)
  const b = !numeric.length ? 'no bias' : `σ_b ${range(numeric)}${numeric.length < bs.length ? ' (some layers without)' : ''}`
  return `${w} · ${b}`
}

/** One line for an architecture; `widths` (sweeps, training vs theory) replaces the spec's own width. */
export function describeArch(arch: unknown, widths?: unknown): string {
  if (isNetKernelArch(arch)) {
    const a = arch as { net: NetArchInput; wStd?: number; bStd?: number | null }
    const ws = Array.isArray(widths) ? (widths.filter((w) => typeof w === 'number') as number[]) : []
    const channels = ws.length ? ` · channels ${Math.min(...ws)}–${Math.max(...ws)}` : ' · channels ∞'
    return `${describeNet(a.net)}${channels} · ${describeNetSigmas(a)}`
  }
  const a = arch as Partial<FcArch> | undefined
  if (!a || typeof a.depth !== 'number' || !a.activation) return '—'
  const ws = Array.isArray(widths) ? (widths.filter((w) => typeof w === 'number') as number[]) : []
  // the CLI syntax (leaky_relu:0.1, erf:2,1,0), parameters left out where they are the defaults
  let actText: string = a.activation.name
  try {
    actText = formatActivation(a.activation)
  } catch {
    // a stored spec of another version: its name alone
  }
  const width = ws.length ? (ws.length === 1 ? String(ws[0]) : `${Math.min(...ws)}–${Math.max(...ws)}`) : a.width === undefined || a.width === 'inf' ? '∞' : String(a.width)
  const bias = a.bStd === null || a.bStd === undefined ? 'no bias' : `σ_b ${a.bStd}`
  return `${a.depth}×${actText} · w ${width} · σ_w ${a.wStd ?? 1} · ${bias}${a.parameterization === 'standard' ? ' · standard' : ''}`
}

/**
 * The up-front estimate of a layered experiment's analytic kernels (train × train and test × train; the
 * width sweep: its analytic reference on the train points); null for FC networks (seconds at most) and for a
 * network the editor already reports as invalid.
 */
export function labCostText(f: LabForm, dataShape: number[] | undefined, threads: number): string | null {
  if (!usesLayers(f)) return null
  const kernels = f.kind === 'lab-spectrum' && f.kernel === 'nngp' ? 1 : 2
  const text = netCostText(f.net, f.arch, dataShape, { train: f.train, test: f.kind === 'width-sweep' ? 0 : f.test }, threads, kernels)
  // sweeps and training also run finite networks, which this does not count
  return text && (f.kind === 'width-sweep' ? `Analytic reference: ${text}` : f.kind === 'train-vs-theory' ? `Analytic kernels: ${text}` : `Estimate: ${text}`)
}
