// NTK Workbench packed quantized weights — standalone loader (ES module; needs only @tensorflow/tfjs-core,
// plus @tensorflow/tfjs-layers if you want a LayersModel). The format is specified in docs/quantized-format.md
// of NTK Workbench; this file is copied next to every `--format ntkw` export.
//
//   import * as tf from '@tensorflow/tfjs-core'
//   import * as tfl from '@tensorflow/tfjs-layers'
//   import { loadNtkwModel } from './ntkw-quantized.mjs'
//   const model = await loadNtkwModel('https://host/dir/model.json', { layers: tfl })
//
// Dequantisation, per element with code q of slice k (all arithmetic rounded to float32 as written):
//   uniform   x = fround(s_k·(q − z_k))
//   power     t = fround(s_k·(q − z_k)),  x = fround(sign(t)·|t|^(1/a))
//   codebook  x = codebook[k·2^b + q]
//   float16   IEEE half → float32;  float32  raw little-endian
import * as tf from '@tensorflow/tfjs-core'

export const FORMAT = 'ntkw-quantized'
export const VERSION = 1
/** first 8 bytes of every weights file: "NTKWQ" 0x01 0x00 0x00 */
export const MAGIC = Uint8Array.from([0x4e, 0x54, 0x4b, 0x57, 0x51, 0x01, 0x00, 0x00])

/** A malformed or corrupted export; `code` says which check failed. */
export class NtkwFormatError extends Error {
  constructor(code, message) {
    super(message)
    this.name = 'NtkwFormatError'
    this.code = code
  }
}

const fail = (code, message) => {
  throw new NtkwFormatError(code, message)
}

let crcTable = null
/** CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) of bytes, as an unsigned integer. */
export function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      crcTable[n] = c >>> 0
    }
  }
  let c = 0xffffffff
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** Codes packed LSB-first: element i occupies bits [i·b, (i+1)·b) of the byte stream. */
export function unpackCodes(bytes, bits, count) {
  const out = new Uint16Array(count)
  const mask = (1 << bits) - 1
  let bitPos = 0
  for (let i = 0; i < count; i++) {
    const byte = bitPos >>> 3
    const shift = bitPos & 7
    // up to 16 bits starting anywhere in a byte span at most 3 bytes
    const word = bytes[byte] | ((bytes[byte + 1] ?? 0) << 8) | ((bytes[byte + 2] ?? 0) << 16)
    out[i] = (word >>> shift) & mask
    bitPos += bits
  }
  return out
}

function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1
  const e = (h >>> 10) & 0x1f
  const m = h & 0x3ff
  if (e === 0) return sign * m * 2 ** -24
  if (e === 0x1f) return m ? NaN : sign * Infinity
  return sign * (1 + m / 1024) * 2 ** (e - 15)
}

/** [R, C] view: C = last axis (output channels), R = product of the others */
function matrixView(shape) {
  if (shape.length === 0) return { rows: 1, cols: 1 }
  const cols = shape[shape.length - 1]
  let rows = 1
  for (let i = 0; i < shape.length - 1; i++) rows *= shape[i]
  return { rows, cols }
}

/** slice index of element i: tensor 0; channel c; group ⌊r/g⌋·C + c */
function sliceFn(shape, granularity, name) {
  const { rows, cols } = matrixView(shape)
  if (granularity === 'tensor') return { count: 1, of: () => 0 }
  if (granularity === 'channel') return { count: cols, of: (i) => i % cols }
  if (granularity && typeof granularity === 'object' && Number.isInteger(granularity.group) && granularity.group > 0) {
    const g = granularity.group
    if (rows % g !== 0) fail('bad_manifest', `${name}: group size ${g} does not divide ${rows} rows`)
    return { count: (rows / g) * cols, of: (i) => Math.floor(Math.floor(i / cols) / g) * cols + (i % cols) }
  }
  return fail('bad_manifest', `${name}: unknown granularity ${JSON.stringify(granularity)}`)
}

const isInt = (v) => Number.isInteger(v) && v >= 0

/** Validates model.json's shape and returns its `ntkwQuantized` section. */
export function readManifest(modelJson) {
  if (!modelJson || typeof modelJson !== 'object') fail('bad_manifest', 'model.json is not a JSON object')
  if (modelJson.format !== FORMAT) {
    fail('not_ntkw', `model.json has format ${JSON.stringify(modelJson.format)}, not "${FORMAT}"${modelJson.weightsManifest ? ' (a stock TF.js model: load it with tf.loadLayersModel)' : ''}`)
  }
  const q = modelJson.ntkwQuantized
  if (!q || typeof q !== 'object' || !Array.isArray(q.weights)) fail('bad_manifest', 'model.json lacks the ntkwQuantized section')
  if (q.version !== VERSION) fail('bad_version', `ntkw-quantized version ${q.version}: this loader reads version ${VERSION}`)
  if (typeof q.weightsPath !== 'string' || !isInt(q.byteLength)) fail('bad_manifest', 'ntkwQuantized.weightsPath / byteLength missing')
  return q
}

function region(bytes, r, name, what) {
  if (!r || !isInt(r.offset) || !isInt(r.byteLength)) fail('bad_manifest', `${name}: ${what} region missing`)
  const start = MAGIC.length + r.offset
  if (start + r.byteLength > bytes.length) fail('truncated', `${name}: ${what} runs past the end of the weights file (${bytes.length} bytes)`)
  return bytes.subarray(start, start + r.byteLength)
}

function f32(bytes) {
  const copy = new Uint8Array(bytes)
  return new Float32Array(copy.buffer, 0, copy.length >>> 2)
}

/**
 * Decodes every weight to float32. `weightData` is the weights file (ArrayBuffer or Uint8Array).
 * Returns [{ name, shape, values: Float32Array }] in manifest order; throws NtkwFormatError on any mismatch.
 */
export function decodeNtkwWeights(modelJson, weightData) {
  const q = readManifest(modelJson)
  const bytes = weightData instanceof Uint8Array ? weightData : new Uint8Array(weightData)
  if (bytes.length !== q.byteLength) fail('truncated', `weights file has ${bytes.length} bytes, model.json expects ${q.byteLength} (truncated or wrong file)`)
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) fail('bad_magic', 'weights file does not start with the NTKWQ signature (not an ntkw-quantized weights file)')
  return q.weights.map((w) => decodeOne(w, bytes))
}

function decodeOne(w, bytes) {
  const name = typeof w.name === 'string' ? w.name : fail('bad_manifest', 'a weight has no name')
  if (!Array.isArray(w.shape) || !w.shape.every(isInt)) fail('bad_manifest', `${name}: bad shape`)
  const n = w.shape.reduce((a, b) => a * b, 1)
  const data = region(bytes, w.data, name, 'data')
  if (typeof w.crc32 !== 'number' || crc32(data) !== w.crc32) fail('checksum', `${name}: checksum mismatch, the weights file is corrupted`)
  const enc = w.encoding
  if (enc === 'float32') {
    if (data.length !== n * 4) fail('bad_manifest', `${name}: ${data.length} bytes for ${n} float32 values`)
    return { name, shape: w.shape, values: f32(data) }
  }
  if (enc === 'float16') {
    if (data.length !== n * 2) fail('bad_manifest', `${name}: ${data.length} bytes for ${n} float16 values`)
    const out = new Float32Array(n)
    for (let i = 0; i < n; i++) out[i] = halfToFloat(data[2 * i] | (data[2 * i + 1] << 8))
    return { name, shape: w.shape, values: out }
  }
  if (enc !== 'uniform' && enc !== 'power' && enc !== 'codebook') fail('bad_manifest', `${name}: unknown encoding ${JSON.stringify(enc)}`)
  const bits = w.bits
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) fail('bad_manifest', `${name}: bits ${bits} outside 1..16`)
  const slices = sliceFn(w.shape, w.granularity, name)
  const codesBytes = Math.ceil((n * bits) / 8)
  if (w.codes?.byteLength !== codesBytes) fail('bad_manifest', `${name}: ${n} codes of ${bits} bits need ${codesBytes} bytes`)
  const codes = unpackCodes(sub(data, w.codes, name, 'codes'), bits, n)
  const out = new Float32Array(n)
  if (enc === 'codebook') {
    const k = 2 ** bits
    const cb = f32(sub(data, w.codebook, name, 'codebook'))
    if (cb.length !== slices.count * k) fail('bad_manifest', `${name}: codebook has ${cb.length} entries, expected ${slices.count}·${k}`)
    for (let i = 0; i < n; i++) out[i] = cb[slices.of(i) * k + codes[i]]
    return { name, shape: w.shape, values: out }
  }
  const scales = f32(sub(data, w.scales, name, 'scales'))
  if (scales.length !== slices.count) fail('bad_manifest', `${name}: ${scales.length} scales for ${slices.count} slices`)
  let zero
  if (typeof w.zeroPoint === 'number') zero = () => w.zeroPoint
  else {
    const zb = sub(data, w.zeroPoints, name, 'zeroPoints')
    if (zb.length !== slices.count * 2) fail('bad_manifest', `${name}: zero points do not match ${slices.count} slices`)
    const z = new Uint16Array(slices.count)
    for (let k = 0; k < slices.count; k++) z[k] = zb[2 * k] | (zb[2 * k + 1] << 8)
    zero = (k) => z[k]
  }
  const a = enc === 'power' ? w.exponent : 1
  if (enc === 'power' && !(typeof a === 'number' && a > 0)) fail('bad_manifest', `${name}: power encoding needs a positive exponent`)
  const inv = 1 / a
  for (let i = 0; i < n; i++) {
    const k = slices.of(i)
    const t = Math.fround(scales[k] * (codes[i] - zero(k)))
    out[i] = enc === 'uniform' ? t : Math.fround(t < 0 ? -Math.pow(-t, inv) : Math.pow(t, inv))
  }
  return { name, shape: w.shape, values: out }
}

function sub(data, r, name, what) {
  if (!r || !isInt(r.offset) || !isInt(r.byteLength) || r.offset + r.byteLength > data.length) fail('bad_manifest', `${name}: ${what} region outside the weight's data`)
  return data.subarray(r.offset, r.offset + r.byteLength)
}

/** Float32 tensors by name (caller disposes). */
export function decodeNtkwTensors(modelJson, weightData) {
  const out = {}
  for (const w of decodeNtkwWeights(modelJson, weightData)) out[w.name] = tf.tensor(w.values, w.shape, 'float32')
  return out
}

/** Stock TF.js ModelArtifacts with float32 weights, for tf.loadLayersModel(tf.io.fromMemory(artifacts)). */
export function ntkwToModelArtifacts(modelJson, weightData) {
  const decoded = decodeNtkwWeights(modelJson, weightData)
  const total = decoded.reduce((s, w) => s + w.values.length, 0)
  const buf = new Float32Array(total)
  let o = 0
  for (const w of decoded) {
    buf.set(w.values, o)
    o += w.values.length
  }
  return {
    modelTopology: modelJson.ntkwQuantized.modelTopology,
    weightSpecs: decoded.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })),
    weightData: buf.buffer,
    format: 'layers-model',
    generatedBy: modelJson.generatedBy,
  }
}

/**
 * Fetches model.json and its weights file (URL relative to model.json) and rebuilds a LayersModel with
 * `options.layers` (the @tensorflow/tfjs-layers module). Also accepts { modelJson, weightData } directly.
 */
export async function loadNtkwModel(source, options = {}) {
  let modelJson
  let weightData
  if (typeof source === 'string') {
    const fetchFn = options.fetch ?? globalThis.fetch
    const res = await fetchFn(source)
    if (!res.ok) fail('fetch', `${source}: HTTP ${res.status}`)
    modelJson = await res.json()
    const q = readManifest(modelJson)
    const wres = await fetchFn(new URL(q.weightsPath, new URL(source, globalThis.location?.href ?? 'file:///')).href)
    if (!wres.ok) fail('fetch', `${q.weightsPath}: HTTP ${wres.status}`)
    weightData = await wres.arrayBuffer()
  } else {
    ;({ modelJson, weightData } = source)
  }
  const artifacts = ntkwToModelArtifacts(modelJson, weightData)
  if (!options.layers) fail('no_layers', 'loadNtkwModel needs options.layers (import * as tfl from "@tensorflow/tfjs-layers")')
  return options.layers.loadLayersModel(tf.io.fromMemory(artifacts))
}
