import { readdirSync, readFileSync } from 'node:fs'
import { extname, join, relative } from 'node:path'
import jpeg from 'jpeg-js'
import { PNG } from 'pngjs'
import { UserError } from '../../../../shared/errors'
import { checkBudget } from '../limits'
import { resizeImage } from '../resize'
import type { ParsedDataset, ReadContext } from '../types'

const EXT = new Set(['.png', '.jpg', '.jpeg'])
const collator = new Intl.Collator('en', { numeric: true })

interface ImageInfo {
  path: string
  cls: number
  width: number
  height: number
  gray: boolean
}

function corrupt(file: string, why: string): never {
  throw new UserError('bad_image', `${file}: not a readable ${/\.png$/i.test(file) ? 'PNG' : 'JPEG'} image (${why})`, 'Remove or re-save that file, then import the folder again.')
}

/** Size and colour from the header alone (PNG IHDR; JPEG SOF marker). */
function probe(buf: Uint8Array, file: string): { width: number; height: number; gray: boolean } {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  if (buf.length >= 26 && v.getUint32(0) === 0x89504e47 && v.getUint32(4) === 0x0d0a1a0a) {
    const colorType = buf[25]!
    return { width: v.getUint32(16), height: v.getUint32(20), gray: colorType === 0 || colorType === 4 }
  }
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8) {
    let p = 2
    while (p + 9 < buf.length) {
      if (buf[p] !== 0xff) corrupt(file, 'broken marker')
      const m = buf[p + 1]!
      if (m === 0xff) {
        p++
        continue
      }
      const len = v.getUint16(p + 2)
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return { height: v.getUint16(p + 5), width: v.getUint16(p + 7), gray: buf[p + 9] === 1 }
      p += 2 + len
    }
    corrupt(file, 'no frame header')
  }
  corrupt(file, 'unknown signature')
}

/** RGBA pixels of one file */
function decode(buf: Uint8Array, file: string, maxPixels: number): { data: Uint8Array; width: number; height: number } {
  try {
    if (buf[0] === 0x89) {
      const png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength))
      return { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), width: png.width, height: png.height }
    }
    const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: Math.max(1, maxPixels / 1e6), maxMemoryUsageInMB: 1024 })
    return { data: img.data, width: img.width, height: img.height }
  } catch (e) {
    corrupt(file, (e as Error).message)
  }
}

function listImages(root: string, name: string): { files: ImageInfo[]; classes: string[] } {
  const entries = readdirSync(root, { withFileTypes: true })
  const dirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort(collator.compare)
  const files: ImageInfo[] = []
  const add = (dir: string, cls: number): void => {
    for (const f of readdirSync(dir).sort(collator.compare)) if (EXT.has(extname(f).toLowerCase())) files.push({ path: join(dir, f), cls, width: 0, height: 0, gray: false })
  }
  const classes: string[] = []
  for (const d of dirs) {
    const before = files.length
    add(join(root, d), classes.length)
    if (files.length > before) classes.push(d)
  }
  if (files.length === 0) add(root, -1)
  if (files.length === 0) throw new UserError('empty', `${name}: no PNG or JPEG images found`, 'Put the images in one subfolder per class, e.g. digits/0/*.png, digits/1/*.png.')
  return { files, classes }
}

/** One subfolder per class (or images directly in the folder: unlabelled), resized to one size, u8 pixels. */
export async function readImageFolder(root: string, ctx: ReadContext): Promise<ParsedDataset> {
  const { files, classes } = listImages(root, ctx.name)
  const rel = (p: string): string => relative(root, p)
  for (const f of files) {
    const buf = readFileSync(f.path)
    if (buf.length === 0) corrupt(rel(f.path), 'empty file')
    Object.assign(f, probe(buf, rel(f.path)))
    if (f.width === 0 || f.height === 0) corrupt(rel(f.path), 'zero size')
  }
  const first = files[0]!
  let size = ctx.options.size
  if (!size) {
    const other = files.find((f) => f.width !== first.width || f.height !== first.height)
    if (other) {
      throw new UserError(
        'mixed_sizes',
        `${ctx.name}: images have different sizes: ${rel(first.path)} is ${first.width}×${first.height}, ${rel(other.path)} is ${other.width}×${other.height}`,
        `Choose one size for all of them, e.g. --size ${first.height},${first.width} (height,width); every image is resized to it.`,
      )
    }
    size = [first.height, first.width]
  }
  const [oh, ow] = size
  const color = ctx.options.color === 'auto' ? (files.every((f) => f.gray) ? 'grayscale' : 'rgb') : ctx.options.color
  const c = color === 'grayscale' ? 1 : 3
  checkBudget(ctx.name, files.length * oh * ow * c, ctx.budget)
  const maxPixels = Math.max(...files.map((f) => f.width * f.height))
  checkBudget(ctx.name, maxPixels * 4 * 3, ctx.budget, `the largest image (${maxPixels} pixels)`)
  const x = new Uint8Array(files.length * oh * ow * c)
  const y = new Int32Array(files.length)
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!
    const img = decode(readFileSync(f.path), rel(f.path), maxPixels)
    const px = img.width * img.height
    if (img.data.length < px * 4) corrupt(rel(f.path), 'pixel data cut short')
    const plane = new Uint8Array(px * c)
    for (let p = 0; p < px; p++) {
      const r = img.data[p * 4]!
      const g = img.data[p * 4 + 1]!
      const b = img.data[p * 4 + 2]!
      if (c === 1) plane[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b)
      else {
        plane[p * 3] = r
        plane[p * 3 + 1] = g
        plane[p * 3 + 2] = b
      }
    }
    x.set(resizeImage(plane, img.height, img.width, c, oh, ow), i * oh * ow * c)
    y[i] = f.cls
    if (i % 64 === 63) {
      ctx.progress((i + 1) / files.length, `decoded ${i + 1} of ${files.length} images`)
      await ctx.yield()
    }
  }
  const notes = [`${files.length} images, ${color}, ${oh}×${ow}`, 'pixel bytes scaled to [0, 1] (value / 255)']
  if (files.some((f) => f.width !== ow || f.height !== oh)) notes.push(`images resized to ${oh}×${ow} (area filter when shrinking, bilinear when enlarging)`)
  return {
    format: 'images',
    x,
    xShape: [files.length, oh, ow, c],
    xScale: 1 / 255,
    image: { height: oh, width: ow, channels: c },
    y: classes.length > 0 ? { kind: 'classes', indices: y, names: classes } : null,
    notes,
  }
}
