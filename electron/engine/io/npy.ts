import { createHash, type Hash } from 'node:crypto'
import { closeSync, openSync, writeSync, fstatSync, readSync } from 'node:fs'
import { UserError } from '../../../shared/errors'
import type { NpyAhead } from './npy-ahead'
import { assertFiniteArray } from '../core/finite'

// NumPy .npy format (versions 1.0, 2.0, 3.0): magic "\x93NUMPY", major, minor, header length (u16 for v1,
// u32 for v2/v3), an ASCII (v3: UTF-8) Python dict literal {'descr', 'fortran_order', 'shape'}, padded so
// the data starts at a multiple of 64 bytes.

export type NpyDtype = 'f4' | 'f8' | 'f2' | 'i1' | 'i2' | 'i4' | 'i8' | 'u1' | 'u2' | 'u4' | 'u8' | 'b1'
export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array

export interface NpyArray {
  dtype: NpyDtype
  shape: number[]
  /** C-order data (Fortran-order files are transposed on read) */
  data: NumericArray
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]
const ITEM_SIZE: Record<NpyDtype, number> = { f2: 2, f4: 4, f8: 8, i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4, u8: 8, b1: 1 }

export interface NpyHeader {
  dtype: NpyDtype
  littleEndian: boolean
  fortranOrder: boolean
  shape: number[]
  dataOffset: number
  version: number
}

function fail(message: string, hint?: string): never {
  throw new UserError('bad_npy', message, hint ?? 'Save the array with numpy.save(path, array) and try again.')
}

/** Parses an .npy header from the first bytes of a file. */
export function parseNpyHeader(buf: Uint8Array, name = 'file'): NpyHeader {
  if (buf.length < 10) fail(`${name}: too short to be an .npy file (${buf.length} bytes)`)
  for (let i = 0; i < MAGIC.length; i++) if (buf[i] !== MAGIC[i]) fail(`${name}: not an .npy file (wrong magic bytes)`)
  const major = buf[6]!
  let headerLen: number
  let start: number
  if (major === 1) {
    headerLen = buf[8]! | (buf[9]! << 8)
    start = 10
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) fail(`${name}: truncated .npy header`)
    headerLen = (buf[8]! | (buf[9]! << 8) | (buf[10]! << 16)) + buf[11]! * 2 ** 24
    start = 12
  } else {
    fail(`${name}: unsupported .npy format version ${major}.${buf[7]} (1.0–3.0 are supported)`)
  }
  if (start + headerLen > buf.length) fail(`${name}: truncated .npy header (needs ${start + headerLen} bytes, has ${buf.length})`)
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(start, start + headerLen))
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1]
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1]
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1]
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`${name}: malformed .npy header: ${text.trim().slice(0, 120)}`)
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const v = Number(s.replace(/L$/, ''))
      if (!Number.isSafeInteger(v) || v < 0) fail(`${name}: bad dimension '${s}' in .npy shape`)
      return v
    })
  const m = /^([<>|=])?([fiub])(\d+)$/.exec(descr)
  if (!m) fail(`${name}: unsupported dtype '${descr}'`, 'Supported dtypes: float16/32/64, int8/16/32/64, uint8/16/32/64, bool. Convert with array.astype(numpy.float32).')
  const order = m[1] ?? '|'
  const kind = m[2]!
  const size = Number(m[3])
  const dtype = (kind === 'b' ? 'b1' : `${kind}${size}`) as NpyDtype
  if (!(dtype in ITEM_SIZE) || (kind === 'b' && size !== 1)) {
    fail(`${name}: unsupported dtype '${descr}'`, 'Supported dtypes: float16/32/64, int8/16/32/64, uint8/16/32/64, bool. Convert with array.astype(numpy.float32).')
  }
  return { dtype, littleEndian: order !== '>', fortranOrder: fortran === 'True', shape, dataOffset: start + headerLen, version: major }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1
  const e = (h >> 10) & 0x1f
  const f = h & 0x3ff
  if (e === 0) return s * 2 ** -14 * (f / 1024)
  if (e === 31) return f ? NaN : s * Infinity
  return s * 2 ** (e - 15) * (1 + f / 1024)
}

/** the bytes are exactly one whole buffer of this length: an array can take it over without a copy */
function ownsBuffer(bytes: Uint8Array, length: number): boolean {
  return bytes.byteOffset === 0 && bytes.length === length && bytes.buffer.byteLength === length
}

/** data of at least this size is read into a SharedArrayBuffer */
const SHARED_FROM_BYTES = 16 * 2 ** 20

/** the buffer an array's data is read into: large arrays on shared memory, so worker threads (kernel tiles) read them without a copy of their own */
export function npyDataBuffer(bytes: number): Uint8Array {
  return new Uint8Array(bytes >= SHARED_FROM_BYTES ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes))
}

/** bytes of the array a header describes */
export function npyDataBytes(h: NpyHeader): number {
  return h.shape.reduce((a, b) => a * b, 1) * ITEM_SIZE[h.dtype]
}

/** the header's own length fields (v1: u16 at 8, v2/v3: u32 at 8): the bytes before the data, from the file's first 12 */
export function npyHeaderLength(lead: Uint8Array): number {
  return lead.length < 10 ? lead.length : lead[6] === 1 ? 10 + (lead[8]! | (lead[9]! << 8)) : 12 + (lead[8]! | (lead[9]! << 8) | (lead[10]! << 16)) + (lead[11] ?? 0) * 2 ** 24
}

function decode(bytes: Uint8Array, h: NpyHeader, count: number): NumericArray {
  const itemSize = ITEM_SIZE[h.dtype]
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * itemSize)
  const le = h.littleEndian
  switch (h.dtype) {
    case 'f2': {
      const out = new Float32Array(count)
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, le))
      return out
    }
    case 'f4': {
      if (le && ownsBuffer(bytes, count * 4)) return new Float32Array(bytes.buffer, 0, count)
      const out = new Float32Array(count)
      if (le) new Uint8Array(out.buffer).set(bytes.subarray(0, count * 4))
      else for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, false)
      return out
    }
    case 'f8': {
      if (le && ownsBuffer(bytes, count * 8)) return new Float64Array(bytes.buffer, 0, count)
      const out = new Float64Array(count)
      if (le) new Uint8Array(out.buffer).set(bytes.subarray(0, count * 8))
      else for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, false)
      return out
    }
    case 'i1':
      return new Int8Array(bytes.slice(0, count).buffer)
    case 'u1':
    case 'b1':
      return bytes.slice(0, count)
    case 'i2': {
      const out = new Int16Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, le)
      return out
    }
    case 'u2': {
      const out = new Uint16Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, le)
      return out
    }
    case 'i4': {
      const out = new Int32Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, le)
      return out
    }
    case 'u4': {
      const out = new Uint32Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getUint32(i * 4, le)
      return out
    }
    case 'i8': {
      const out = new BigInt64Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getBigInt64(i * 8, le)
      return out
    }
    case 'u8': {
      const out = new BigUint64Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getBigUint64(i * 8, le)
      return out
    }
  }
}

/** Reverses the axis order of a Fortran-order buffer into C order. */
function fortranToC(data: NumericArray, shape: number[]): NumericArray {
  const rank = shape.length
  if (rank < 2) return data
  const out = new (data.constructor as new (n: number) => NumericArray)(data.length)
  const cStrides = new Array<number>(rank)
  const fStrides = new Array<number>(rank)
  let c = 1
  let f = 1
  for (let k = rank - 1; k >= 0; k--) {
    cStrides[k] = c
    c *= shape[k]!
  }
  for (let k = 0; k < rank; k++) {
    fStrides[k] = f
    f *= shape[k]!
  }
  const idx = new Array<number>(rank).fill(0)
  for (let i = 0; i < data.length; i++) {
    let src = 0
    for (let k = 0; k < rank; k++) src += idx[k]! * fStrides[k]!
    ;(out as unknown as number[])[i] = (data as unknown as number[])[src]!
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break
      idx[k] = 0
    }
  }
  return out
}

export function decodeNpy(buf: Uint8Array, name = 'file'): NpyArray {
  const h = parseNpyHeader(buf, name)
  const count = h.shape.reduce((a, b) => a * b, 1)
  const need = count * ITEM_SIZE[h.dtype]
  const have = buf.length - h.dataOffset
  if (have < need) fail(`${name}: truncated .npy data: shape (${h.shape.join(', ')}) of ${h.dtype} needs ${need} bytes, file has ${have}`)
  // Copy into an aligned buffer so typed-array views are legal whatever the header length was.
  const body = buf.slice(h.dataOffset, h.dataOffset + need)
  let data = decode(body, h, count)
  if (h.fortranOrder) data = fortranToC(data, h.shape)
  return { dtype: h.dtype, shape: h.shape, data }
}

/**
 * Reads the header, then the data straight into a buffer of its own (one copy of the data in memory, not
 * the file's bytes plus an aligned copy plus the decoded array: at n = 50 000 × 784 float32 that was
 * 3 × 157 MB at once). `hash` receives every byte of the file, in order.
 */
function readNpyFile(path: string, hash?: Hash): NpyArray {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (e) {
    throw new UserError('file_unreadable', `cannot read ${path}: ${(e as Error).message}`)
  }
  try {
    const size = fstatSync(fd).size
    const lead = new Uint8Array(Math.min(size, 12))
    readSync(fd, lead, 0, lead.length, 0)
    const head = new Uint8Array(Math.min(size, npyHeaderLength(lead)))
    readSync(fd, head, 0, head.length, 0)
    const h = parseNpyHeader(head, path)
    const need = npyDataBytes(h)
    const have = size - h.dataOffset
    if (have < need) fail(`${path}: truncated .npy data: shape (${h.shape.join(', ')}) of ${h.dtype} needs ${need} bytes, file has ${have}`)
    const body = npyDataBuffer(need)
    for (let got = 0; got < need; ) {
      const r = readSync(fd, body, got, need - got, h.dataOffset + got)
      if (r === 0) fail(`${path}: the file ended while reading its data`)
      got += r
    }
    if (hash) {
      hash.update(head)
      hash.update(body)
      // bytes after the data (none in files numpy writes) still belong to the file's hash
      const tail = new Uint8Array(Math.min(1 << 20, Math.max(0, size - h.dataOffset - need)))
      for (let pos = h.dataOffset + need; pos < size; ) {
        const r = readSync(fd, tail, 0, Math.min(tail.length, size - pos), pos)
        if (r === 0) break
        hash.update(tail.subarray(0, r))
        pos += r
      }
    }
    return npyOf(h, body)
  } finally {
    closeSync(fd)
  }
}

/** the array of a parsed header and its data bytes (read into their own buffer) */
function npyOf(h: NpyHeader, body: Uint8Array): NpyArray {
  let data = decode(body, h, h.shape.reduce((a, b) => a * b, 1))
  if (h.fortranOrder) data = fortranToC(data, h.shape)
  return { dtype: h.dtype, shape: h.shape, data }
}

export function readNpy(path: string): NpyArray {
  return readNpyFile(path)
}

/** Reads an .npy file as a float32 or float64 matrix [rows, cols] (rank-1 arrays become one column). */
export function readNpyMatrix(path: string): { data: Float32Array | Float64Array; rows: number; cols: number } {
  return npyMatrix(readNpy(path), path)
}

/**
 * readNpyMatrix, plus the SHA-256 of the file's bytes: one read gives the data and its content hash. `ahead`:
 * the file's header, data and hash already read (io/npy-ahead.ts), decoded here as a read would be.
 */
export function readNpyMatrixHashed(path: string, ahead?: NpyAhead | null): { matrix: { data: Float32Array | Float64Array; rows: number; cols: number; shape?: number[] }; hash: string } {
  if (ahead) {
    const h = parseNpyHeader(ahead.head, path)
    if (h.dataOffset === ahead.head.length && npyDataBytes(h) === ahead.body.length) return { matrix: npyMatrix(npyOf(h, ahead.body), path), hash: ahead.hash }
  }
  const h = createHash('sha256')
  const a = readNpyFile(path, h)
  return { matrix: npyMatrix(a, path), hash: h.digest('hex') }
}

function npyMatrix(a: NpyArray, path: string): { data: Float32Array | Float64Array; rows: number; cols: number; shape?: number[] } {
  if (a.shape.length === 0) {
    throw new UserError('bad_shape', `${path}: expected an array of rows, got a scalar`, 'Save an array of shape [n] or [n, d] (images [n, h, w(, c)] are read as n rows of h·w·c values).')
  }
  // [n], [n, d], or [n, h, w(, c)] read as n rows of the flattened trailing dimensions
  const rows = a.shape[0]!
  const cols = a.shape.slice(1).reduce((p, d) => p * d, 1)
  let data: Float32Array | Float64Array
  if (a.data instanceof Float32Array || a.data instanceof Float64Array) data = a.data
  else data = Float64Array.from(a.data as ArrayLike<number | bigint>, (v) => Number(v))
  assertFiniteArray(data, path, 'Remove or impute those values before computing kernels.', cols)
  return { data, rows, cols, ...(a.shape.length > 2 ? { shape: a.shape.slice(1) } : {}) }
}

export function npyHeaderBytes(dtype: 'f4' | 'f8', shape: number[], fortran = false): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  let dict = `{'descr': '<${dtype}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`
  const unpadded = 10 + dict.length + 1
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n'
  const out = new Uint8Array(10 + dict.length)
  out.set(MAGIC, 0)
  out[6] = 1
  out[7] = 0
  out[8] = dict.length & 0xff
  out[9] = dict.length >> 8
  out.set(new TextEncoder().encode(dict), 10)
  return out
}

export function encodeNpy(data: Float32Array | Float64Array, shape: number[]): Uint8Array {
  const h = npyHeaderBytes(data instanceof Float64Array ? 'f8' : 'f4', shape)
  const out = new Uint8Array(h.length + data.byteLength)
  out.set(h, 0)
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), h.length)
  return out
}

export function writeNpy(path: string, data: Float32Array | Float64Array, shape: number[]): void {
  const fd = openSync(path, 'w')
  try {
    const h = npyHeaderBytes(data instanceof Float64Array ? 'f8' : 'f4', shape)
    writeSync(fd, h)
    writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
  } finally {
    closeSync(fd)
  }
}

/** Reads rows [row0, row0+count) of a 2-D float32 .npy without loading the rest. */
export function readNpyRows(path: string, row0: number, count: number): { data: Float32Array; cols: number } {
  const fd = openSync(path, 'r')
  try {
    const head = new Uint8Array(Math.min(fstatSync(fd).size, 65536 + 12))
    readSync(fd, head, 0, head.length, 0)
    const h = parseNpyHeader(head, path)
    if (h.dtype !== 'f4' || h.shape.length !== 2 || h.fortranOrder) throw new UserError('bad_npy', `${path}: row reads need a C-order 2-D float32 array`)
    const cols = h.shape[1]!
    const n = Math.max(0, Math.min(count, h.shape[0]! - row0))
    const out = new Float32Array(n * cols)
    readSync(fd, new Uint8Array(out.buffer), 0, out.byteLength, h.dataOffset + row0 * cols * 4)
    return { data: out, cols }
  } finally {
    closeSync(fd)
  }
}
