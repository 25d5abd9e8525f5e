import { renameSync, writeFileSync } from 'node:fs'
import { crc32 } from 'node:zlib'
import { encodeNpy } from './npy'

/**
 * Writes arrays as an uncompressed .npz (a ZIP of .npy members, as numpy.savez), atomically: a temporary
 * file renamed over `path`, so a reader (or a cancelled run) never sees half a file.
 */
export function writeNpz(path: string, arrays: Record<string, { data: Float32Array | Float64Array; shape: number[] }>): void {
  const locals: Uint8Array[] = []
  const centrals: Uint8Array[] = []
  let offset = 0
  for (const [key, a] of Object.entries(arrays)) {
    const name = new TextEncoder().encode(`${key}.npy`)
    const body = encodeNpy(a.data, a.shape)
    const crc = crc32(body)
    const local = new Uint8Array(30 + name.length)
    const lv = new DataView(local.buffer)
    lv.setUint32(0, 0x04034b50, true)
    lv.setUint16(4, 20, true) // version needed
    lv.setUint16(8, 0, true) // stored
    lv.setUint32(14, crc, true)
    lv.setUint32(18, body.length, true)
    lv.setUint32(22, body.length, true)
    lv.setUint16(26, name.length, true)
    local.set(name, 30)
    const central = new Uint8Array(46 + name.length)
    const cv = new DataView(central.buffer)
    cv.setUint32(0, 0x02014b50, true)
    cv.setUint16(4, 20, true)
    cv.setUint16(6, 20, true)
    cv.setUint32(16, crc, true)
    cv.setUint32(20, body.length, true)
    cv.setUint32(24, body.length, true)
    cv.setUint16(28, name.length, true)
    cv.setUint32(42, offset, true)
    central.set(name, 46)
    locals.push(local, body)
    centrals.push(central)
    offset += local.length + body.length
  }
  const cdSize = centrals.reduce((s, c) => s + c.length, 0)
  const end = new Uint8Array(22)
  const ev = new DataView(end.buffer)
  ev.setUint32(0, 0x06054b50, true)
  ev.setUint16(8, centrals.length, true)
  ev.setUint16(10, centrals.length, true)
  ev.setUint32(12, cdSize, true)
  ev.setUint32(16, offset, true)
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, Buffer.concat([...locals, ...centrals, end]))
  renameSync(tmp, path)
}
