import * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../shared/errors'
import { disposeCache, forwardWithCache, type ForwardCache } from '../nn/forward'
import { disposeMlp, initMlp, type FiniteFcArch, type Mlp } from '../nn/mlp'
import { deriveSeed } from '../core/random'
import { forEachSensitivity } from '../nn/sensitivities'
import { gram, rowsA, rowsB, type Blocks } from '../layers/blocks'

export type EmpiricalOutputs = 'trace' | 'per-output'

export interface EmpiricalNtkOptions {
  /** 'trace' (default): average over the K output units, n × n2; 'per-output': K × n × n2 */
  outputs?: EmpiricalOutputs
}

// Empirical NTK by the layerwise identity (docs/math.md §2): for each Dense layer z = wScale·h W + bScale·b,
//   Θ̂ += wScale² (h hᵀ) ⊙ (G Gᵀ) + bScale² (G Gᵀ),   G = ∂f/∂z,
// summed over layers; 'trace' averages over outputs (G Gᵀ summed over k, divided by K), 'per-output'
// keeps Θ̂_k. For the readout G = e_k, so its term is wScale² h hᵀ + bScale² for every k. Costs a few
// (n × n2 × width) matmuls per layer and never forms a per-example Jacobian.
export function empiricalNtk(net: Mlp, x: tf.Tensor2D, x2?: tf.Tensor2D, opts: EmpiricalNtkOptions = {}): tf.Tensor {
  const outputs = opts.outputs ?? 'trace'
  checkInput(net, x, 'x')
  if (x2) checkInput(net, x2, 'x2')
  const bl: Blocks = { n: x.shape[0], n2: x2 ? x2.shape[0] : x.shape[0], same: !x2 }
  const all = x2 ? tf.concat([x, x2], 0) : x
  let cache: ForwardCache | null = null
  let acc: tf.Tensor | null = null
  const add = (t: tf.Tensor): void => {
    const next = acc ? tf.add(acc, t) : t
    if (acc) {
      acc.dispose()
      t.dispose()
    }
    acc = next
  }
  try {
    cache = forwardWithCache(net, all)
    const c = cache
    const K = net.outDim
    const L = net.layers.length - 1
    const readout = net.layers[L]!
    add(
      tf.tidy(() => {
        const h = c.inputs[L]!
        let t = tf.mul(gram(rowsA(h, bl), rowsB(h, bl)), readout.wScale * readout.wScale) as tf.Tensor2D
        if (readout.b) t = tf.add(t, readout.bScale * readout.bScale)
        return outputs === 'trace' ? t : tf.tile(tf.expandDims(t, 0), [K, 1, 1])
      }),
    )
    forEachSensitivity(net, c, (l, g) => {
      const layer = net.layers[l]!
      const w2 = layer.wScale * layer.wScale
      const b2 = layer.b ? layer.bScale * layer.bScale : 0
      const term = tf.tidy(() => {
        const h = c.inputs[l]!
        const hh = gram(rowsA(h, bl), rowsB(h, bl))
        const combine = (gg: tf.Tensor2D): tf.Tensor2D => {
          const t = tf.mul(tf.mul(hh, gg), w2) as tf.Tensor2D
          return b2 === 0 ? t : tf.add(t, tf.mul(gg, b2))
        }
        if (outputs === 'trace') {
          const width = g.shape[2]
          const total = g.shape[1]
          // Σ_k G_k G'_kᵀ as one matmul: lay the K sensitivities side by side, [N, K·width].
          const flat = (K === 1 ? tf.reshape(g, [total, width]) : tf.reshape(tf.transpose(g, [1, 0, 2]), [total, K * width])) as tf.Tensor2D
          let gg = gram(rowsA(flat, bl), rowsB(flat, bl))
          if (K > 1) gg = tf.mul(gg, 1 / K)
          return combine(gg)
        }
        const per: tf.Tensor2D[] = []
        for (let k = 0; k < K; k++) {
          const gk = tf.squeeze(tf.slice(g, [k, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D
          per.push(combine(gram(rowsA(gk, bl), rowsB(gk, bl))))
        }
        return tf.stack(per)
      })
      add(term)
    })
    const result = acc as tf.Tensor | null
    if (!result) throw new Error('empty network')
    acc = null
    return result
  } catch (e) {
    ;(acc as tf.Tensor | null)?.dispose()
    throw e
  } finally {
    if (cache) disposeCache(cache)
    if (x2) all.dispose()
  }
}

function checkInput(net: Mlp, x: tf.Tensor2D, name: string): void {
  if (x.rank !== 2 || x.shape[1] !== net.inDim) {
    throw new UserError('bad_shape', `${name} has shape [${x.shape.join(', ')}] but the network takes ${net.inDim} features`, 'x and x2 must be 2-D arrays (points × features) with the same number of features.')
  }
}

/** Seed of Monte-Carlo sample s: sample 0 is the network a training run with the same seed starts from. */
export function sampleSeed(seed: number, s: number): number {
  return s === 0 ? seed : deriveSeed(seed, s)
}

export interface EmpiricalKernelOptions extends EmpiricalNtkOptions {
  seed: number
  /** number of independently initialised networks averaged (Monte-Carlo) */
  samples?: number
  outDim?: number
  /** called after each sample (progress, cancel); may await */
  onSample?: (done: number, total: number) => void | Promise<void>
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
export async function meanOverSamples(opts: Pick<EmpiricalKernelOptions, 'seed' | 'samples' | 'onSample'>, one: (seed: number, s: number) => tf.Tensor | Promise<tf.Tensor>): Promise<tf.Tensor> {
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
    throw new UserError(
      'non_finite',
      `${what} contains NaN or Inf values`,
      'Check the inputs for NaN/Inf and scale them (e.g. standardise features); very deep networks or large --w-std can overflow float32.',
    )
  }
}
