import * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../shared/errors'
import { backward, disposeGrads } from './backward'
import { disposeCache, forward, forwardWithCache } from './forward'
import { accuracy, lossAndGrad, lossValue, type LossName } from './loss'
import { disposeMlp, initMlp, parameterTensors, type FiniteFcArch, type Mlp } from './mlp'
import { makeOptimizer, type AdamOptions, type OptimizerName } from './optimizers'
import { deriveSeed, Xoshiro128 } from '../core/random'

export interface TrainMlpOptions {
  arch: FiniteFcArch
  xTrain: tf.Tensor2D
  /** targets, N × K (one-hot rows for classification) */
  yTrain: tf.Tensor2D
  xTest?: tf.Tensor2D
  yTest?: tf.Tensor2D
  optimizer?: OptimizerName
  loss?: LossName
  learningRate: number
  steps: number
  /** minibatch size for 'sgd' (default min(N, 128)) and 'adam' (default N); 'gd' is always full-batch */
  batchSize?: number
  /** initialisation and minibatch order; the network is the one initMlp(arch, d, K, seed) draws */
  seed: number
  /** evaluate train/test metrics every this many steps (default: about 200 points per run) */
  evalEvery?: number
  /** empirical NTK on the first `kernelPoints` training points every this many steps (0 = never) */
  kernelEvery?: number
  kernelPoints?: number
  /**
   * the empirical NTK used for the drift (required with `kernelEvery`); passed in because the kernel code
   * lives above the networks (`ntk/empirical.ts` builds on `nn/`)
   */
  kernel?: (net: Mlp, x: tf.Tensor2D) => tf.Tensor
  /** report accuracy (argmax of f against argmax of y) */
  classification?: boolean
  /** steps (0 … steps) at which to keep f(x_train) and f(x_test), e.g. to compare with NTK dynamics */
  recordOutputsAt?: number[]
  /** start from this network instead of a fresh one (it is copied, not modified) */
  initial?: Mlp
  adam?: AdamOptions
  onMetric?: (name: string, step: number, value: number) => void
  /** called after every step with the number of steps done; may await (progress, cancel) */
  onStep?: (done: number, total: number) => void | Promise<void>
}

export interface CurvePoint {
  step: number
  value: number
}

export interface TrainResult {
  /** the trained network (caller disposes it with disposeMlp) */
  net: Mlp
  /** train_loss, test_loss, accuracy (test, else train), train_accuracy, kernel_drift */
  curves: Record<string, CurvePoint[]>
  outputs: { step: number; train: Float32Array; test: Float32Array | null }[]
  final: { trainLoss: number; testLoss: number | null; accuracy: number | null }
}

function cloneMlp(net: Mlp): Mlp {
  return { ...net, layers: net.layers.map((l) => ({ ...l, w: tf.clone(l.w), b: l.b ? tf.clone(l.b) : null })) }
}

function setParameters(net: Mlp, params: tf.Tensor[]): void {
  let i = 0
  for (const l of net.layers) {
    l.w.dispose()
    l.w = params[i++] as tf.Tensor2D
    if (l.b) {
      l.b.dispose()
      l.b = params[i++] as tf.Tensor2D
    }
  }
}

function frobenius(t: tf.Tensor): number {
  return tf.tidy(() => Math.sqrt(tf.sum(tf.mul(t, t)).dataSync()[0]!))
}

/** Kernel drift ‖Θ̂_t − Θ̂_0‖_F / ‖Θ̂_0‖_F (docs/math.md §2). */
export function kernelDrift(k0: tf.Tensor, kt: tf.Tensor): number {
  return tf.tidy(() => frobenius(tf.sub(kt, k0)) / frobenius(k0))
}

/**
 * Trains a finite MLP by full-batch GD, minibatch SGD or Adam on MSE (NT normalisation) or softmax
 * cross-entropy. Everything random (weights, batch order) comes from `seed`, so a run is reproducible.
 */
export async function trainMlp(o: TrainMlpOptions): Promise<TrainResult> {
  const N = o.xTrain.shape[0]
  const K = o.yTrain.shape[1]
  if (o.yTrain.shape[0] !== N) throw new UserError('bad_shape', `x_train has ${N} rows but y_train has ${o.yTrain.shape[0]}`)
  if (o.xTest && o.yTest && o.xTest.shape[0] !== o.yTest.shape[0]) {
    throw new UserError('bad_shape', `x_test has ${o.xTest.shape[0]} rows but y_test has ${o.yTest.shape[0]}`)
  }
  const optName = o.optimizer ?? 'gd'
  const loss = o.loss ?? 'mse'
  const batch = optName === 'gd' ? N : Math.min(N, o.batchSize ?? (optName === 'sgd' ? 128 : N))
  const fullBatch = batch === N
  const evalEvery = Math.max(1, o.evalEvery ?? Math.ceil(o.steps / 200))
  const recordAt = new Set(o.recordOutputsAt ?? [])
  const net = o.initial ? cloneMlp(o.initial) : initMlp(o.arch, o.xTrain.shape[1], K, o.seed)
  if (net.outDim !== K) throw new UserError('bad_shape', `the network has ${net.outDim} outputs but the targets have ${K} columns`)
  const opt = makeOptimizer(optName, o.learningRate, o.adam)
  const rng = new Xoshiro128(deriveSeed(o.seed, 0x5eed))
  let perm = rng.permutation(N)
  let cursor = 0
  const curves: Record<string, CurvePoint[]> = {}
  const outputs: TrainResult['outputs'] = []
  const emit = (name: string, step: number, value: number): void => {
    ;(curves[name] ??= []).push({ step, value })
    o.onMetric?.(name, step, value)
  }
  if (o.kernelEvery && !o.kernel) throw new Error('trainMlp: kernelEvery needs the empirical NTK function (kernel)')
  const empiricalNtk = o.kernel!
  const xKernel = o.kernelEvery ? tf.slice(o.xTrain, [0, 0], [Math.min(N, o.kernelPoints ?? 128), -1]) : null
  let k0: tf.Tensor | null = null
  const final: TrainResult['final'] = { trainLoss: NaN, testLoss: null, accuracy: null }

  const evaluate = (step: number, trainLossKnown: number | null): void => {
    const trainF = trainLossKnown === null || o.classification || recordAt.has(step) ? forward(net, o.xTrain) : null
    const trainLoss = trainLossKnown ?? lossValue(loss, trainF!, o.yTrain)
    if (!Number.isFinite(trainLoss)) divergence(step)
    emit('train_loss', step, trainLoss)
    final.trainLoss = trainLoss
    let acc: number | null = null
    if (o.classification && trainF) {
      acc = accuracy(trainF, o.yTrain)
      emit('train_accuracy', step, acc)
    }
    let testF: tf.Tensor2D | null = null
    if (o.xTest) {
      testF = forward(net, o.xTest)
      if (o.yTest) {
        final.testLoss = lossValue(loss, testF, o.yTest)
        emit('test_loss', step, final.testLoss)
        if (o.classification) acc = accuracy(testF, o.yTest)
      }
    }
    if (acc !== null) {
      emit('accuracy', step, acc)
      final.accuracy = acc
    }
    if (recordAt.has(step)) outputs.push({ step, train: trainF!.dataSync() as Float32Array, test: testF ? (testF.dataSync() as Float32Array) : null })
    trainF?.dispose()
    testF?.dispose()
  }
  const divergence = (step: number): never => {
    throw new UserError(
      'diverged',
      `training diverged at step ${step}: the loss became NaN or infinite`,
      `Lower the learning rate (now ${o.learningRate}); for MSE with the NTK parameterization, η below 2·N·K/λ_max(Θ) is stable.`,
    )
  }

  try {
    if (xKernel) k0 = empiricalNtk(net, xKernel)
    for (let t = 0; t < o.steps; t++) {
      let xb = o.xTrain
      let yb = o.yTrain
      if (!fullBatch) {
        if (cursor + batch > N) {
          perm = rng.permutation(N)
          cursor = 0
        }
        const idx = tf.tensor1d(perm.subarray(cursor, cursor + batch), 'int32')
        cursor += batch
        xb = tf.gather(o.xTrain, idx)
        yb = tf.gather(o.yTrain, idx)
        idx.dispose()
      }
      const cache = forwardWithCache(net, xb)
      const { value, grad } = lossAndGrad(loss, cache.out, yb)
      const batchLoss = value.dataSync()[0]!
      value.dispose()
      if (!Number.isFinite(batchLoss)) {
        grad.dispose()
        disposeCache(cache)
        divergence(t)
      }
      if (t % evalEvery === 0 || recordAt.has(t)) evaluate(t, fullBatch && !recordAt.has(t) ? batchLoss : null)
      if (xKernel && k0 && t > 0 && t % o.kernelEvery! === 0) {
        const kt = empiricalNtk(net, xKernel)
        emit('kernel_drift', t, kernelDrift(k0, kt))
        kt.dispose()
      }
      const grads = backward(net, cache, grad)
      grad.dispose()
      disposeCache(cache)
      if (!fullBatch) tf.dispose([xb, yb])
      const flat: tf.Tensor[] = []
      net.layers.forEach((_, l) => {
        flat.push(grads.w[l]!)
        if (grads.b[l]) flat.push(grads.b[l]!)
      })
      setParameters(net, opt.step(parameterTensors(net), flat))
      disposeGrads(grads)
      await o.onStep?.(t + 1, o.steps)
    }
    evaluate(o.steps, null)
    if (xKernel && k0) {
      const kt = empiricalNtk(net, xKernel)
      emit('kernel_drift', o.steps, kernelDrift(k0, kt))
      kt.dispose()
    }
    return { net, curves, outputs, final }
  } catch (e) {
    disposeMlp(net)
    throw e
  } finally {
    opt.dispose()
    xKernel?.dispose()
    k0?.dispose()
  }
}
