// The WebSocket wire format of `ntkw serve`. A message without typed arrays is one JSON text frame. A message
// carrying typed arrays (artifact data) is one binary frame, so a 512×512 float32 heatmap travels as 1 MiB of
// bytes instead of ~5 MiB of JSON digits that both sides must format and parse:
//
//   u32 LE  MAGIC ('NTKB')
//   u32 LE  H = byte length of the JSON header
//   H bytes UTF-8 JSON of the message, each typed array replaced by {"$ntkwBinary": [dtype, offset, length]}
//   zero padding to a multiple of 8, then the arrays' bytes (little-endian), each starting on a multiple of 8
//
// Electron IPC needs none of this: structured clone carries typed arrays as they are.

const MAGIC = 0x424b544e
const KEY = '$ntkwBinary'

const DTYPES = {
  f32: Float32Array,
  f64: Float64Array,
  i32: Int32Array,
  u32: Uint32Array,
  u8: Uint8Array,
} as const
type DType = keyof typeof DTYPES
type Typed = InstanceType<(typeof DTYPES)[DType]>

function dtypeOf(v: unknown): DType | null {
  if (typeof v !== 'object' || v === null || !ArrayBuffer.isView(v)) return null
  for (const [k, C] of Object.entries(DTYPES) as [DType, (typeof DTYPES)[DType]][]) if (v instanceof C) return k
  return null
}

const pad8 = (n: number): number => (n + 7) & ~7

/** A text frame (plain JSON) or, when the message holds typed arrays, a binary frame. */
export function encodeMessage(msg: unknown): string | Uint8Array {
  const parts: Typed[] = []
  let offset = 0
  const json = JSON.stringify(msg, (_k, v: unknown) => {
    const dt = dtypeOf(v)
    if (!dt) return v
    const a = v as Typed
    const ref = { [KEY]: [dt, offset, a.length] }
    parts.push(a)
    offset += pad8(a.byteLength)
    return ref
  })
  if (parts.length === 0) return json
  const header = new TextEncoder().encode(json)
  const start = pad8(8 + header.byteLength)
  const out = new Uint8Array(start + offset)
  const view = new DataView(out.buffer)
  view.setUint32(0, MAGIC, true)
  view.setUint32(4, header.byteLength, true)
  out.set(header, 8)
  let at = start
  for (const a of parts) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at)
    at += pad8(a.byteLength)
  }
  return out
}

/** Inverse of encodeMessage; throws on a frame that is not one (the caller answers with an error). */
export function decodeMessage(data: string | ArrayBuffer | Uint8Array): unknown {
  if (typeof data === 'string') return JSON.parse(data)
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data)
  if (bytes.byteLength < 8) throw new Error('binary frame too short')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0, true) !== MAGIC) throw new Error('not an NTK Workbench binary frame')
  const h = view.getUint32(4, true)
  if (8 + h > bytes.byteLength) throw new Error('binary frame header overruns the frame')
  const start = pad8(8 + h)
  const json = new TextDecoder().decode(bytes.subarray(8, 8 + h))
  return JSON.parse(json, (_k, v: unknown) => {
    if (!v || typeof v !== 'object' || !(KEY in v)) return v
    const [dt, off, len] = (v as Record<string, unknown>)[KEY] as [DType, number, number]
    const C = DTYPES[dt]
    if (!C || !Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < 0 || len < 0) throw new Error('bad binary reference')
    const from = start + off
    const to = from + len * C.BYTES_PER_ELEMENT
    if (to > bytes.byteLength) throw new Error('binary reference overruns the frame')
    // copy into a fresh, aligned buffer: a Node Buffer's byteOffset need not be a multiple of 8, and
    // Buffer#slice would return a view of the whole pooled buffer rather than a copy
    return new C(new Uint8Array(bytes.subarray(from, to)).buffer)
  })
}
