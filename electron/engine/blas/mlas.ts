import { createRequire } from 'node:module'
import { encodeModel, valueInfo, type NodeProto } from '../io/onnx-proto'
import { GEMM_VARIANTS, type GemmShape, type GemmVariant } from './variants'

// ONNX Runtime's CPU GEMM (MLAS) through onnxruntime-node. The package's public `session.run` defers every call
// with setImmediate and returns a promise; the engine's tile loops are synchronous, so this calls the native
// session's own synchronous `run` (the package's dist/binding, which its public API wraps). The version is
// pinned in package.json for that reason, and any failure to load falls back to tfjs (blas/gemm.ts).

const FLOAT = 1
const DOUBLE = 11
const ATTR_FLOAT = 1
const ATTR_INT = 2

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
  const require = createRequire(import.meta.url)
  const ort = require('onnxruntime-node') as { Tensor: OrtModules['Tensor'] }
  const b = require('onnxruntime-node/dist/binding') as { binding: OrtModules['binding']; initOrt: () => void }
  const version = (require('onnxruntime-node/package.json') as { version: string }).version
  if (typeof b.binding?.InferenceSession !== 'function' || typeof b.initOrt !== 'function') throw new Error(`onnxruntime-node ${version} has no synchronous session binding`)
  return { Tensor: ort.Tensor, binding: b.binding, initOrt: b.initOrt, version }
}

function gemmGraph(v: GemmVariant): Uint8Array {
  const node: NodeProto = {
    name: 'gemm',
    opType: 'Gemm',
    input: v.beta ? ['a', 'b', 'c'] : ['a', 'b'],
    output: ['y'],
    attribute: [
      { name: 'transA', type: ATTR_INT, i: v.transA ? 1 : 0 },
      { name: 'transB', type: ATTR_INT, i: v.transB ? 1 : 0 },
      { name: 'alpha', type: ATTR_FLOAT, f: v.alpha },
      { name: 'beta', type: ATTR_FLOAT, f: v.beta },
    ],
  }
  const input = [valueInfo('a', FLOAT, ['a0', 'a1']), valueInfo('b', FLOAT, ['b0', 'b1'])]
  if (v.beta) input.push(valueInfo('c', FLOAT, ['m', 'n']))
  return encodeModel({ irVersion: 7, opsetImport: [{ version: 13 }], producerName: 'ntk-workbench', graph: { name: `gemm_${v.key}`, node: [node], initializer: [], input, output: [valueInfo('y', FLOAT, ['m', 'n'])] } })
}

/** Y = C − double(A)·X: the float64 residual of a float32 matrix (linalg/refine.ts), one native call */
function residualGraph(): Uint8Array {
  const cast: NodeProto = { name: 'widen', opType: 'Cast', input: ['a'], output: ['a64'], attribute: [{ name: 'to', type: ATTR_INT, i: DOUBLE }] }
  const gemm: NodeProto = {
    name: 'gemm',
    opType: 'Gemm',
    input: ['a64', 'x', 'c'],
    output: ['y'],
    attribute: [
      { name: 'alpha', type: ATTR_FLOAT, f: -1 },
      { name: 'beta', type: ATTR_FLOAT, f: 1 },
    ],
  }
  const input = [valueInfo('a', FLOAT, ['m', 'k']), valueInfo('x', DOUBLE, ['k', 'n']), valueInfo('c', DOUBLE, ['m', 'n'])]
  return encodeModel({ irVersion: 7, opsetImport: [{ version: 13 }], producerName: 'ntk-workbench', graph: { name: 'residual_f64', node: [cast, gemm], initializer: [], input, output: [valueInfo('y', DOUBLE, ['m', 'n'])] } })
}

async function session(ort: OrtModules, bytes: Uint8Array, threads: number): Promise<NativeSession> {
  const s = new ort.binding.InferenceSession()
  await s.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // outputs are always preallocated by us: no arena that keeps the largest product's memory for good
    enableCpuMemArena: false,
    // idle pool threads sleep instead of spinning: the engine's own worker threads share the cores
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  })
  return s
}

/** plain (non-shared) view of exactly len values: onnxruntime-node refuses SharedArrayBuffer-backed arrays */
function plain<T extends Float32Array | Float64Array>(x: T, len: number): T {
  const v = x.length === len ? x : x.subarray(0, len)
  return (v.buffer instanceof SharedArrayBuffer ? v.slice() : v) as T
}

export async function loadMlas(threads: number): Promise<MlasGemm> {
  const ort = loadModules()
  ort.initOrt()
  const one = new Map<string, NativeSession>()
  const many = new Map<string, NativeSession>()
  const residual = residualGraph()
  const [res1, resAll] = await Promise.all([
    session(ort, residual, 1),
    threads > 1 ? session(ort, residual, threads) : null,
    ...GEMM_VARIANTS.map(async (v) => {
      const bytes = gemmGraph(v)
      one.set(v.key, await session(ort, bytes, 1))
      if (threads > 1) many.set(v.key, await session(ort, bytes, threads))
    }),
  ])
  const resMany = resAll ?? res1!
  return {
    version: ort.version,
    subtractProductF64(a, x, c, { m, k, n }, out, parallel) {
      const size = m * n
      const direct = !(out.buffer instanceof SharedArrayBuffer) && out.buffer !== c.buffer && out.buffer !== x.buffer
      const y = direct ? out.subarray(0, size) : new Float64Array(size)
      const feeds = {
        a: new ort.Tensor('float32', plain(a, m * k), [m, k]),
        x: new ort.Tensor('float64', plain(x, k * n), [k, n]),
        c: new ort.Tensor('float64', plain(c, size), [m, n]),
      }
      ;(parallel ? resMany : res1).run(feeds, { y: new ort.Tensor('float64', y, [m, n]) }, {})
      if (!direct) out.set(y)
    },
    run(v, a, b, { m, k, n }, c, out, parallel) {
      const size = m * n
      if (k === 0) {
        const y = out ?? new Float32Array(size)
        if (c) for (let i = 0; i < size; i++) y[i] = c[i]!
        else y.fill(0, 0, size)
        return y
      }
      // written by ORT into a plain array we own; copied into `out` when that is shared memory or aliases c
      const direct = out && !(out.buffer instanceof SharedArrayBuffer) && !(c && c.buffer === out.buffer)
      const y = direct ? out.subarray(0, size) : new Float32Array(size)
      const feeds: Record<string, unknown> = {
        a: new ort.Tensor('float32', plain(a, m * k), v.transA ? [k, m] : [m, k]),
        b: new ort.Tensor('float32', plain(b, k * n), v.transB ? [n, k] : [k, n]),
      }
      if (v.beta) feeds.c = new ort.Tensor('float32', plain(c!, size), [m, n])
      const s = (parallel ? many.get(v.key) : undefined) ?? one.get(v.key)!
      s.run(feeds, { y: new ort.Tensor('float32', y, [m, n]) }, {})
      if (direct) return out
      if (out) {
        out.set(y)
        return out
      }
      return y
    },
  }
}
