import type * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../../shared/errors'
import { roundHalfEven } from '../rounding'
import { encodeFloat16, decodeFloat16 } from '../float16'
import type { QuantizedWeight } from '../types'

// Stock TF.js weights: a weightsManifest entry may carry quantization {dtype: 'uint8'|'uint16', scale, min}, which
// tfjs-core's io.decodeWeights turns back into x = v·scale + min (one pair per tensor), or {dtype: 'float16'}.
// tfjs's JavaScript cannot write these; the Python converter does (tensorflowjs/quantization.py,
// quantize_weights): scale = (max − min)/(2^b − 1) and, when 0 lies in [min, max], min nudged to
// −round(−min/scale)·scale so that 0 is exactly representable; codes round((clip(x) − min)/scale).

export type TfjsQuantDtype = 'uint8' | 'uint16' | 'float16'

export interface TfjsEncoded {
  spec: tf.io.WeightsManifestEntry
  bytes: Uint8Array
  /** the float32 values stock tfjs decodes from bytes + spec */
  values: Float32Array
}

const DTYPE_BITS = { uint8: 8, uint16: 16 } as const

function codesBytes(codes: ArrayLike<number>, dtype: 'uint8' | 'uint16'): Uint8Array {
  if (dtype === 'uint8') return Uint8Array.from(codes)
  const u = Uint16Array.from(codes)
  return new Uint8Array(u.buffer)
}

/** what tfjs-core's decodeWeights computes: v·scale + min in float64, stored into a Float32Array */
function stockDequantize(codes: ArrayLike<number>, scale: number, min: number): Float32Array {
  const out = new Float32Array(codes.length)
  for (let i = 0; i < codes.length; i++) out[i] = codes[i]! * scale + min
  return out
}

/** The converter's affine min-max quantization of one tensor, byte for byte. */
export function converterQuantize(name: string, shape: number[], values: Float32Array, dtype: TfjsQuantDtype): TfjsEncoded {
  if (dtype === 'float16') {
    const h = encodeFloat16(values)
    return { spec: { name, shape, dtype: 'float32', quantization: { dtype: 'float16' } }, bytes: new Uint8Array(h.buffer), values: decodeFloat16(h) }
  }
  const qmax = 2 ** DTYPE_BITS[dtype] - 1
  let lo = Infinity
  let hi = -Infinity
  for (const v of values) {
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  if (values.length === 0) lo = hi = 0
  let scale = 1
  let min = lo
  let max = hi
  const codes = new Uint16Array(values.length)
  if (lo !== hi) {
    scale = (hi - lo) / qmax
    if (lo <= 0 && 0 <= hi) {
      const zero = roundHalfEven(-lo / scale)
      min = -zero * scale
      max = qmax * scale + min
    }
    for (let i = 0; i < values.length; i++) {
      const x = Math.min(max, Math.max(min, values[i]!))
      codes[i] = roundHalfEven((x - min) / scale)
    }
  }
  return { spec: { name, shape, dtype: 'float32', quantization: { dtype, scale, min } }, bytes: codesBytes(codes, dtype), values: stockDequantize(codes, scale, min) }
}

/** A per-tensor uniform grid at 8 or 16 bits (any calibration) as a stock entry: scale = s, min = −z·s. */
export function tfjsFromQuantized(name: string, q: QuantizedWeight): TfjsEncoded {
  const why = tfjsInexpressible(q)
  if (why) throw new UserError('not_expressible_in_tfjs', `${name}: ${why}; stock TF.js weights cannot express it`, 'Use --format ntkw (the workbench packed format, loaded by the ntkw-quantized.mjs loader shipped with the export).')
  const dtype = q.bits === 8 ? 'uint8' : 'uint16'
  const scale = q.scales![0]!
  const min = -q.zeroPoints![0]! * scale
  return { spec: { name, shape: q.shape, dtype: 'float32', quantization: { dtype, scale, min } }, bytes: codesBytes(q.codes, dtype), values: stockDequantize(q.codes, scale, min) }
}

/** Why a quantized weight has no stock TF.js form (null when it has one). */
export function tfjsInexpressible(q: Pick<QuantizedWeight, 'bits' | 'method' | 'granularity'>): string | null {
  if (q.method !== 'uniform') return `${q.method === 'kmeans' ? 'k-means codebooks' : 'power-exponent grids'} are non-uniform`
  if (q.granularity.kind !== 'tensor') return `${q.granularity.kind === 'channel' ? 'per-channel' : `group-wise (g = ${q.granularity.size})`} scales need one (scale, min) per slice, TF.js has one per tensor`
  if (q.bits !== 8 && q.bits !== 16) return `${q.bits}-bit codes cannot be stored (TF.js stores uint8 or uint16 codes only)`
  return null
}

export function tfjsFloat32(name: string, shape: number[], values: Float32Array): TfjsEncoded {
  const v = Float32Array.from(values)
  return { spec: { name, shape, dtype: 'float32' }, bytes: new Uint8Array(v.buffer), values: v }
}

export const SHARD_BYTES = 4 * 1024 * 1024

/** weightsManifest with the converter's 4 MiB shards (group1-shard{i}of{n}.bin) and the shard bytes. */
export function tfjsWeightsManifest(entries: TfjsEncoded[], shardBytes = SHARD_BYTES): { weightsManifest: tf.io.WeightsManifestConfig; shards: { path: string; bytes: Uint8Array }[] } {
  const total = entries.reduce((s, e) => s + e.bytes.length, 0)
  const all = new Uint8Array(total)
  let o = 0
  for (const e of entries) {
    all.set(e.bytes, o)
    o += e.bytes.length
  }
  const n = Math.max(1, Math.ceil(total / shardBytes))
  const shards = Array.from({ length: n }, (_, i) => ({ path: `group1-shard${i + 1}of${n}.bin`, bytes: all.slice(i * shardBytes, Math.min(total, (i + 1) * shardBytes)) }))
  return { weightsManifest: [{ paths: shards.map((s) => s.path), weights: entries.map((e) => e.spec) }], shards }
}
