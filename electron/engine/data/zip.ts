import { crc32, inflateRawSync } from 'node:zlib'
import { constants } from 'node:buffer'
import { UserError } from '../../../shared/errors'

// A minimal ZIP reader for .npz: the central directory (with ZIP64 sizes) lists the entries, and each entry
// is stored (method 0) or deflated (method 8). Entry sizes are checked before anything is inflated.

export interface ZipEntry {
  name: string
  method: number
  compressedSize: number
  size: number
  crc: number
  localOffset: number
}

function bad(name: string, what: string): never {
  throw new UserError('bad_zip', `${name}: not a valid .npz/zip archive (${what})`, 'Save the arrays with numpy.savez or numpy.savez_compressed and try again.')
}

/** Entry names that could escape a folder if extracted are refused outright. */
export function checkEntryName(file: string, name: string): void {
  if (name.startsWith('/') || name.startsWith('\\') || /^[a-zA-Z]:/.test(name) || name.split(/[/\\]/).includes('..')) {
    throw new UserError('unsafe_zip', `${file}: the archive has an entry named ${JSON.stringify(name)}, a path outside the archive`, 'This is not a file numpy writes; recreate the archive with numpy.savez.')
  }
}

export function listZip(buf: Uint8Array, file: string): ZipEntry[] {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  if (buf.length < 22) bad(file, `only ${buf.length} bytes`)
  let eocd = -1
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (v.getUint32(i, true) === 0x06054b50) {
      eocd = i
      break
    }
  }
  if (eocd < 0) bad(file, 'no end-of-central-directory record')
  let total = v.getUint16(eocd + 10, true)
  let cdSize = v.getUint32(eocd + 12, true)
  let cdOffset = v.getUint32(eocd + 16, true)
  if (eocd >= 20 && v.getUint32(eocd - 20, true) === 0x07064b50) {
    const z = Number(v.getBigUint64(eocd - 12, true))
    if (z + 56 > buf.length || v.getUint32(z, true) !== 0x06064b50) bad(file, 'broken ZIP64 record')
    total = Number(v.getBigUint64(z + 32, true))
    cdSize = Number(v.getBigUint64(z + 40, true))
    cdOffset = Number(v.getBigUint64(z + 48, true))
  }
  if (cdOffset + cdSize > buf.length) bad(file, 'central directory past the end of the file')
  const entries: ZipEntry[] = []
  let p = cdOffset
  for (let e = 0; e < total; e++) {
    if (p + 46 > buf.length || v.getUint32(p, true) !== 0x02014b50) bad(file, `central directory entry ${e} is damaged`)
    const method = v.getUint16(p + 10, true)
    const crc = v.getUint32(p + 16, true)
    let compressedSize = v.getUint32(p + 20, true)
    let size = v.getUint32(p + 24, true)
    const nameLen = v.getUint16(p + 28, true)
    const extraLen = v.getUint16(p + 30, true)
    const commentLen = v.getUint16(p + 32, true)
    let localOffset = v.getUint32(p + 42, true)
    if (p + 46 + nameLen + extraLen > buf.length) bad(file, `central directory entry ${e} is damaged`)
    const name = new TextDecoder().decode(buf.subarray(p + 46, p + 46 + nameLen))
    // ZIP64 extended sizes: present, in this order, for each field saturated at 0xFFFFFFFF.
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = v.getUint16(x, true)
      const len = v.getUint16(x + 2, true)
      if (id === 1) {
        let q = x + 4
        const take = (): number => {
          if (q + 8 > x + 4 + len) bad(file, 'broken ZIP64 extra field')
          const r = Number(v.getBigUint64(q, true))
          q += 8
          return r
        }
        if (size === 0xffffffff) size = take()
        if (compressedSize === 0xffffffff) compressedSize = take()
        if (localOffset === 0xffffffff) localOffset = take()
      }
      x += 4 + len
    }
    checkEntryName(file, name)
    entries.push({ name, method, compressedSize, size, crc, localOffset })
    p += 46 + nameLen + extraLen + commentLen
  }
  return entries
}

/** The bytes of one entry, inflated with an output cap of its declared size (a lying header cannot bomb). */
export function readZipEntry(buf: Uint8Array, e: ZipEntry, file: string): Uint8Array {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const p = e.localOffset
  if (p + 30 > buf.length || v.getUint32(p, true) !== 0x04034b50) bad(file, `local header of ${e.name} is damaged`)
  const start = p + 30 + v.getUint16(p + 26, true) + v.getUint16(p + 28, true)
  if (start + e.compressedSize > buf.length) bad(file, `${e.name} runs past the end of the file`)
  const raw = buf.subarray(start, start + e.compressedSize)
  let out: Uint8Array
  if (e.method === 0) {
    if (e.compressedSize !== e.size) bad(file, `${e.name}: stored sizes disagree`)
    out = raw
  } else if (e.method === 8) {
    try {
      out = inflateRawSync(raw, { maxOutputLength: Math.min(constants.MAX_LENGTH, Math.max(1, e.size)) })
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw new UserError('zip_bomb', `${file}: ${e.name} inflates to more than the ${e.size} bytes its header declares`, 'The archive is damaged or crafted to exhaust memory; recreate it with numpy.savez_compressed.')
      }
      bad(file, `${e.name} does not inflate: ${(err as Error).message}`)
    }
    if (out.length !== e.size) bad(file, `${e.name} inflates to ${out.length} bytes, its header says ${e.size}`)
  } else {
    throw new UserError('bad_zip', `${file}: ${e.name} uses ZIP compression method ${e.method}; only stored and deflate are supported`, 'Save with numpy.savez or numpy.savez_compressed.')
  }
  if ((crc32(out) >>> 0) !== e.crc >>> 0) bad(file, `${e.name} fails its CRC-32 check`)
  return out
}
