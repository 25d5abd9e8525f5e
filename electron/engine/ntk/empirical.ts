import * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../shared/errors'
import { disposeCache, forwardWithCache, type ForwardCache } from '../nn/forward'
import { readValues } from '../runtime/tensor-values'
import { disposeMlp, initMlp, type FiniteFcArch, type Mlp } from '../nn/mlp'
import { deriveSeed } from '../core/random'
import { sensitivities } from '../nn/sensitivities'

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
//
// The rows run as row sets, each with its own forward pass and the backward passes in lockstep, and each
// Gram product is computed per block of sets: x against x2 is one block (the x·xᵀ and x2·x2ᵀ blocks of a
// joint pass are never formed), and x against itself, from SPLIT_ROWS rows on, is two halves whose three
// upper blocks give the symmetric kernel (3/4 of the Gram flops). Every layer's term is added into one
// float64 kernel on this thread as its blocks come out of the matmul, so no n × n temporaries pile up in the
// backend (measured, 3×1024 ReLU at n = 1000 on wasm: see bench/ntk-empirical.ts).
export const SPLIT_ROWS = 256

interface Block {
  a: number
  b: number
  row0: number
  col0: number
  /** an off-diagonal block of the self kernel: the block below the diagonal is its transpose */
  mirror: boolean
}

export function empiricalNtk(net: Mlp, x: tf.Tensor2D, x2?: tf.Tensor2D, opts: EmpiricalNtkOptions = {}): tf.Tensor {
  const outputs = opts.outputs ?? 'trace'
  checkInput(net, x, 'x')
  if (x2) checkInput(net, x2, 'x2')
  const n = x.shape[0]
  const n2 = x2 ? x2.shape[0] : n
  const K = net.outDim
  const planes = outputs === 'trace' ? 1 : K
  const half = !x2 && n >= SPLIT_ROWS ? Math.ceil(n / 2) : n
  const sets: tf.Tensor2D[] = x2 ? [x, x2] : half < n ? tf.split(x, [half, n - half], 0) : [x]
  const blocks: Block[] = x2
    ? [{ a: 0, b: 1, row0: 0, col0: 0, mirror: false }]
    : sets.length === 1
      ? [{ a: 0, b: 0, row0: 0, col0: 0, mirror: false }]
      : [
          { a: 0, b: 0, row0: 0, col0: 0, mirror: false },
          { a: 0, b: 1, row0: 0, col0: half, mirror: true },
          { a: 1, b: 1, row0: half, col0: half, mirror: false },
        ]
  const acc = new Float64Array(planes * n * n2)
  const caches: ForwardCache[] = []
  try {
    for (const s of sets) caches.push(forwardWithCache(net, s))
    const L = net.layers.length - 1
    const readout = net.layers[L]!
    const top = gramBlocks(caches.map((c) => c.inputs[L]!), blocks)
    try {
      for (let p = 0; p < planes; p++) addTerm(acc, p * n * n2, n2, blocks, top, null, readout.wScale ** 2, readout.b ? readout.bScale ** 2 : 0, 1)
    } finally {
      tf.dispose(top)
    }
    for (const [l, gs] of sensitivities(net, caches)) {
      const layer = net.layers[l]!
      const w2 = layer.wScale ** 2
      const b2 = layer.b ? layer.bScale ** 2 : 0
      const hh = gramBlocks(caches.map((c) => c.inputs[l]!), blocks)
      try {
        // trace: Σ_k G_k G'_kᵀ as one matmul of the K sensitivities side by side, [rows, K·width]
        if (outputs === 'trace') addTerm(acc, 0, n2, blocks, hh, gramBlocks(gs.map((g) => sideBySide(g)), blocks, true), w2, b2, 1 / K)
        else for (let k = 0; k < K; k++) addTerm(acc, k * n * n2, n2, blocks, hh, gramBlocks(gs.map((g) => outputPlane(g, k)), blocks, true), w2, b2, 1)
      } finally {
        tf.dispose(hh)
      }
    }
  } finally {
    for (const c of caches) disposeCache(c)
    if (sets.length > 1 && !x2) tf.dispose(sets)
  }
  const out = new Float32Array(acc)
  // the lower off-diagonal blocks of the self kernel are the transposes of the upper ones
  for (const bl of blocks) if (bl.mirror) mirrorBlock(out, planes, n, bl)
  return tf.tensor(out, outputs === 'trace' ? [n, n2] : [K, n, n2])
}

/** out[col0 + c, row0 + r] = out[row0 + r, col0 + c] over the block (square n × n planes) */
function mirrorBlock(out: Float32Array, planes: number, n: number, bl: Block): void {
  const rows = bl.col0 - bl.row0
  const cols = n - bl.col0
  for (let p = 0; p < planes; p++) {
    const base = p * n * n
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[base + (bl.col0 + c) * n + bl.row0 + r] = out[base + (bl.row0 + r) * n + bl.col0 + c]!
  }
}

/** [K, rows, w] → [rows, K·w] (free for K = 1) */
function sideBySide(g: tf.Tensor3D): tf.Tensor2D {
  const [K, rows, w] = g.shape
  return tf.tidy(() => (K === 1 ? tf.reshape(g, [rows, w]) : tf.reshape(tf.transpose(g, [1, 0, 2]), [rows, K * w])) as tf.Tensor2D)
}

/** G_k of [K, rows, w] as [rows, w] */
function outputPlane(g: tf.Tensor3D, k: number): tf.Tensor2D {
  return tf.tidy(() => tf.reshape(tf.slice(g, [k, 0, 0], [1, -1, -1]), g.shape.slice(1) as [number, number]))
}

/** T_a T_bᵀ for every block, each set transposed once; `owned`: the inputs were made for this call and are disposed here. */
function gramBlocks(ts: tf.Tensor2D[], blocks: Block[], owned = false): tf.Tensor2D[] {
  const transposed = new Map<number, tf.Tensor2D>()
  const out: tf.Tensor2D[] = []
  try {
    for (const bl of blocks) {
      let tb = transposed.get(bl.b)
      if (!tb) {
        // an explicit transpose: the transposed-operand matMul is ~11× slower on wasm (so is a batched one)
        tb = tf.transpose(ts[bl.b]!)
        transposed.set(bl.b, tb)
      }
      out.push(tf.matMul(ts[bl.a]!, tb))
    }
    return out
  } catch (e) {
    tf.dispose(out)
    throw e
  } finally {
    tf.dispose([...transposed.values()])
    if (owned) tf.dispose([...new Set(ts)])
  }
}

/**
 * acc[base + ...] += (w2 · hh + b2) ⊙ (scale · gg) block by block (gg absent: the readout, G = e_k); acc is
 * row-major with row stride n2; disposes the gg blocks (hh stays with the caller).
 */
function addTerm(acc: Float64Array, base: number, n2: number, blocks: Block[], hh: tf.Tensor2D[], gg: tf.Tensor2D[] | null, w2: number, b2: number, scale: number): void {
  try {
    blocks.forEach((bl, i) => {
      const [rows, cols] = hh[i]!.shape
      // views into the backend's memory stay valid until the next tfjs call: both are read before any
      const hv = readValues(hh[i]!)
      const gv = gg ? readValues(gg[i]!) : null
      for (let r = 0; r < rows; r++) {
        const out = base + (bl.row0 + r) * n2 + bl.col0
        const src = r * cols
        if (gv) for (let c = 0; c < cols; c++) acc[out + c]! += (w2 * hv[src + c]! + b2) * scale * gv[src + c]!
        else for (let c = 0; c < cols; c++) acc[out + c]! += w2 * hv[src + c]! + b2
      }
    })
  } finally {
    if (gg) tf.dispose(gg)
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
