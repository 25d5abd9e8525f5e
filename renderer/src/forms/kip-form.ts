import type { DatasetSummary } from '../../../shared/dataset'
import type { JobSpecInput } from '../../../shared/jobs/spec'
import { BIAS_STD_SUGGESTED, HE_W_STD, NetArch, kipPlanRefusal, planKernel, type ActivationEntry, type NetArchInput } from '../../../shared/arch'
import { defaultFcArchForm, defaultNet, describeNet, fcArchOf, kernelArchOf, netDefaultsOf, netError, type ArchMode, type FcArchForm } from './arch-form'

/** Activations whose kernel gradient the KIP engine has (the catalogue's `differentiable` ones). */
export const kipActivation = (e: ActivationEntry): boolean => e.differentiable

export interface KipForm {
  datasetId: string
  /** at most this many training / test points (null or blank: all) */
  trainCap: number | null
  testCap: number | null
  perClass: number
  kernel: 'ntk' | 'nngp'
  /** the kernel's FC network, and the σ defaults of its layered one */
  arch: FcArchForm
  /** FC (`arch`) or ARCH.json layers (`net`: a CNN kernel with flatten readout; support points learned as images) */
  archMode: ArchMode
  net: NetArchInput
  diagReg: number
  steps: number
  learningRate: number
  batchSize: number
  learnLabels: boolean
  init: 'real' | 'noise'
  evalEvery: number
  seed: number
  transfer: boolean
  transferWidth: number
  transferSteps: number
  transferLr: number
}

/** The KIP reference settings (Nguyen, Chen & Lee 2021; FC kernel, W_std √2, b_std 0.1, relative diag_reg 1e-6). */
export function defaultKipForm(datasetId = ''): KipForm {
  return {
    datasetId,
    trainCap: null,
    testCap: 1000,
    perClass: 10,
    kernel: 'ntk',
    arch: defaultFcArchForm({ depth: 3, wStd: HE_W_STD, bias: true, bStd: BIAS_STD_SUGGESTED }),
    archMode: 'fc',
    net: defaultNet(),
    diagReg: 1e-6,
    steps: 1000,
    learningRate: 0.01,
    batchSize: 1000,
    learnLabels: false,
    init: 'real',
    evalEvery: 50,
    seed: 0,
    transfer: true,
    transferWidth: 512,
    transferSteps: 500,
    transferLr: 0.001,
  }
}

/** Classification datasets can be distilled (KIP learns k points per class). */
export function distillable(d: DatasetSummary): boolean {
  return d.task === 'classification' && d.classes >= 2
}

/** The recipe's test part, when it has one (test = 1 − train − validation). */
export function hasTestSplit(d: DatasetSummary): boolean {
  const s = d.recipe.split
  return Boolean(s && 1 - s.train - (s.validation ?? 0) > 1e-9)
}

export function kipErrors(f: KipForm, d: DatasetSummary | undefined): Record<string, string> {
  const e: Record<string, string> = {}
  const int = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi
  if (!d) e.datasetId = 'Pick a classification dataset'
  if (!int(f.perClass, 1, 1000)) e.perClass = '1 … 1000'
  if (!int(f.arch.depth, 0, 64)) e.depth = '0 … 64'
  if (!(f.arch.wStd > 0)) e.wStd = '> 0'
  if (f.arch.bias && !(f.arch.bStd >= 0)) e.bStd = '≥ 0'
  for (const v of Object.values(fcArchOf(f.arch).activation)) if (typeof v === 'number' && !Number.isFinite(v)) e.activation = 'a number'
  if (!(f.diagReg >= 0)) e.diagReg = '≥ 0'
  if (!int(f.steps, 0, 1_000_000)) e.steps = 'an integer ≥ 0'
  if (!(f.learningRate > 0)) e.learningRate = '> 0'
  if (!int(f.batchSize, 2, 100_000)) e.batchSize = '2 … 100000'
  if (!int(f.evalEvery, 1, 1_000_000)) e.evalEvery = '≥ 1'
  if (f.transfer && !int(f.transferWidth, 1, 16384)) e.transferWidth = '1 … 16384'
  if (f.transfer && !int(f.transferSteps, 1, 1_000_000)) e.transferSteps = '≥ 1'
  if (f.archMode === 'layers') {
    const bad = kipNetError(f, d ? d.xShape.slice(1) : undefined)
    if (bad) e.net = bad
  }
  return e
}

/** Why the layered network cannot be KIP's kernel (the kernel check, then what KIP differentiates), or null. */
function kipNetError(f: KipForm, dataShape: number[] | undefined): string | null {
  const bad = netError(f.net, f.arch, dataShape)
  if (bad) return bad
  try {
    const refusal = kipPlanRefusal(planKernel(NetArch.parse(f.net), netDefaultsOf(f.arch), dataShape))
    return refusal ? `${refusal.message[0]!.toUpperCase()}${refusal.message.slice(1)}. ${refusal.hint ?? ''}`.trim() : null
  } catch (err) {
    return (err as Error).message
  }
}

/** The transfer check trains an FC network of the kernel's architecture: FC kernels only. */
export const transferAvailable = (f: KipForm): boolean => f.archMode !== 'layers'

export function kipSpec(f: KipForm, d: DatasetSummary): JobSpecInput {
  const split = d.recipe.split ? 'train' : 'all'
  const cap = (part: 'all' | 'train' | 'test') => (part === 'test' ? f.testCap : f.trainCap)
  const ref = (part: 'all' | 'train' | 'test', field: 'x' | 'y') => ({ type: 'dataset' as const, datasetId: d.id, split: part, field, ...(cap(part) ? { limit: cap(part)! } : {}) })
  const test = hasTestSplit(d)
  return {
    kind: 'kip',
    name: `KIP ${f.perClass}/class ${f.kernel.toUpperCase()}${f.archMode === 'layers' ? ` ${describeNet(f.net)}` : ''} on ${d.name}`,
    seed: f.seed,
    x: ref(split, 'x'),
    y: ref(split, 'y'),
    ...(test ? { xTest: ref('test', 'x'), yTest: ref('test', 'y') } : {}),
    supportPerClass: f.perClass,
    kernel: f.kernel,
    arch: kernelArchOf(f.arch, f.archMode, f.net),
    diagReg: f.diagReg,
    steps: f.steps,
    learningRate: f.learningRate,
    batchSize: f.batchSize,
    learnLabels: f.learnLabels,
    init: f.init,
    evalEvery: f.evalEvery,
    ...(f.transfer && test && transferAvailable(f) ? { transfer: { width: f.transferWidth, steps: f.transferSteps, learningRate: f.transferLr } } : {}),
    saveAs: `KIP ${f.perClass}/class ${f.kernel.toUpperCase()}${f.learnLabels ? ' learned labels' : ''} · ${d.name}`,
  }
}
