import type { z } from 'zod'
import { seal, unseal } from './array-wire'

// A study or sweep unit's outcome on the wire (a student's history, a quantized cell's evaluation): a few
// KiB of numbers and names, so JSON (every float64 survives JSON.stringify → JSON.parse exactly), sealed
// with a SHA-256 like tiles and arrays, and checked against its schema on arrival. Layout:
//   'NTKJ' | u8 version | 3 bytes 0 | UTF-8 JSON | sha256 of everything before
const MAGIC = 0x4a4b544e // 'NTKJ' read as u32 LE

export function encodeJson(value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value), 'utf8')
  const buf = Buffer.alloc(8 + json.length + 32)
  buf.writeUInt32LE(MAGIC, 0)
  buf.writeUInt8(1, 4)
  json.copy(buf, 8)
  return seal(buf, 8 + json.length)
}

/** Decodes a published outcome: checksum, magic, JSON, then the schema (the error names the field). */
export function decodeJson<T>(buf: Buffer, schema: z.ZodType<T>, where: string): T {
  const body = unseal(buf, where)
  if (body.length < 8 || body.readUInt32LE(0) !== MAGIC || body.readUInt8(4) !== 1) throw new Error(`${where}: not an outcome (bad magic or version)`)
  let raw: unknown
  try {
    raw = JSON.parse(body.subarray(8).toString('utf8'))
  } catch (e) {
    throw new Error(`${where}: its JSON does not parse: ${(e as Error).message}`)
  }
  const r = schema.safeParse(raw)
  if (!r.success) throw new Error(`${where}: ${r.error.issues.map((i) => `${i.path.join('.') || '(outcome)'}: ${i.message}`).join('; ')}`)
  return r.data
}
