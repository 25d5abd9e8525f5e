import { UserError } from '../errors'
import { isActivationName } from './activation-names'
import { parseActivation, type ActivationSpec } from './activations'
import { layerName, type NetArch, type NetLayer } from './layers'

// ARCH.json read with infinite-width semantics (Novak et al. 2019, "Bayesian deep CNNs with many channels are
// GPs"; Arora et al. 2019, "On exact computation with an infinitely wide neural net"; docs/math.md §2): the
// layer list becomes a list of kernel operations with their shapes, or a UserError naming the first layer the
// kernel cannot follow, before any work starts. The CLI, the GUI (before Run) and the engine all call this.

export type KernelOp =
  | { op: 'dense'; wStd: number; bStd: number | null }
  | { op: 'conv'; size: [number, number]; padding: 'same' | 'valid'; wStd: number; bStd: number | null }
  | { op: 'activation'; activation: ActivationSpec }
  | { op: 'avgpool'; pool: [number, number] }
  | { op: 'globalavgpool' }
  | { op: 'flatten' }

export type KernelStep = KernelOp & {
  /** index in arch.layers, or -1 for what the plan adds (the appended readout, an implicit flatten) */
  layer: number
  /** shape entering the step: [h, w, c] or [d] */
  inShape: number[]
  outShape: number[]
  /** filters/units for the empirical kernel (the analytic one ignores them) */
  channels?: number
}

export interface KernelPlan {
  /** input shape of one point: [h, w, c] for image networks, [d] otherwise */
  input: number[]
  steps: KernelStep[]
  /** the network has convolutions or pooling: points are images */
  spatial: boolean
  /** some step averages over positions (avgpool, globalavgpool), so the full P×P covariance is needed up to it */
  needsFullCovariance: boolean
}

export interface KernelDefaults {
  /** σ_w of conv/dense layers that give none (the CLI's --w-std) */
  wStd: number
  /** σ_b of conv/dense layers that give none (the CLI's --b-std); null: no bias */
  bStd: number | null
}

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v)
const isSpatialLayer = (l: NetLayer): boolean => l.type === 'conv2d' || l.type === 'maxpool2d' || l.type === 'avgpool2d' || l.type === 'globalavgpool'

/**
 * The input shape of one point for data whose rows have `dataShape` (without batch): ARCH.json's `input`
 * ([h, w] means one channel in image networks), else the data's own shape as an image for networks with
 * spatial layers (a flat row of d = s² values is an s×s image) and flattened [d] otherwise. Training
 * (`ntkw train --arch`) and the kernels use this one rule.
 */
export function resolveInputShape(arch: Pick<NetArch, 'input' | 'layers'>, dataShape: number[]): number[] {
  const spatial = arch.layers.some(isSpatialLayer)
  if (arch.input) return arch.input.length === 2 && spatial ? [...arch.input, 1] : arch.input
  if (spatial) {
    if (dataShape.length === 3) return dataShape
    if (dataShape.length === 2) return [...dataShape, 1]
    const d = dataShape[0]!
    const side = Math.round(Math.sqrt(d))
    if (side * side === d) return [side, side, 1]
    throw new UserError('bad_shape', `a convolutional network needs image inputs, but the data rows have shape [${dataShape.join(', ')}]`, 'Save x as (n, h, w) or (n, h, w, c), or give "input": [h, w, c] in ARCH.json.')
  }
  return [dataShape.reduce((a, b) => a * b, 1)]
}

const refuse = (i: number, l: NetLayer, why: string, hint: string): never => {
  throw new UserError('bad_arch', `${layerName(i, l)}: ${why}`, hint)
}

function kernelActivation(i: number, l: NetLayer, text: string): ActivationSpec {
  const name = text.trim().split(':', 1)[0]!.toLowerCase()
  if (!isActivationName(name)) {
    refuse(i, l, `activation '${text}' has no infinite-width dual map here`, 'Kernels take relu, erf, gelu, sin, identity, abs, leaky_relu:ALPHA, abrelu:A,B (erf is a smooth alternative to tanh/sigmoid).')
  }
  return parseActivation(text)
}

/**
 * Reads `arch` with infinite-width semantics for points whose rows have `dataShape` (absent: the file's
 * `input` must be given). Refuses maxpool, dropout and batchnorm, strided convolutions, pooling that does not
 * fit the image and valid padding that empties it, each with an error naming the layer.
 */
export function planKernel(arch: NetArch, defaults: KernelDefaults, dataShape?: number[]): KernelPlan {
  if (!dataShape && !arch.input) throw new UserError('bad_arch', 'ARCH.json gives no "input" shape and no data is given', 'Add "input": [h, w, c] (images) or [d] to ARCH.json.')
  const input = resolveInputShape(arch, dataShape ?? arch.input!)
  if (dataShape) {
    const d = dataShape.reduce((a, b) => a * b, 1)
    const want = input.reduce((a, b) => a * b, 1)
    if (d !== want) {
      throw new UserError('bad_shape', `ARCH.json "input" [${input.join(', ')}] holds ${want} values per point, but the data rows have ${d} ([${dataShape.join(', ')}])`, 'Make "input" match the data (h·w·c = features per row), or pass the matching data.')
    }
  }
  const steps: KernelStep[] = []
  let shape = [...input]
  const push = (step: KernelOp, layer: number, outShape: number[], channels?: number): void => {
    steps.push({ ...step, layer, inShape: shape, outShape, ...(channels !== undefined ? { channels } : {}) } as KernelStep)
    shape = outShape
  }
  const flat = (): void => {
    if (shape.length > 1) push({ op: 'flatten' }, -1, [shape.reduce((a, b) => a * b, 1)])
  }
  const sigmas = (l: { bias?: boolean; wStd?: number; bStd?: number | null }): { wStd: number; bStd: number | null } => ({
    wStd: l.wStd ?? defaults.wStd,
    bStd: l.bias === false ? null : l.bStd === undefined ? defaults.bStd : l.bStd,
  })
  const activationAfter = (i: number, l: NetLayer, text: string | undefined): void => {
    if (text && text.trim().toLowerCase() !== 'linear') push({ op: 'activation', activation: kernelActivation(i, l, text) }, i, shape)
  }
  let sawReadout = false
  arch.layers.forEach((l, i) => {
    switch (l.type) {
      case 'conv2d': {
        if (shape.length !== 3) refuse(i, l, 'convolutions need image-shaped inputs [h, w, c], but this layer comes after flatten/dense/globalavgpool', 'Put conv2d and pooling layers before flatten, globalavgpool and dense layers, and give "input": [h, w, c].')
        const stride = pair(l.stride)
        if (stride[0] !== 1 || stride[1] !== 1) refuse(i, l, `stride ${stride.join('×')}: the analytic kernel follows stride-1 convolutions only`, 'Use stride 1 and downsample with avgpool2d.')
        const size = pair(l.kernel)
        const [h, w] = shape as [number, number, number]
        const out = l.padding === 'same' ? [h, w, l.filters] : [h - size[0] + 1, w - size[1] + 1, l.filters]
        if (out[0]! < 1 || out[1]! < 1) refuse(i, l, `a ${size.join('×')} filter with valid padding empties the ${h}×${w} image`, "Use padding 'same', a smaller kernel, or fewer layers before it.")
        push({ op: 'conv', size, padding: l.padding, ...sigmas(l) }, i, out, l.filters)
        activationAfter(i, l, l.activation)
        break
      }
      case 'avgpool2d': {
        if (shape.length !== 3) refuse(i, l, 'pooling needs image-shaped inputs [h, w, c], but this layer comes after flatten/dense/globalavgpool', 'Put pooling layers before flatten and dense layers.')
        const pool = pair(l.pool)
        const stride = l.stride === undefined ? pool : pair(l.stride)
        if (stride[0] !== pool[0] || stride[1] !== pool[1] || l.padding !== 'valid') refuse(i, l, 'the analytic kernel follows non-overlapping pooling only (stride = pool, padding valid)', 'Drop "stride" and "padding" from this layer.')
        const [h, w, c] = shape as [number, number, number]
        if (pool[0] > h || pool[1] > w) refuse(i, l, `pool ${pool.join('×')} is larger than the ${h}×${w} image it pools`, 'Use a smaller pool, or globalavgpool to average over the whole image.')
        push({ op: 'avgpool', pool }, i, [Math.floor(h / pool[0]), Math.floor(w / pool[1]), c])
        break
      }
      case 'globalavgpool':
        if (shape.length !== 3) refuse(i, l, 'global average pooling needs image-shaped inputs [h, w, c]', 'Put globalavgpool after the convolutions, before dense layers.')
        push({ op: 'globalavgpool' }, i, [shape[2]!])
        break
      case 'flatten':
        if (shape.length > 1) push({ op: 'flatten' }, i, [shape.reduce((a, b) => a * b, 1)])
        break
      case 'dense':
        flat()
        push({ op: 'dense', ...sigmas(l) }, i, [l.units], l.units)
        activationAfter(i, l, l.activation)
        break
      case 'activation':
        activationAfter(i, l, l.activation)
        break
      case 'relu':
        push({ op: 'activation', activation: { name: 'relu' } }, i, shape)
        break
      case 'readout':
        flat()
        push({ op: 'dense', ...sigmas(l) }, i, [1], 1)
        sawReadout = true
        break
      case 'maxpool2d':
        refuse(i, l, 'max pooling has no closed-form infinite-width kernel', 'Use avgpool2d (or globalavgpool) for kernels; maxpool2d stays available for trained networks.')
        break
      case 'dropout':
        refuse(i, l, 'dropout has no place in the infinite-width kernel (it is a training-time regulariser)', 'Remove the dropout layer for kernels.')
        break
      case 'batchnorm':
        refuse(i, l, 'batch normalisation couples the points of a batch, so the kernel of a pair is not defined', 'Remove the batchnorm layer for kernels.')
        break
    }
  })
  if (arch.readout && !sawReadout) {
    flat()
    push({ op: 'dense', wStd: defaults.wStd, bStd: defaults.bStd }, -1, [1], 1)
  }
  if (steps.length === 0) throw new UserError('bad_arch', 'the network has no layers', 'Add layers to ARCH.json or leave "readout" true.')
  const last = steps[steps.length - 1]!
  if (last.outShape.length !== 1) throw new UserError('bad_arch', 'the network ends on an image-shaped output', 'End with flatten or globalavgpool and a readout (leave "readout" true).')
  return {
    input,
    steps,
    spatial: steps.some((s) => s.op === 'conv' || s.op === 'avgpool' || s.op === 'globalavgpool'),
    needsFullCovariance: steps.some((s) => s.op === 'avgpool' || s.op === 'globalavgpool'),
  }
}
