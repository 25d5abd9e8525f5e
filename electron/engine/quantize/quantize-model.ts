import { UserError } from '../../../shared/errors'
import { converterQuantize, tfjsFloat32, tfjsFromQuantized, tfjsInexpressible, type TfjsEncoded } from './export/tfjs-manifest'
import type { PackedInput } from './export/packed'
import { checkBits, quantizeWeight } from './quantize-weight'
import type { Granularity, Method, QuantizedWeight, RangeCalibration, Scheme } from './types'

// A whole model's weights under one scheme: kernels (rank ≥ 2: Dense [in, out], Conv2D [kh, kw, in, out]) are
// quantized, vectors (biases, batch-norm parameters) stay float32 — they are a fraction of a percent of the
// bytes and quantizing them costs accuracy for nothing (TF-MOT and NNCF keep them in float too). float16
// converts every weight.

export interface NamedWeight {
  name: string
  shape: number[]
  values: Float32Array
}

export interface ModelQuantSpec {
  /** 2..8, 16, or 'float16' */
  bits: number | 'float16'
  scheme: Scheme
  granularity: Granularity
  calibration: RangeCalibration
  method: Method
  format: 'tfjs' | 'ntkw'
}

export interface LayerChoice {
  name: string
  shape: number[]
  quantized: boolean
  /** bits per element as stored (32 float, 16 half) */
  bits: number
  method: Method | 'float32' | 'float16'
  granularity: string
  calibration: string
  scheme?: Scheme
  exponent?: number
  /** bytes this weight takes in the export (codes + scales/zero points/codebooks) */
  bytes: number
  floatBytes: number
  /** ‖W − Ŵ‖_F / ‖W‖_F */
  relError: number
}

export interface QuantizedModel {
  choices: LayerChoice[]
  /** dequantised float32 weights, exactly what the export decodes to */
  weights: NamedWeight[]
  tfjs: TfjsEncoded[] | null
  packed: PackedInput[] | null
  bytes: number
  floatBytes: number
}

export interface QuantizeModelOptions {
  /** per-weight objective for the power method (e.g. the layer's output error on calibration data) */
  objectives?: Map<string, (values: Float32Array) => number>
  /** per-weight bit widths overriding spec.bits (mixed precision) */
  bitsFor?: Map<string, number>
  /** weights to keep in float32 */
  skip?: Set<string>
  /** weights already quantized by the caller (e.g. the power search layer by layer) */
  precomputed?: Map<string, QuantizedWeight>
}

export const isKernel = (w: { shape: number[] }) => w.shape.length >= 2

export function granularityLabel(g: Granularity): string {
  return g.kind === 'group' ? `group:${g.size}` : g.kind
}
export function calibrationLabel(c: RangeCalibration): string {
  return c.kind === 'percentile' ? `percentile:${c.p}` : c.kind
}

/** Checks the scheme against the format before any work (a clear error naming --format ntkw). */
export function checkModelSpec(spec: ModelQuantSpec): void {
  if (spec.bits === 'float16') return
  checkBits(spec.bits, spec.method)
  if (spec.format === 'tfjs') {
    const why = tfjsInexpressible({ bits: spec.bits, method: spec.method, granularity: spec.granularity })
    if (why) throw new UserError('not_expressible_in_tfjs', `--format tfjs cannot hold this scheme: ${why}`, 'Use --format ntkw (bit-packed codes with per-slice scales or codebooks, loaded by the ntkw-quantized.mjs loader written beside model.json).')
  }
}

function relError(a: Float32Array, b: Float32Array): number {
  let num = 0
  let den = 0
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2
    den += a[i]! ** 2
  }
  return den > 0 ? Math.sqrt(num / den) : 0
}

/** bytes of a quantized weight in the packed format (codes + scales + varying zero points, or codebooks) */
export function packedBytes(q: QuantizedWeight): number {
  const codes = Math.ceil((q.codes.length * q.bits) / 8)
  if (q.codebooks) return codes + q.codebooks.length * 4
  const z = q.zeroPoints!
  return codes + q.scales!.length * 4 + (z.every((v) => v === z[0]) ? 0 : z.length * 2)
}

export function quantizeModel(weights: NamedWeight[], spec: ModelQuantSpec, opts: QuantizeModelOptions = {}): QuantizedModel {
  checkModelSpec(spec)
  const choices: LayerChoice[] = []
  const out: NamedWeight[] = []
  const tfjs: TfjsEncoded[] = []
  const packed: PackedInput[] = []
  for (const w of weights) {
    const floatBytes = w.values.length * 4
    const keepFloat = (opts.skip?.has(w.name) ?? false) || (!isKernel(w) && spec.bits !== 'float16')
    if (keepFloat) {
      out.push(w)
      tfjs.push(tfjsFloat32(w.name, w.shape, w.values))
      packed.push({ name: w.name, kind: 'float32', shape: w.shape, values: w.values })
      choices.push({ name: w.name, shape: w.shape, quantized: false, bits: 32, method: 'float32', granularity: 'tensor', calibration: 'none', bytes: floatBytes, floatBytes, relError: 0 })
      continue
    }
    if (spec.bits === 'float16') {
      const enc = converterQuantize(w.name, w.shape, w.values, 'float16')
      out.push({ ...w, values: enc.values })
      tfjs.push(enc)
      packed.push({ name: w.name, kind: 'float16', shape: w.shape, values: w.values })
      choices.push({ name: w.name, shape: w.shape, quantized: true, bits: 16, method: 'float16', granularity: 'tensor', calibration: 'none', bytes: w.values.length * 2, floatBytes, relError: relError(w.values, enc.values) })
      continue
    }
    const bits = opts.bitsFor?.get(w.name) ?? spec.bits
    const wspec = { bits, scheme: spec.scheme, granularity: spec.granularity, calibration: spec.calibration, method: spec.method }
    const objective = opts.objectives?.get(w.name)
    let values: Float32Array
    let bytes: number
    let q: QuantizedWeight | null = null
    if (spec.format === 'tfjs') {
      // the converter's own algorithm for its own scheme (affine min-max), byte for byte; other calibrations
      // go through the workbench quantizer and are written as (scale, min)
      const enc =
        spec.method === 'uniform' && spec.scheme === 'affine' && spec.calibration.kind === 'minmax' && spec.granularity.kind === 'tensor' && (bits === 8 || bits === 16)
          ? converterQuantize(w.name, w.shape, w.values, bits === 8 ? 'uint8' : 'uint16')
          : tfjsFromQuantized(w.name, (q = opts.precomputed?.get(w.name) ?? quantizeWeight(w.values, w.shape, wspec, { name: w.name, ...(objective ? { objective } : {}) })))
      tfjs.push(enc)
      values = enc.values
      bytes = enc.bytes.length
    } else {
      q = opts.precomputed?.get(w.name) ?? quantizeWeight(w.values, w.shape, wspec, { name: w.name, ...(objective ? { objective } : {}) })
      packed.push({ name: w.name, kind: 'quantized', q })
      values = q.values
      bytes = packedBytes(q)
    }
    out.push({ ...w, values })
    choices.push({
      name: w.name,
      shape: w.shape,
      quantized: true,
      bits,
      method: spec.method,
      granularity: granularityLabel(spec.granularity),
      calibration: spec.method === 'kmeans' ? 'lloyd-max' : calibrationLabel(spec.calibration),
      ...(spec.method === 'kmeans' ? {} : { scheme: spec.method === 'power' ? ('symmetric' as const) : spec.scheme }),
      ...(q?.exponent != null ? { exponent: q.exponent } : {}),
      bytes,
      floatBytes,
      relError: relError(w.values, values),
    })
  }
  const bytes = choices.reduce((s, c) => s + c.bytes, 0)
  const floatBytes = choices.reduce((s, c) => s + c.floatBytes, 0)
  return { choices, weights: out, tfjs: spec.format === 'tfjs' ? tfjs : null, packed: spec.format === 'ntkw' ? packed : null, bytes, floatBytes }
}
