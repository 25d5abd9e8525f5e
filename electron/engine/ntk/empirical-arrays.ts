import { UserError } from '../../../shared/errors'
import { gemm } from '../blas/gemm'
import { forwardArrays, type ArrayActivation } from '../nn/forward-arrays'
import type { DenseWeights } from '../nn/weights'
import { deriveSeed } from '../core/random'
import { firstNonFinite } from '../core/finite'
import { sensitivityArrays } from '../nn/sensitivities-arrays'
import { Scratch } from '../core/scratch'
import { panelsOf, type Panel } from './empirical-plan'

export type EmpiricalOutputs = 'trace' | 'per-output'

export interface EmpiricalNtkOptions {
  /** 'trace' (default): average over the K output units, n × n2; 'per-output': K × n × n2 */
  outputs?: EmpiricalOutputs
}

export interface EmpiricalArrayOptions extends EmpiricalNtkOptions {
  /** memory for the large arrays (empirical-plan.ts empiricalArrayNeeds); default: new arrays */
  scratch?: Scratch
}

// Empirical NTK by the layerwise identity (docs/math.md §2): for each Dense layer z = wScale·h W + bScale·b,
//   Θ̂ += wScale² (h hᵀ) ⊙ (G Gᵀ) + bScale² (G Gᵀ),   G = ∂f/∂z,
// summed over layers; 'trace' averages over outputs (G Gᵀ summed over k, divided by K), 'per-output'
// keeps Θ̂_k. For the readout G = e_k, so its term is wScale² h hᵀ + bScale² for every k. Costs a few
// (n × n2 × width) matmuls per layer and never forms a per-example Jacobian.
//
// Everything runs on plain float32 arrays and the engine's GEMM (blas/gemm.ts: MLAS, ~4–8× tfjs-wasm's
// matMul, on both cores; blas keeps the one-thread bits): one forward pass over all rows (x, then x2), the backward pass of
// nn/sensitivities-arrays.ts, and each layer's Gram products per panel of rows: x against x2 is one panel
// (the x·xᵀ and x2·x2ᵀ blocks of a joint pass are never formed), and x against itself, from 2·PANEL_ROWS rows
// on, is cut into up to MAX_PANELS row panels, panel p multiplied only against the columns from its own first
// row on (the upper triangle and the diagonal blocks: 5/8 of the Gram flops for 4 panels, where numpy's
// syrk does 1/2), the lower triangle mirrored at the end. Every layer's term is added into one float64 kernel
// as its panels come out of the GEMM, through two panel buffers reused for every layer. Memory is what
// this costs most besides the GEMMs: on these machines each newly touched MiB costs ~3 ms of page faults,
// so the sensitivities of one output overwrite the forward pass's buffers, the float32 kernel is written
// over its own float64 accumulator, and every large array comes from a Scratch (core/scratch.ts), which the
// CLI fills with memory a worker thread touched while this one started (ntk/empirical-prefetch.ts).
export { MAX_PANELS, PANEL_ROWS, panelsOf } from './empirical-plan'

/** Θ̂ of one network given as arrays: [n, n2] ('trace') or [K, n, n2] ('per-output'), row-major float32. */
export interface EmpiricalArrays {
  data: Float32Array
  shape: number[]
}

/**
 * empiricalNtk on plain arrays: x is n × d row-major (d = layers[0].nIn); the arrays are only read. The
 * result's data may be a view on a larger buffer (its float64 accumulator's).
 */
export function empiricalNtkArrays(
  layers: DenseWeights[],
  act: ArrayActivation,
  x: Float32Array,
  n: number,
  x2: { data: Float32Array; rows: number } | null,
  opts: EmpiricalArrayOptions = {},
): EmpiricalArrays {
  const outputs = opts.outputs ?? 'trace'
  const scratch = opts.scratch ?? new Scratch()
  const d = layers[0]!.nIn
  const n2 = x2 ? x2.rows : n
  const L = layers.length - 1
  const K = layers[L]!.nOut
  const planes = outputs === 'trace' ? 1 : K
  const panels = panelsOf(n, x2 ? n2 : null)
  let rows = n
  let input = x.subarray(0, n * d)
  if (x2) {
    rows = n + n2
    input = scratch.f32(rows * d)
    input.set(x.subarray(0, n * d))
    input.set(x2.data.subarray(0, n2 * d), n * d)
  }
  const fw = forwardArrays(layers, act, input, rows, scratch)
  const acc = scratch.f64(planes * n * n2)
  const most = Math.max(...panels.map((p) => p.rows * p.cols))
  const hh = scratch.f32(most)
  const gg = scratch.f32(most)
  const readout = layers[L]!
  for (const p of panels) {
    gram(fw.inputs[L]!, readout.nIn, p, hh)
    for (let q = 0; q < planes; q++) addReadout(acc, q * n * n2, n2, p, hh, readout.wScale ** 2, readout.b ? readout.bScale ** 2 : 0)
  }
  let plane: Float32Array | null = null
  // the readout's term is in: the sensitivities may take over the forward pass's buffers (see there)
  for (const [l, g] of sensitivityArrays(layers, fw, { overwriteInputs: true, scratch })) {
    const layer = layers[l]!
    const w2 = layer.wScale ** 2
    const b2 = layer.b ? layer.bScale ** 2 : 0
    const w = layer.nOut
    if (outputs === 'per-output' && K > 1) plane ??= scratch.f32(rows * Math.max(...layers.slice(0, L).map((x) => x.nOut)))
    for (const p of panels) {
      gram(fw.inputs[l]!, layer.nIn, p, hh)
      if (outputs === 'trace' || K === 1) {
        // Σ_k G_k G'_kᵀ: one product of the K sensitivities side by side, [rows, K·width]
        gram(g, K * w, p, gg)
        addTerm(acc, 0, n2, p, hh, gg, w2, b2, outputs === 'trace' ? 1 / K : 1)
      } else {
        for (let k = 0; k < K; k++) {
          const gk = plane!.subarray(0, rows * w)
          for (let r = 0; r < rows; r++) gk.set(g.subarray((r * K + k) * w, (r * K + k + 1) * w), r * w)
          gram(gk, w, p, gg)
          addTerm(acc, k * n * n2, n2, p, hh, gg, w2, b2, 1)
        }
      }
    }
  }
  const out = toFloat32InPlace(acc)
  // the self kernel's values below the diagonal are those above it
  if (!x2) for (let q = 0; q < planes; q++) mirrorUpper(out, q * n * n, n)
  return { data: out, shape: outputs === 'trace' ? [n, n2] : [K, n, n2] }
}

/** out ← T_a T_bᵀ for the panel's two row sets of T (rows × width, row-major) */
function gram(t: Float32Array, width: number, p: Panel, out: Float32Array): void {
  gemm(t.subarray(p.a0 * width), t.subarray(p.b0 * width), { m: p.rows, k: width, n: p.cols }, { transB: true, out, parallel: true })
}

/** the float64 values as float32, written over their own buffer from the front (value i goes to bytes 4i–4i+3, read from 8i–8i+7) */
function toFloat32InPlace(acc: Float64Array): Float32Array {
  const out = new Float32Array(acc.buffer, acc.byteOffset, acc.length)
  for (let i = 0; i < acc.length; i++) out[i] = acc[i]!
  return out
}

/**
 * a[base + j·n + i] = a[base + i·n + j] for i < j: the lower triangle of an n × n plane from its upper one, row
 * by row (contiguous writes, reads down a column). Run once per kernel, so mostly before V8 optimises it: a
 * tiled transpose, faster once compiled, took 4× longer here.
 */
function mirrorUpper(a: Float32Array, base: number, n: number): void {
  for (let j = 1; j < n; j++) {
    const row = base + j * n
    for (let i = 0, src = base + j; i < j; i++, src += n) a[row + i] = a[src]!
  }
}

/**
 * acc[base + ...] += (w2 · hh + b2) ⊙ (scale · gg) over the panel; acc is row-major with row stride n2, hh
 * and gg hold the panel (rows × cols). An upper panel skips the values below the diagonal.
 */
function addTerm(acc: Float64Array, base: number, n2: number, p: Panel, hh: Float32Array, gg: Float32Array, w2: number, b2: number, scale: number): void {
  const { rows, cols } = p
  for (let r = 0; r < rows; r++) {
    const out = base + (p.row0 + r) * n2 + p.col0
    const src = r * cols
    for (let c = p.upper ? r : 0; c < cols; c++) acc[out + c]! += (w2 * hh[src + c]! + b2) * scale * gg[src + c]!
  }
}

/** addTerm of the readout, G = e_k: acc += w2 · hh + b2 (its own function: each stays specialised to its arguments) */
function addReadout(acc: Float64Array, base: number, n2: number, p: Panel, hh: Float32Array, w2: number, b2: number): void {
  const { rows, cols } = p
  for (let r = 0; r < rows; r++) {
    const out = base + (p.row0 + r) * n2 + p.col0
    const src = r * cols
    for (let c = p.upper ? r : 0; c < cols; c++) acc[out + c]! += w2 * hh[src + c]! + b2
  }
}

/** Seed of Monte-Carlo sample s: sample 0 is the network a training run with the same seed starts from. */
export function sampleSeed(seed: number, s: number): number {
  return s === 0 ? seed : deriveSeed(seed, s)
}

/** the Monte-Carlo loop of a mean over networks */
export interface SampleLoopOptions {
  seed: number
  /** number of independently initialised networks averaged (Monte-Carlo) */
  samples?: number
  /** called after each sample (progress, cancel); may await */
  onSample?: (done: number, total: number) => void | Promise<void>
}

/**
 * meanOverSamples on plain arrays, with the same bytes: float32 sums in sample order, then one float32
 * multiply by 1/samples (a sum of two float32 values and a product by a float32 scalar, computed in float64
 * and rounded once, are exactly tfjs's float32 add and mul).
 */
export async function meanOverSampleArrays(opts: SampleLoopOptions, one: (seed: number, s: number) => Float32Array | Promise<Float32Array>): Promise<Float32Array> {
  const samples = opts.samples ?? 1
  if (samples < 1) throw new UserError('bad_samples', 'samples must be at least 1')
  let acc: Float32Array | null = null
  for (let s = 0; s < samples; s++) {
    const k = await one(sampleSeed(opts.seed, s), s)
    if (acc) for (let i = 0; i < acc.length; i++) acc[i]! += k[i]!
    else acc = k
    await opts.onSample?.(s + 1, samples)
  }
  const mean = acc!
  if (samples > 1) {
    const inv = Math.fround(1 / samples)
    for (let i = 0; i < mean.length; i++) mean[i]! *= inv
  }
  if (firstNonFinite(mean) >= 0) throw nonFinite('the empirical NTK')
  return mean
}

export function nonFinite(what: string): UserError {
  return new UserError(
    'non_finite',
    `${what} contains NaN or Inf values`,
    'Check the inputs for NaN/Inf and scale them (e.g. standardise features); very deep networks or large --w-std can overflow float32.',
  )
}
