import { createHash } from 'node:crypto'

// A sample's kernel on the wire: binary, not JSON, like a tile (tile-wire.ts). Layout, little-endian:
//   'NTKA' | u8 version | u8 ndim | u16 0 | u32 shape[ndim] | float32 data[∏shape] | sha256 of everything before
const MAGIC = 0x414b544e // 'NTKA' read as u32 LE
const SHA = 32

/** Appends the SHA-256 of buf[0, end) at `end` (buf holds SHA more bytes). */
export function seal(buf: Buffer, end: number): Buffer {
  createHash('sha256').update(buf.subarray(0, end)).digest().copy(buf, end)
  return buf
}

/** The body of a sealed buffer, after checking its SHA-256; `where` names it in the error. */
export function unseal(buf: Buffer, where: string): Buffer {
  if (buf.length < SHA) throw new Error(`${where}: too short to be a result`)
  const body = buf.subarray(0, buf.length - SHA)
  if (!createHash('sha256').update(body).digest().equals(buf.subarray(body.length))) throw new Error(`${where}: checksum mismatch (corrupted in transit or in Redis)`)
  return body
}

export function encodeArray(data: Float32Array, shape: number[]): Buffer {
  const n = shape.reduce((a, b) => a * b, 1)
  if (data.length !== n) throw new Error(`array has ${data.length} values, its shape [${shape.join(', ')}] needs ${n}`)
  const header = 8 + 4 * shape.length
  const buf = Buffer.alloc(header + data.byteLength + SHA)
  buf.writeUInt32LE(MAGIC, 0)
  buf.writeUInt8(1, 4)
  buf.writeUInt8(shape.length, 5)
  shape.forEach((s, i) => buf.writeUInt32LE(s, 8 + 4 * i))
  buf.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), header)
  return seal(buf, header + data.byteLength)
}

/** Decodes and checks a published array: checksum, and that it has the shape that was asked for. */
export function decodeArray(buf: Buffer, expect: number[], where: string): Float32Array {
  const body = unseal(buf, where)
  if (body.length < 8 || body.readUInt32LE(0) !== MAGIC || body.readUInt8(4) !== 1) throw new Error(`${where}: not an array result (bad magic or version)`)
  const ndim = body.readUInt8(5)
  const header = 8 + 4 * ndim
  const shape = Array.from({ length: ndim }, (_, i) => body.readUInt32LE(8 + 4 * i))
  if (shape.join(',') !== expect.join(',')) throw new Error(`${where}: holds a [${shape.join(', ')}] array instead of [${expect.join(', ')}]`)
  const n = shape.reduce((a, b) => a * b, 1)
  if (body.length !== header + 4 * n) throw new Error(`${where}: ${body.length} bytes do not match its shape`)
  const out = new Float32Array(n)
  new Uint8Array(out.buffer).set(body.subarray(header))
  return out
}
