import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { constants } from 'node:buffer'
import { UserError } from '../../../../shared/errors'
import type { NpyArray } from '../../io/npy'
import { checkBudget } from '../limits'
import type { ParsedDataset, ReadContext } from '../types'
import { featuresFrom, targetsFrom } from './arrays'

// IDX (MNIST, Fashion-MNIST): bytes 0–1 zero, byte 2 the type (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32,
// 0x0D f32, 0x0E f64), byte 3 the rank, then rank big-endian u32 dimensions, then big-endian data.

const TYPES: Record<number, { dtype: NpyArray['dtype']; size: number }> = {
  0x08: { dtype: 'u1', size: 1 },
  0x09: { dtype: 'i1', size: 1 },
  0x0b: { dtype: 'i2', size: 2 },
  0x0c: { dtype: 'i4', size: 4 },
  0x0d: { dtype: 'f4', size: 4 },
  0x0e: { dtype: 'f8', size: 8 },
}

function load(path: string, name: string, budget: number): Uint8Array {
  const size = statSync(path).size
  if (size === 0) throw new UserError('empty', `${name}: the file is empty`, 'Download the IDX file again.')
  checkBudget(name, size, budget)
  const raw = readFileSync(path)
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw, { maxOutputLength: Math.min(budget, constants.MAX_LENGTH) })
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') checkBudget(name, Infinity, budget, 'decompressing it')
      throw new UserError('bad_gzip', `${name}: damaged gzip data (${(e as Error).message})`, 'Download the file again, or decompress it with gunzip to check it.')
    }
  }
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)
}

export function decodeIdx(buf: Uint8Array, name: string): NpyArray {
  const t = TYPES[buf[2] ?? -1]
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0 || !t) {
    throw new UserError('bad_idx', `${name}: not an IDX file (wrong magic bytes ${Array.from(buf.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')})`, 'IDX files start with 00 00 08 03 (images) or 00 00 08 01 (labels); check the file is the unpacked MNIST-style ubyte file.')
  }
  const rank = buf[3]!
  if (rank === 0 || buf.length < 4 + 4 * rank) throw new UserError('bad_idx', `${name}: truncated IDX header (rank ${rank})`, 'Download the file again.')
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const shape = Array.from({ length: rank }, (_, i) => v.getUint32(4 + 4 * i, false))
  const count = shape.reduce((a, b) => a * b, 1)
  const off = 4 + 4 * rank
  if (buf.length - off < count * t.size) {
    throw new UserError('bad_idx', `${name}: truncated IDX data: shape (${shape.join(', ')}) needs ${count * t.size} bytes, the file has ${buf.length - off}`, 'Download the file again (it was cut short).')
  }
  let data: NpyArray['data']
  switch (t.dtype) {
    case 'u1':
      data = buf.slice(off, off + count)
      break
    case 'i1':
      data = new Int8Array(buf.slice(off, off + count).buffer)
      break
    default: {
      const out = t.dtype === 'i2' ? new Int16Array(count) : t.dtype === 'i4' ? new Int32Array(count) : t.dtype === 'f4' ? new Float32Array(count) : new Float64Array(count)
      const get = t.dtype === 'i2' ? (i: number) => v.getInt16(off + 2 * i, false) : t.dtype === 'i4' ? (i: number) => v.getInt32(off + 4 * i, false) : t.dtype === 'f4' ? (i: number) => v.getFloat32(off + 4 * i, false) : (i: number) => v.getFloat64(off + 8 * i, false)
      for (let i = 0; i < count; i++) out[i] = get(i)
      data = out
    }
  }
  return { dtype: t.dtype, shape, data }
}

/** the partner file of an images/labels IDX pair, by the MNIST naming convention */
export function idxPartner(path: string): { images: string; labels: string | null } | null {
  const dir = dirname(path)
  const base = basename(path)
  const swaps: [RegExp, string][] = base.includes('labels')
    ? [[/labels/g, 'images'], [/idx1/g, 'idx3']]
    : [[/images/g, 'labels'], [/idx3/g, 'idx1']]
  let other = base
  for (const [re, s] of swaps) other = other.replace(re, s)
  const candidates = [other, other.endsWith('.gz') ? other.slice(0, -3) : `${other}.gz`].map((c) => join(dir, c))
  const found = other !== base ? candidates.find((c) => existsSync(c)) ?? null : null
  return base.includes('labels') ? (found ? { images: found, labels: path } : null) : { images: path, labels: found }
}

/** Reads an IDX images file and, when found beside it, its labels file. Pixels u8 → value/255. */
export async function readIdxFile(path: string, ctx: ReadContext): Promise<ParsedDataset> {
  const pair = idxPartner(path)
  const notes: string[] = []
  if (!pair) {
    // A labels file alone: find its images or explain.
    throw new UserError('idx_labels_only', `${ctx.name} looks like a labels file and no images file was found beside it`, 'Import the images file (e.g. train-images-idx3-ubyte); its labels file is picked up from the same folder.')
  }
  const imgName = basename(pair.images)
  const images = decodeIdx(load(pair.images, imgName, ctx.budget), imgName)
  ctx.progress(0.5, 'read images')
  const feats = featuresFrom(images, imgName, notes)
  let xScale: number | undefined
  if (images.dtype === 'u1') {
    xScale = 1 / 255
    notes.push('pixel bytes scaled to [0, 1] (value / 255)')
  }
  let y: ParsedDataset['y'] = null
  if (pair.labels) {
    const labName = basename(pair.labels)
    const labels = decodeIdx(load(pair.labels, labName, ctx.budget), labName)
    if (labels.shape.length !== 1) throw new UserError('bad_idx', `${labName}: a labels file must be 1-D, this one has shape (${labels.shape.join(', ')})`, 'Check that the right labels file sits beside the images.')
    if (labels.shape[0] !== images.shape[0]) {
      throw new UserError('label_count', `${labName} has ${labels.shape[0]} labels but ${imgName} has ${images.shape[0]} images`, 'The two files must come from the same set (e.g. both train or both t10k); download the matching pair.')
    }
    notes.push(`labels from ${labName}`)
    y = targetsFrom(labels)
  } else notes.push('no labels file found beside the images (expected the name with images→labels, idx3→idx1)')
  return { format: 'idx', ...feats, ...(xScale !== undefined ? { xScale } : {}), y, notes }
}
