import { isMainThread } from 'node:worker_threads'
import { availableParallelism } from 'node:os'
import { loadMlas, type MlasGemm } from './mlas'
import { tfjsGemm } from './tfjs-gemm'
import { tfjs } from '../core/tfjs'
import { GEMM_VARIANTS, type GemmShape, type GemmVariant } from './variants'
import type { GemmInfo } from '../../../shared/backend'

// The engine's one float32 GEMM: Y = α·op(A)·op(B) + β·C, α ∈ {1, −1}, β ∈ {0, 1}, op = identity or transpose,
// row-major. Two providers compute it:
// - "mlas": ONNX Runtime's CPU kernels (onnxruntime-node, an optional dependency; its MLAS SGEMM is what
//   ONNX Runtime runs MatMul/Gemm with). Measured on these 2-core machines: 50–86 GFLOP/s per thread,
//   100–166 on two, against tfjs-wasm's matMul at 12–18 per thread (docs/performance.md "GEMM"). `parallel`
//   never changes a result: shapes whose thread split would change MLAS's rounding run on one thread
//   (blas/mlas.ts splitKeepsBits).
// - "tfjs": matMul on the active tfjs backend. Used when onnxruntime-node is missing or fails to load, and
//   when tfjs runs on native TensorFlow or a GPU (their own GEMMs are as fast or faster and the data may
//   already live there).
// The provider is chosen once per thread by initGemm (initBackend calls it, or runtime/backend-plan.ts for a job
// that never loads tfjs: tfjs is read only when its provider is used, core/tfjs.ts) and recorded with every run
// (backend info), because the two round differently: same provider, same bits.

export const GEMM_CHOICES = ['auto', 'mlas', 'tfjs'] as const
export type GemmChoice = (typeof GEMM_CHOICES)[number]

export type { GemmInfo }

export interface GemmOptions {
  transA?: boolean
  transB?: boolean
  /** −1: Y = C − op(A)·op(B) (needs c) */
  alpha?: 1 | -1
  /** C added to the product (β = 1) */
  c?: Float32Array
  /** written in place when given (length m·n); may alias c */
  out?: Float32Array
  /** use every core of the machine for this product (main thread only; worker threads compute with one) */
  parallel?: boolean
}

let mlas: MlasGemm | null = null
let info: GemmInfo | null = null

// Worker threads take the provider their process's main thread chose (the variable below, set before any
// worker starts: a worker's environment is a copy of the parent's at its creation), so one job never mixes
// two roundings, and ONNX Runtime is never loaded by a worker of a process whose main thread did not load it
// (a process on WebGPU whose wasm workers loaded it aborted at exit, 'terminate called after throwing an
// instance of Napi::Error', in 2 runs of 9).
const WORKERS_VAR = 'NTKW_GEMM_PROCESS'

function defaultChoice(): GemmChoice {
  const v = process.env.NTKW_GEMM ?? (isMainThread ? undefined : process.env[WORKERS_VAR])
  return v === 'mlas' || v === 'tfjs' ? v : 'auto'
}

/**
 * Chooses this thread's GEMM provider. `auto` uses mlas where tfjs computes on the CPU (wasm, cpu) and the
 * package loads; `mlas` insists (falls back to tfjs with the reason when it cannot load); `tfjs` never
 * loads onnxruntime-node. NTKW_GEMM overrides the default choice, so worker threads follow their parent.
 */
export async function initGemm(tfBackend: string, choice: GemmChoice = defaultChoice()): Promise<GemmInfo> {
  const chosen = await choose(tfBackend, choice)
  if (isMainThread) process.env[WORKERS_VAR] = chosen.provider
  return chosen
}

async function choose(tfBackend: string, choice: GemmChoice): Promise<GemmInfo> {
  const cpuBackend = tfBackend === 'wasm' || tfBackend === 'cpu'
  const want = choice === 'mlas' || (choice === 'auto' && cpuBackend)
  const threads = isMainThread ? Math.max(1, Math.min(8, availableParallelism())) : 1
  if (!want) {
    mlas = null
    info = { provider: 'tfjs', version: tfjs().version_core, threads: 1, reason: choice === 'tfjs' ? 'tfjs chosen' : `tfjs runs on ${tfBackend}, whose own matMul is used` }
    return info
  }
  try {
    mlas ??= await loadMlas(threads)
    info = { provider: 'mlas', version: mlas.version, threads }
  } catch (e) {
    mlas = null
    info = { provider: 'tfjs', version: tfjs().version_core, threads: 1, reason: `onnxruntime-node could not be used: ${(e as Error).message.split('\n')[0]}` }
  }
  return info
}

/** this thread's provider (tfjs until initGemm has run) */
export function gemmInfo(): GemmInfo {
  return info ?? { provider: 'tfjs', version: tfjs().version_core, threads: 1, reason: 'not initialised' }
}

function variantOf(o: GemmOptions): GemmVariant {
  const v = GEMM_VARIANTS.find((x) => x.transA === Boolean(o.transA) && x.transB === Boolean(o.transB) && x.alpha === (o.alpha ?? 1) && x.beta === (o.c ? 1 : 0))
  if (!v) throw new Error(`gemm: no variant for transA=${o.transA} transB=${o.transB} alpha=${o.alpha} c=${Boolean(o.c)}`)
  return v
}

/**
 * Y[m×n] = α·op(A)·op(B) + β·C with op(A) m×k and op(B) k×n, row-major float32. Synchronous: the callers
 * are tile loops that already run off the UI thread. Returns `out` when given, else a new array.
 */
export function gemm(a: Float32Array, b: Float32Array, shape: GemmShape, o: GemmOptions = {}): Float32Array {
  const { m, k, n } = shape
  if (a.length < m * k || b.length < k * n) throw new Error(`gemm: operands hold ${a.length} and ${b.length} values, ${m}×${k} and ${k}×${n} need ${m * k} and ${k * n}`)
  if (o.alpha === -1 && !o.c) throw new Error('gemm: alpha = −1 needs c')
  if (o.c && o.c.length < m * n) throw new Error(`gemm: c holds ${o.c.length} values, ${m}×${n} needs ${m * n}`)
  if (o.out && o.out.length < m * n) throw new Error(`gemm: out holds ${o.out.length} values, ${m}×${n} needs ${m * n}`)
  const v = variantOf(o)
  if (m === 0 || n === 0) return o.out ?? new Float32Array(m * n)
  if (k === 0) {
    // an empty product: Y = β·C (a Gemm over K = 0 is not every provider's case to handle)
    const y = o.out ?? new Float32Array(m * n)
    if (o.c) y.set(o.c.subarray(0, m * n))
    else y.fill(0, 0, m * n)
    return y
  }
  if (mlas) return mlas.run(v, a, b, shape, o.c, o.out, Boolean(o.parallel))
  return tfjsGemm(v, a, b, shape, o.c, o.out)
}

/**
 * out[m×n] = C − A·X in float64, A float32 (widened exactly), X and C float64, row-major: the residual of
 * mixed-precision refinement (linalg/refine.ts), at DGEMM speed. Returns false, computing nothing, where the
 * provider is not mlas (tfjs has no float64 matMul on the CPU backends): the caller keeps its own loop.
 */
export function subtractProductF64(a: Float32Array, x: Float64Array, c: Float64Array, shape: GemmShape, out: Float64Array, parallel = false): boolean {
  const { m, k, n } = shape
  if (a.length < m * k || x.length < k * n || c.length < m * n || out.length < m * n) throw new Error(`subtractProductF64: operands too short for ${m}×${k} by ${k}×${n}`)
  if (!mlas) return false
  if (m === 0 || n === 0) return true
  if (k === 0) out.set(c.subarray(0, m * n))
  else mlas.subtractProductF64(a, x, c, shape, out, parallel)
  return true
}
