import * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../shared/errors'
import { RELU_ARRAYS, type ArrayActivation } from '../nn/forward-arrays'
import { disposeMlp, exportWeights, initMlp, type FiniteFcArch, type Mlp } from '../nn/mlp'
import { empiricalNtkArrays, nonFinite, sampleSeed, type EmpiricalNtkOptions, type SampleLoopOptions } from './empirical-arrays'

// The empirical NTK of tfjs networks: the tensor face of empirical-arrays.ts (which computes it on plain
// arrays, docs/math.md §2) and the Monte-Carlo mean over tensors.
export { empiricalNtkArrays, MAX_PANELS, meanOverSampleArrays, PANEL_ROWS, panelsOf, sampleSeed } from './empirical-arrays'
export type { EmpiricalArrayOptions, EmpiricalArrays, EmpiricalNtkOptions, EmpiricalOutputs } from './empirical-arrays'

export function empiricalNtk(net: Mlp, x: tf.Tensor2D, x2?: tf.Tensor2D, opts: EmpiricalNtkOptions = {}): tf.Tensor {
  checkInput(net, x, 'x')
  if (x2) checkInput(net, x2, 'x2')
  const act: ArrayActivation = net.arch.activation.name === 'relu' ? RELU_ARRAYS : { relu: false, phi: net.phi, dphi: net.dphi }
  const k = empiricalNtkArrays(exportWeights(net), act, x.dataSync() as Float32Array, x.shape[0], x2 ? { data: x2.dataSync() as Float32Array, rows: x2.shape[0] } : null, opts)
  return tf.tensor(k.data, k.shape)
}

function checkInput(net: Mlp, x: tf.Tensor2D, name: string): void {
  if (x.rank !== 2 || x.shape[1] !== net.inDim) {
    throw new UserError('bad_shape', `${name} has shape [${x.shape.join(', ')}] but the network takes ${net.inDim} features`, 'x and x2 must be 2-D arrays (points × features) with the same number of features.')
  }
}

export interface EmpiricalKernelOptions extends EmpiricalNtkOptions, SampleLoopOptions {
  outDim?: number
  /** which implementation computes each sample's kernel (the Jacobian path is the slow reference) */
  method?: (net: Mlp, x: tf.Tensor2D, x2: tf.Tensor2D | undefined, o: EmpiricalNtkOptions) => tf.Tensor
}

/** E over seeds of Θ̂(x, x2) for networks of `arch` (mean of `samples` empirical NTKs). */
export async function empiricalKernel(arch: FiniteFcArch, x: tf.Tensor2D, x2: tf.Tensor2D | undefined, opts: EmpiricalKernelOptions): Promise<tf.Tensor> {
  const method = opts.method ?? empiricalNtk
  return meanOverSamples(opts, (seed) => {
    const net = initMlp(arch, x.shape[1], opts.outDim ?? 1, seed)
    try {
      return method(net, x, x2, { outputs: opts.outputs ?? 'trace' })
    } finally {
      disposeMlp(net)
    }
  })
}

/**
 * The mean of `samples` kernels, the s-th from `one(sampleSeed(seed, s), s)`, summed in sample order (so
 * samples computed elsewhere, e.g. on `ntkw worker` processes, give the same bytes); refuses NaN/Inf.
 */
export async function meanOverSamples(opts: SampleLoopOptions, one: (seed: number, s: number) => tf.Tensor | Promise<tf.Tensor>): Promise<tf.Tensor> {
  const samples = opts.samples ?? 1
  let acc: tf.Tensor | null = null
  try {
    for (let s = 0; s < samples; s++) {
      const k = await one(sampleSeed(opts.seed, s), s)
      if (acc) {
        const next: tf.Tensor = tf.add(acc, k)
        acc.dispose()
        k.dispose()
        acc = next
      } else acc = k
      await opts.onSample?.(s + 1, samples)
    }
    const sum = acc as tf.Tensor | null
    if (!sum) throw new UserError('bad_samples', 'samples must be at least 1')
    const mean = samples === 1 ? sum : tf.tidy(() => tf.mul(sum, 1 / samples))
    if (mean !== sum) sum.dispose()
    acc = null
    assertFinite(mean, 'the empirical NTK')
    return mean
  } catch (e) {
    ;(acc as tf.Tensor | null)?.dispose()
    throw e
  }
}

/** Raises a UserError (not NaN/Inf results) with the usual causes. */
export function assertFinite(t: tf.Tensor, what: string): void {
  const ok = tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0] === 1)
  if (!ok) {
    t.dispose()
    throw nonFinite(what)
  }
}
