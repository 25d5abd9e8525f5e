import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { UserError } from '../../../../shared/errors'
import { decodeNpy, parseNpyHeader } from '../../io/npy'
import { checkBudget } from '../limits'
import type { ParsedDataset, ReadContext } from '../types'
import { featuresFrom } from './arrays'

const ITEM: Record<string, number> = { f2: 2, f4: 4, f8: 8, i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4, u8: 8, b1: 1 }

function readAt(fd: number, into: Uint8Array, pos: number): number {
  let done = 0
  while (done < into.length) {
    const n = readSync(fd, into, done, Math.min(into.length - done, 1 << 30), pos + done)
    if (n === 0) break
    done += n
  }
  return done
}

/** Reads a .npy file as unlabelled features. The size is checked from the header before the data is read. */
export async function readNpyFile(path: string, ctx: ReadContext): Promise<ParsedDataset> {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    if (size === 0) throw new UserError('empty', `${ctx.name}: the file is empty`, 'Save the array with numpy.save(path, array) and try again.')
    const head = new Uint8Array(Math.min(size, 65536 + 12))
    readAt(fd, head, 0)
    const h = parseNpyHeader(head, ctx.name)
    const count = h.shape.reduce((a, b) => a * b, 1)
    const need = count * ITEM[h.dtype]!
    checkBudget(ctx.name, need * (h.dtype === 'f4' || h.dtype === 'u1' || h.dtype === 'b1' ? 1 : 2), ctx.budget)
    if (size - h.dataOffset < need) {
      throw new UserError('bad_npy', `${ctx.name}: truncated .npy data: shape (${h.shape.join(', ')}) of ${h.dtype} needs ${need} bytes, the file has ${size - h.dataOffset}`, 'The file was cut short (an interrupted copy or download?). Save it again with numpy.save.')
    }
    const notes: string[] = []
    if (h.dtype === 'f4' && h.littleEndian && !h.fortranOrder && h.shape.length > 0) {
      // Fast path: straight from disk into the float32 array.
      const x = new Float32Array(count)
      readAt(fd, new Uint8Array(x.buffer), h.dataOffset)
      ctx.progress(0.9, 'read')
      return { format: 'npy', ...featuresFrom({ dtype: 'f4', shape: h.shape, data: x }, ctx.name, notes), y: null, notes }
    }
    const all = new Uint8Array(h.dataOffset + need)
    readAt(fd, all, 0)
    const a = decodeNpy(all, ctx.name)
    if (h.fortranOrder) notes.push('Fortran-order array converted to row-major')
    ctx.progress(0.9, 'read')
    return { format: 'npy', ...featuresFrom(a, ctx.name, notes), y: null, notes }
  } finally {
    closeSync(fd)
  }
}
