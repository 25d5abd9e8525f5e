import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'
import { UserError } from '../../../shared/errors'

// ONNX files are protobuf messages of onnx.ModelProto. The schema is the official onnx.proto (the ONNX IR
// specification in the ONNX repository), shipped in resources/onnx/ as protobufjs's JSON descriptor of it
// (scripts/onnx-schema.mjs; tests/engine/onnx/proto-schema.test.ts compares it with the official file), so
// every byte is written and read by a protobuf library, never by hand.

export const PROTO_FILE = 'onnx.json'

/** TensorProto.DataType values used here (onnx.proto). */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, DOUBLE: 11 } as const
/** AttributeProto.AttributeType values (onnx.proto). */
export const AT = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const

/** IR version 7 goes with opset 13 (the ONNX versioning table); both are read by every current runtime. */
export const IR_VERSION = 7
export const OPSET = 13

export interface TensorProto {
  name: string
  dims: number[]
  dataType: number
  rawData?: Uint8Array
  floatData?: number[]
  int32Data?: number[]
  int64Data?: number[]
  doubleData?: number[]
}

export interface AttributeProto {
  name: string
  type: number
  f?: number
  i?: number
  s?: Uint8Array
  t?: TensorProto
  floats?: number[]
  ints?: number[]
}

export interface NodeProto {
  name: string
  opType: string
  domain?: string
  input: string[]
  output: string[]
  attribute: AttributeProto[]
}

export interface ValueInfoProto {
  name: string
  type?: { tensorType?: { elemType: number; shape?: { dim: { dimValue?: number; dimParam?: string }[] } } }
}

export interface GraphProto {
  name: string
  node: NodeProto[]
  initializer: TensorProto[]
  input: ValueInfoProto[]
  output: ValueInfoProto[]
  docString?: string
}

export interface ModelProto {
  irVersion: number
  opsetImport: { domain?: string; version: number }[]
  producerName?: string
  producerVersion?: string
  docString?: string
  graph: GraphProto
  metadataProps?: { key: string; value: string }[]
}

/** <repo>/resources/onnx/onnx.json (found by walking up from this module), or <resources>/onnx/ when packaged. */
export function protoPath(): string {
  const packaged = (process as { resourcesPath?: string }).resourcesPath
  if (packaged) {
    const p = path.join(packaged, 'onnx', PROTO_FILE)
    if (existsSync(p)) return p
  }
  if (import.meta.url.startsWith('file:')) {
    let dir = path.dirname(fileURLToPath(import.meta.url))
    for (;;) {
      const candidate = path.join(dir, 'resources', 'onnx', PROTO_FILE)
      if (existsSync(candidate)) return candidate
      const up = path.dirname(dir)
      if (up === dir) break
      dir = up
    }
  }
  throw new UserError('onnx_schema_missing', `the ONNX schema ${PROTO_FILE} was not found beside the application`, 'Reinstall NTK Workbench: resources/onnx/onnx.json is part of it.')
}

let schema: protobuf.Root | null = null
/** the ONNX schema (read once per process) */
export function onnxSchema(): protobuf.Root {
  schema ??= protobuf.Root.fromJSON(JSON.parse(readFileSync(protoPath(), 'utf8')) as protobuf.INamespace)
  return schema
}

let modelType: protobuf.Type | null = null
function type(): protobuf.Type {
  modelType ??= onnxSchema().lookupType('onnx.ModelProto')
  return modelType
}

export function encodeModel(m: ModelProto): Uint8Array {
  const t = type()
  const b = t.encode(t.fromObject(m)).finish()
  // a plain Uint8Array, never a Node Buffer: JSON.stringify turns a Buffer into {type, data} before the wire
  // encoder (shared/wire.ts) can send its bytes as a binary frame
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

export function decodeModel(bytes: Uint8Array, source = 'model.onnx'): ModelProto {
  const t = type()
  let msg: protobuf.Message
  try {
    msg = t.decode(bytes)
  } catch (e) {
    throw new UserError('bad_onnx', `${source} is not an ONNX model (protobuf decoding failed: ${(e as Error).message})`, 'Give a .onnx file written by torch.onnx.export, onnx.save or an ONNX converter.')
  }
  const m = t.toObject(msg, { longs: Number, bytes: Uint8Array, defaults: true, arrays: true }) as unknown as ModelProto
  if (!m.graph || !m.graph.node?.length) throw new UserError('bad_onnx', `${source} holds no ONNX graph`, 'Give a .onnx model file (ModelProto with a graph), not an external-data or tensor file.')
  return m
}

// ---- building blocks -----------------------------------------------------------------------------------------

const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
function littleEndian(a: Float32Array | Int32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength))
  if (LE) return bytes
  const w = a.BYTES_PER_ELEMENT
  for (let i = 0; i < bytes.length; i += w) bytes.subarray(i, i + w).reverse()
  return bytes
}

/** An initializer with raw little-endian data (onnx.proto: raw_data is always little-endian). */
export function tensor(name: string, dims: number[], dataType: number, values: ArrayLike<number>): TensorProto {
  let rawData: Uint8Array
  switch (dataType) {
    case DT.FLOAT:
      rawData = littleEndian(Float32Array.from(values))
      break
    case DT.INT32:
      rawData = littleEndian(Int32Array.from(values))
      break
    case DT.INT64:
      rawData = littleEndian(BigInt64Array.from(Array.from(values, (v) => BigInt(v))))
      break
    case DT.INT8:
      rawData = new Uint8Array(Int8Array.from(values).buffer)
      break
    case DT.UINT8:
      rawData = Uint8Array.from(values)
      break
    default:
      throw new Error(`tensor: data type ${dataType} is not written`)
  }
  return { name, dims, dataType, rawData }
}

export const attr = {
  int: (name: string, i: number): AttributeProto => ({ name, type: AT.INT, i }),
  ints: (name: string, ints: number[]): AttributeProto => ({ name, type: AT.INTS, ints }),
  float: (name: string, f: number): AttributeProto => ({ name, type: AT.FLOAT, f }),
  string: (name: string, s: string): AttributeProto => ({ name, type: AT.STRING, s: new TextEncoder().encode(s) }),
}

export function valueInfo(name: string, elemType: number, dims: (number | string)[]): ValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } }
}

// ---- reading -------------------------------------------------------------------------------------------------

/** A tensor's values as float64 numbers (float, double, int8/uint8/int32/int64), from raw_data or the typed fields. */
export function tensorValues(t: TensorProto): Float64Array {
  const n = t.dims.reduce((a, b) => a * b, 1)
  const raw = t.rawData && t.rawData.byteLength ? t.rawData : null
  const dv = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null
  const out = new Float64Array(n)
  const from = (arr: number[] | undefined) => {
    if (!arr || arr.length !== n) throw new UserError('bad_onnx', `tensor ${t.name}: ${arr?.length ?? 0} values for shape [${t.dims.join(', ')}]`, 'The file is damaged or uses external data; save it with onnx.save(model) (all tensors inside).')
    for (let i = 0; i < n; i++) out[i] = arr[i]!
  }
  const need = (bytes: number) => {
    if (dv!.byteLength !== n * bytes) throw new UserError('bad_onnx', `tensor ${t.name}: raw data holds ${dv!.byteLength} bytes, shape [${t.dims.join(', ')}] needs ${n * bytes}`, 'The file is damaged; export it again.')
  }
  switch (t.dataType) {
    case DT.FLOAT:
      if (dv) {
        need(4)
        for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true)
      } else from(t.floatData)
      return out
    case DT.DOUBLE:
      if (dv) {
        need(8)
        for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true)
      } else from(t.doubleData)
      return out
    case DT.INT64:
      if (dv) {
        need(8)
        for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(8 * i, true))
      } else from(t.int64Data)
      return out
    case DT.INT32:
      if (dv) {
        need(4)
        for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, true)
      } else from(t.int32Data)
      return out
    case DT.INT8:
    case DT.UINT8:
      if (dv) {
        need(1)
        for (let i = 0; i < n; i++) out[i] = t.dataType === DT.INT8 ? dv.getInt8(i) : dv.getUint8(i)
      } else from(t.int32Data)
      return out
    default:
      throw new UserError('unsupported_onnx_tensor', `tensor ${t.name} has ONNX data type ${t.dataType}, which the importer does not read`, 'Export float32 weights (the default of torch.onnx.export).')
  }
}

export function attrOf(n: NodeProto, name: string): AttributeProto | undefined {
  return n.attribute.find((a) => a.name === name)
}
export function intAttr(n: NodeProto, name: string, dflt: number): number {
  const a = attrOf(n, name)
  return a ? Number(a.i) : dflt
}
export function intsAttr(n: NodeProto, name: string): number[] | undefined {
  const a = attrOf(n, name)
  return a && a.ints?.length ? a.ints.map(Number) : undefined
}
export function floatAttr(n: NodeProto, name: string, dflt: number): number {
  const a = attrOf(n, name)
  return a ? Number(a.f) : dflt
}
export function stringAttr(n: NodeProto, name: string, dflt: string): string {
  const a = attrOf(n, name)
  return a?.s ? new TextDecoder().decode(a.s) : dflt
}
