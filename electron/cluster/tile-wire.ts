import type { TileCoords } from '../../shared/cluster'
import { seal, unseal } from './array-wire'

// A tile result on the wire: binary, not JSON (a 512² float32 tile is 1 MiB; as JSON text it would be ~3×
// that and lose nothing but time). Layout, little-endian:
//   'NTKT' | u8 version | u8 kernels (bit 0 ntk, bit 1 nngp) | u16 0 | u32 row0 rows col0 cols
//   | float32 ntk[rows·cols]? | float32 nngp[rows·cols]? | sha256 of everything before (32 bytes)
const MAGIC = 0x544b544e // 'NTKT' read as u32 LE
const HEADER = 24
const SHA = 32

export interface WireTile extends TileCoords {
  ntk?: Float32Array
  nngp?: Float32Array
}

export function encodeTile(t: WireTile): Buffer {
  const n = t.rows * t.cols
  const parts = [t.ntk, t.nngp].filter((a): a is Float32Array => a !== undefined)
  for (const a of parts) if (a.length !== n) throw new Error(`tile data has ${a.length} values, its shape ${t.rows}×${t.cols} needs ${n}`)
  const buf = Buffer.alloc(HEADER + parts.length * n * 4 + SHA)
  buf.writeUInt32LE(MAGIC, 0)
  buf.writeUInt8(1, 4)
  buf.writeUInt8((t.ntk ? 1 : 0) | (t.nngp ? 2 : 0), 5)
  buf.writeUInt32LE(t.row0, 8)
  buf.writeUInt32LE(t.rows, 12)
  buf.writeUInt32LE(t.col0, 16)
  buf.writeUInt32LE(t.cols, 20)
  let o = HEADER
  for (const a of parts) {
    buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), o)
    o += a.byteLength
  }
  return seal(buf, o)
}

/** Decodes and checks a published tile: checksum, shape, and that it is the tile that was asked for. */
export function decodeTile(buf: Buffer, expect: TileCoords, kernels: readonly ('ntk' | 'nngp')[]): WireTile {
  const where = `tile (${expect.row0}, ${expect.col0})`
  if (buf.length < HEADER + SHA || buf.readUInt32LE(0) !== MAGIC || buf.readUInt8(4) !== 1) throw new Error(`${where}: not a tile result (bad magic or version)`)
  const body = unseal(buf, where).length
  const t: WireTile = { row0: buf.readUInt32LE(8), rows: buf.readUInt32LE(12), col0: buf.readUInt32LE(16), cols: buf.readUInt32LE(20) }
  if (t.row0 !== expect.row0 || t.col0 !== expect.col0 || t.rows !== expect.rows || t.cols !== expect.cols) {
    throw new Error(`${where}: holds tile ${t.row0}+${t.rows} × ${t.col0}+${t.cols} instead`)
  }
  const mask = buf.readUInt8(5)
  const n = t.rows * t.cols
  const has = (['ntk', 'nngp'] as const).filter((_, i) => mask & (1 << i))
  if (body !== HEADER + has.length * n * 4) throw new Error(`${where}: ${body} bytes do not match its shape`)
  for (const k of kernels) if (!has.includes(k)) throw new Error(`${where}: has no ${k.toUpperCase()}`)
  let o = HEADER
  for (const k of has) {
    const a = new Float32Array(n)
    new Uint8Array(a.buffer).set(buf.subarray(o, o + n * 4))
    t[k] = a
    o += n * 4
  }
  return t
}
