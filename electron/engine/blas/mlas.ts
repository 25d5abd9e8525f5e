import { createRequire } from 'node:module'
import { gemmModelBytes, residualModelBytes } from './gemm-model'
import type { GemmShape, GemmVariant } from './variants'

// ONNX Runtime's CPU GEMM (MLAS) through onnxruntime-node. The package's public `session.run` defers every call
// with setImmediate and returns a promise; the engine's tile loops are synchronous, so this calls the native
// session's own synchronous `run` (the package's dist/binding, which its public API wraps). The version is
// pinned in package.json for that reason, and any failure to load falls back to tfjs (blas/gemm.ts).

interface NativeSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): Promise<void>
  run(feeds: Record<string, unknown>, fetches: Record<string, unknown>, options: object): Record<string, unknown>
  dispose(): void
}
interface OrtModules {
  Tensor: new (type: 'float32' | 'float64', data: Float32Array | Float64Array, dims: number[]) => unknown
  binding: { InferenceSession: new () => NativeSession }
  initOrt: () => void
  version: string
}

export interface MlasGemm {
  version: string
  run(v: GemmVariant, a: Float32Array, b: Float32Array, shape: GemmShape, c: Float32Array | undefined, out: Float32Array | undefined, parallel: boolean): Float32Array
  /** out = C − A·X in float64, A float32 widened exactly (ONNX Cast) before the double GEMM */
  subtractProductF64(a: Float32Array, x: Float64Array, c: Float64Array, shape: GemmShape, out: Float64Array, parallel: boolean): void
}

function loadModules(): OrtModules {
  // ONNX Runtime ≥ 1.29 on Linux/macOS sends usage telemetry to Microsoft over HTTPS unless this is set
  // before its environment is created (it also writes a device id under ~/.cache and its own SQLite
  // cache, and an exiting process waited ≈ 10–20 ms for that thread here). The engine only multiplies
  // matrices with it: off unless the user set the variable themselves.
  process.env.ORT_DISABLE_TELEMETRY ??= '1'
  const require = createRequire(import.meta.url)
  const ort = require('onnxruntime-node') as { Tensor: OrtModules['Tensor'] }
  const b = require('onnxruntime-node/dist/binding') as { binding: OrtModules['binding']; initOrt: () => void }
  const version = (require('onnxruntime-node/package.json') as { version: string }).version
  if (typeof b.binding?.InferenceSession !== 'function' || typeof b.initOrt !== 'function') throw new Error(`onnxruntime-node ${version} has no synchronous session binding`)
  return { Tensor: ort.Tensor, binding: b.binding, initOrt: b.initOrt, version }
}

/**
 * A session for one Gemm form. The native loadModel does its work before it returns (its promise is only
 * the interface: measured 2–6 ms inside the call, nothing after it), so a form is compiled at its first use,
 * synchronously, and a process pays only for the forms it multiplies with. tests/engine/blas runs every form on
 * fresh sessions, so a version whose loadModel really is asynchronous fails there.
 */
function session(ort: OrtModules, bytes: Uint8Array, threads: number): Pick<NativeSession, 'run'> {
  const s = new ort.binding.InferenceSession()
  let loadError: unknown = null
  void s.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // outputs are always preallocated by us: no arena that keeps the largest product's memory for good
    enableCpuMemArena: false,
    // idle pool threads sleep instead of spinning: the engine's own worker threads share the cores
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  }).catch((e: unknown) => {
    loadError = e
  })
  return {
    run(feeds, fetches, options) {
      try {
        return s.run(feeds, fetches, options)
      } catch (e) {
        // a failed load rejects its promise; the run then fails for want of a model: report the cause
        throw (loadError as Error | null) ?? e
      }
    },
  }
}

/** plain (non-shared) view of exactly len values: onnxruntime-node refuses SharedArrayBuffer-backed arrays */
function plain<T extends Float32Array | Float64Array>(x: T, len: number): T {
  const v = x.length === len ? x : x.subarray(0, len)
  return (v.buffer instanceof SharedArrayBuffer ? v.slice() : v) as T
}

/**
 * `out` itself as ORT's output (its first `size` values), or null where ORT cannot write there: shared memory
 * (refused) or memory an operand also lives in (ORT would read what it has already written).
 */
function writable<T extends Float32Array | Float64Array>(out: T, size: number, operands: (Float32Array | Float64Array | undefined)[]): T | null {
  if (out.buffer instanceof SharedArrayBuffer || operands.some((x) => x?.buffer === out.buffer)) return null
  return out.subarray(0, size) as T
}

/** a split of the rows among threads keeps the bits: ≥ 2 rows a thread (a one-row slice takes MLAS's GEMV path) */
function rowSplitKeepsBits(m: number, n: number, threads: number): boolean {
  return threads <= 1 || (n >= 2 && n * threads <= m)
}

/**
 * Whether MLAS on `threads` threads gives the one-thread bits, so that a product's value never depends on the
 * cores it ran on (tests compare local runs with `ntkw worker` threads byte for byte). MLAS splits the output
 * among threads, and with A not transposed and K > 128 a thread's share of the columns changes the blocks it
 * sums K in, so the rounding. Measured with onnxruntime-node 1.31.1 on 2 threads, every form, M 1–400,
 * K 64–1 024, N 1–512: products differ only for A not transposed, K ≥ 129, N ≤ 144, and not where N ≤ M/2
 * (one-column products excepted). Outside the bounds below the product runs on one thread;
 * tests/engine/blas checks them against real products.
 */
export function splitKeepsBits(v: GemmVariant, m: number, k: number, n: number, threads: number): boolean {
  if (threads <= 1 || v.transA || k <= 128) return true
  return n >= 80 * threads || rowSplitKeepsBits(m, n, threads)
}

export async function loadMlas(threads: number): Promise<MlasGemm> {
  const ort = loadModules()
  ort.initOrt()
  const sessions = new Map<string, Pick<NativeSession, 'run'>>()
  const sessionFor = (v: GemmVariant, parallel: boolean): Pick<NativeSession, 'run'> => {
    const t = parallel ? threads : 1
    const key = `${v.key}/${t}`
    let s = sessions.get(key)
    if (!s) {
      s = session(ort, gemmModelBytes(v), t)
      sessions.set(key, s)
    }
    return s
  }
  // Nothing is compiled here. A worker thread still starting when its job ends is terminated, and a session
  // call cut short by the termination throws from native code, which aborts the whole process (seen: 1 exit
  // in 20 of a short `ntkw run` whose workers were still loading). Forms compile at their first use.
  const residual: Pick<NativeSession, 'run'>[] = []
  const residualFor = (parallel: boolean): Pick<NativeSession, 'run'> => {
    const t = parallel ? threads : 1
    residual[t] ??= session(ort, residualModelBytes(), t)
    return residual[t]
  }
  return {
    version: ort.version,
    subtractProductF64(a, x, c, { m, k, n }, out, parallel) {
      const size = m * n
      const y = writable(out, size, [a, x, c]) ?? new Float64Array(size)
      const feeds = {
        a: new ort.Tensor('float32', plain(a, m * k), [m, k]),
        x: new ort.Tensor('float64', plain(x, k * n), [k, n]),
        c: new ort.Tensor('float64', plain(c, size), [m, n]),
      }
      // the double GEMM's column split changes its rounding too (measured: 40 × 129 × 64); row splits keep it
      residualFor(parallel && rowSplitKeepsBits(m, n, threads)).run(feeds, { y: new ort.Tensor('float64', y, [m, n]) }, {})
      if (y.buffer !== out.buffer) out.set(y)
    },
    run(v, a, b, { m, k, n }, c, out, parallel) {
      const size = m * n
      const y = (out && writable(out, size, [a, b, c])) ?? new Float32Array(size)
      const feeds: Record<string, unknown> = {
        a: new ort.Tensor('float32', plain(a, m * k), v.transA ? [k, m] : [m, k]),
        b: new ort.Tensor('float32', plain(b, k * n), v.transB ? [n, k] : [k, n]),
      }
      if (v.beta) feeds.c = new ort.Tensor('float32', plain(c!, size), [m, n])
      sessionFor(v, parallel && splitKeepsBits(v, m, k, n, threads)).run(feeds, { y: new ort.Tensor('float32', y, [m, n]) }, {})
      if (!out || y.buffer === out.buffer) return out ?? y
      out.set(y)
      return out
    },
  }
}
