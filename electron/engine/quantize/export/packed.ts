import { MAGIC, VERSION, FORMAT, crc32, type NtkwGranularity, type NtkwModelJson, type NtkwWeightEntry } from '../../../../resources/loader/ntkw-quantized.mjs'
import { packCodes } from '../bitpack'
import { encodeFloat16 } from '../float16'
import type { Granularity, QuantizedWeight } from '../types'

// Writer of the workbench's packed format (docs/quantized-format.md): model.json carries the Keras topology and
// one entry per weight; the weights file is MAGIC followed by each weight's data region (bit-packed codes, then
// float32 scales, uint16 zero points or float32 codebooks), each region checksummed with CRC-32. The reader is
// resources/loader/ntkw-quantized.mjs, the same module shipped beside every export.

export type PackedInput =
  | { name: string; kind: 'quantized'; q: QuantizedWeight }
  | { name: string; kind: 'float32'; shape: number[]; values: Float32Array }
  | { name: string; kind: 'float16'; shape: number[]; values: Float32Array }

export const WEIGHTS_FILE = 'weights.ntkwq'

function granularityJson(g: Granularity): NtkwGranularity {
  return g.kind === 'group' ? { group: g.size } : g.kind
}

class ByteWriter {
  parts: Uint8Array[] = []
  length = 0
  push(b: Uint8Array): { offset: number; byteLength: number } {
    const r = { offset: this.length, byteLength: b.length }
    this.parts.push(b)
    this.length += b.length
    return r
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length)
    let o = 0
    for (const p of this.parts) {
      out.set(p, o)
      o += p.length
    }
    return out
  }
}

const f32Bytes = (a: Float32Array) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength))
function u16le(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 2)
  for (let i = 0; i < values.length; i++) {
    out[2 * i] = values[i]! & 0xff
    out[2 * i + 1] = (values[i]! >>> 8) & 0xff
  }
  return out
}

function encodeEntry(input: PackedInput): { entry: Omit<NtkwWeightEntry, 'data' | 'crc32'>; data: Uint8Array } {
  if (input.kind === 'float32') return { entry: { name: input.name, shape: input.shape, dtype: 'float32', encoding: 'float32' }, data: f32Bytes(Float32Array.from(input.values)) }
  if (input.kind === 'float16') return { entry: { name: input.name, shape: input.shape, dtype: 'float32', encoding: 'float16' }, data: u16le(encodeFloat16(input.values)) }
  const q = input.q
  const w = new ByteWriter()
  const entry: Omit<NtkwWeightEntry, 'data' | 'crc32'> = {
    name: input.name,
    shape: q.shape,
    dtype: 'float32',
    encoding: q.method === 'kmeans' ? 'codebook' : q.method === 'power' ? 'power' : 'uniform',
    bits: q.bits,
    granularity: granularityJson(q.granularity),
    codes: w.push(packCodes(q.codes, q.bits)),
  }
  if (q.method === 'kmeans') {
    entry.codebook = w.push(f32Bytes(q.codebooks!))
  } else {
    entry.scheme = q.scheme
    entry.scales = w.push(f32Bytes(q.scales!))
    const z = q.zeroPoints!
    if (z.every((v) => v === z[0])) entry.zeroPoint = z[0]!
    else entry.zeroPoints = w.push(u16le(z))
    if (q.method === 'power') entry.exponent = q.exponent!
  }
  return { entry, data: w.bytes() }
}

/** model.json (format ntkw-quantized) and the weights file bytes. */
export function writePacked(modelTopology: unknown, inputs: PackedInput[], generatedBy: string): { modelJson: NtkwModelJson; weights: Uint8Array } {
  const file = new ByteWriter()
  file.push(MAGIC)
  const entries: NtkwWeightEntry[] = inputs.map((input) => {
    const { entry, data } = encodeEntry(input)
    const r = file.push(data)
    return { ...entry, data: { offset: r.offset - MAGIC.length, byteLength: r.byteLength }, crc32: crc32(data) }
  })
  const weights = file.bytes()
  return {
    modelJson: {
      format: FORMAT,
      generatedBy,
      ntkwQuantized: { version: VERSION, modelTopology, weightsPath: WEIGHTS_FILE, byteLength: weights.length, weights: entries },
    },
    weights,
  }
}
