import * as tf from '@tensorflow/tfjs-core'
import * as tfl from '@tensorflow/tfjs-layers'
import { ModelArch, type ModelArchInput, type ModelLayerSpec } from '../../../shared/models'
import { resolveInputShape as resolveNetInput } from '../../../shared/arch/kernel-plan'
import { UserError } from '../../../shared/errors'
import { Xoshiro128 } from '../core/random'
import { activationLayers } from './activations'

// ARCH.json (shared/models.ts) → a tfjs-layers Sequential with deterministic layer names (dense_1, conv2d_1,
// ...) so weight names in model.json do not depend on how many models the process built before, and
// weights drawn from the engine's seeded PRNG so the same seed gives the same network on every backend.

export interface BuildOptions {
  /** input shape without the batch dimension */
  inputShape: number[]
  /** readout units (classes); used when arch.readout is true */
  outputs: number
  seed: number
}

function namer(): (kind: string) => string {
  const counts = new Map<string, number>()
  return (kind) => {
    const n = (counts.get(kind) ?? 0) + 1
    counts.set(kind, n)
    return `${kind}_${n}`
  }
}

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v)

/** Parses ARCH.json content (already JSON.parse'd) with errors that name the field. */
export function parseArch(value: unknown, file = 'ARCH.json'): ModelArch {
  const r = ModelArch.safeParse(value)
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
    throw new UserError('bad_arch', `${file}: ${issues}`, 'See `ntkw train --help` for the ARCH.json format, e.g. {"input":[28,28,1],"layers":[{"type":"conv2d","filters":16},{"type":"maxpool2d"},{"type":"flatten"}]}')
  }
  return r.data
}

/** An MLP: Dense(width) + activation per hidden size, then the readout. */
export function mlpArch(hidden: number[], activation: string): ModelArch {
  const a: ModelArchInput = { layers: hidden.map((units) => ({ type: 'dense' as const, units, activation })), readout: true }
  return ModelArch.parse(a)
}

function isConvLike(l: ModelLayerSpec): boolean {
  return l.type === 'conv2d' || l.type === 'maxpool2d' || l.type === 'avgpool2d' || l.type === 'globalavgpool'
}

/** The model input shape for data rows of `dataShape`: one rule with the kernels (shared/arch/kernel-plan.ts). */
export const resolveInputShape = (arch: ModelArch, dataShape: number[]): number[] => resolveNetInput(arch, dataShape)

/** Builds the network (not compiled) with seeded Glorot-uniform kernels and zero biases. */
export function buildModel(arch: ModelArch, o: BuildOptions): tfl.Sequential {
  const name = namer()
  const layers: tfl.layers.Layer[] = []
  const convNet = arch.layers.some(isConvLike)
  let shape = o.inputShape
  if (convNet && shape.length === 1) throw new UserError('bad_shape', `input shape [${shape.join(', ')}] is flat but the network has convolution/pooling layers`, 'Give "input": [h, w, c] in ARCH.json (e.g. [28, 28, 1]).')
  if (convNet && shape.length === 2) shape = [...shape, 1]
  let rank = shape.length
  const addAct = (a: string | undefined): void => {
    if (a) layers.push(...activationLayers(a, name))
  }
  for (const l of arch.layers) {
    switch (l.type) {
      case 'dense':
        if (rank > 1) {
          layers.push(tfl.layers.flatten({ name: name('flatten') }))
          rank = 1
        }
        layers.push(tfl.layers.dense({ units: l.units, useBias: l.bias, name: name('dense') }))
        addAct(l.activation)
        break
      case 'conv2d':
        if (rank !== 3) throw new UserError('bad_arch', 'conv2d after flatten/dense: convolutions need image-shaped inputs [h, w, c]', 'Put conv2d and pooling layers before flatten and dense layers.')
        layers.push(tfl.layers.conv2d({ filters: l.filters, kernelSize: pair(l.kernel), strides: pair(l.stride), padding: l.padding, useBias: l.bias, name: name('conv2d') }))
        addAct(l.activation)
        break
      case 'maxpool2d':
      case 'avgpool2d': {
        if (rank !== 3) throw new UserError('bad_arch', `${l.type} after flatten/dense: pooling needs image-shaped inputs [h, w, c]`)
        const args = { poolSize: pair(l.pool), strides: l.stride === undefined ? pair(l.pool) : pair(l.stride), padding: l.padding }
        layers.push(
          l.type === 'maxpool2d'
            ? tfl.layers.maxPooling2d({ ...args, name: name('max_pooling2d') })
            : tfl.layers.averagePooling2d({ ...args, name: name('average_pooling2d') }),
        )
        break
      }
      case 'globalavgpool':
        if (rank !== 3) throw new UserError('bad_arch', 'globalavgpool after flatten/dense: global average pooling needs image-shaped inputs [h, w, c]')
        layers.push(tfl.layers.globalAveragePooling2d({ name: name('global_average_pooling2d') }))
        rank = 1
        break
      case 'flatten':
        if (rank > 1) layers.push(tfl.layers.flatten({ name: name('flatten') }))
        rank = 1
        break
      case 'readout':
        // written-out readout (its σ_w/σ_b matter to kernels only); built below with one unit per class
        break
      case 'dropout':
        layers.push(tfl.layers.dropout({ rate: l.rate, name: name('dropout') }))
        break
      case 'batchnorm':
        layers.push(tfl.layers.batchNormalization({ momentum: l.momentum, epsilon: l.epsilon, name: name('batch_normalization') }))
        break
      case 'activation':
        addAct(l.activation)
        break
      case 'relu':
        layers.push(tfl.layers.reLU({ name: name('re_lu') }))
        break
    }
  }
  if (arch.readout) {
    if (rank > 1) layers.push(tfl.layers.flatten({ name: name('flatten') }))
    layers.push(tfl.layers.dense({ units: o.outputs, name: name('dense') }))
  }
  if (layers.length === 0) throw new UserError('bad_arch', 'the network has no layers', 'Add layers to ARCH.json or leave "readout" true.')
  const model = tfl.sequential({ name: 'sequential_1' })
  model.add(tfl.layers.inputLayer({ inputShape: shape, name: 'input_1' }))
  for (const layer of layers) model.add(layer)
  initWeights(model, o.seed)
  return model
}

/**
 * Seeded initialisation, independent of tfjs's RNG: Glorot uniform U(±√(6/(fan_in + fan_out))) for Dense
 * and Conv2D kernels (Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural
 * networks", 2010; the Keras default), zeros for biases, BatchNorm γ = 1, β = 0, moving mean 0, variance 1.
 */
export function initWeights(model: tfl.LayersModel, seed: number): void {
  const rng = new Xoshiro128(seed)
  for (const layer of model.layers) {
    const ws = layer.getWeights()
    if (ws.length === 0) continue
    const cls = layer.getClassName()
    const fresh = ws.map((w, i) => {
      const shape = w.shape
      if ((cls === 'Dense' || cls === 'Conv2D') && i === 0) {
        const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1)
        const fanIn = shape[shape.length - 2]! * receptive
        const fanOut = shape[shape.length - 1]! * receptive
        const limit = Math.sqrt(6 / (fanIn + fanOut))
        const v = new Float32Array(w.size)
        for (let k = 0; k < v.length; k++) v[k] = (2 * rng.uniform() - 1) * limit
        return tf.tensor(v, shape)
      }
      if (cls === 'BatchNormalization') {
        const name = layer.weights[i]!.name
        return /gamma|moving_variance/.test(name) ? tf.ones(shape) : tf.zeros(shape)
      }
      return tf.zeros(shape)
    })
    layer.setWeights(fresh)
    tf.dispose(fresh)
  }
}

/** Parameter count (every weight, trainable or not, as Keras' summary counts them). */
export function countParams(model: tfl.LayersModel): number {
  return model.weights.reduce((a, w) => a + w.shape.reduce((p: number, d) => p * (d ?? 1), 1), 0)
}
