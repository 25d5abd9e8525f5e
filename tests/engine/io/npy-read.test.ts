import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { encodeNpy, readNpy, readNpyMatrixHashed } from '../../../electron/engine/io/npy'
import { readNpyAhead, takeNpyAhead } from '../../../electron/engine/io/npy-ahead'

// Reading .npy data straight into one buffer (no whole-file copy): the values, the file's hash, and large
// arrays on shared memory so kernel worker threads need no copy of their own.

const dir = mkdtempSync(join(tmpdir(), 'ntkw-npy-read-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('readNpy', () => {
  it('reads small and large float32 files exactly, hashing every byte of the file', () => {
    for (const [rows, cols] of [[3, 5], [5000, 1000]] as const) {
      const a = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i) * 1e3)
      const p = join(dir, `x${rows}.npy`)
      const bytes = encodeNpy(a, [rows, cols])
      writeFileSync(p, bytes)
      const { matrix, hash } = readNpyMatrixHashed(p)
      expect([matrix.rows, matrix.cols]).toEqual([rows, cols])
      expect(matrix.data).toBeInstanceOf(Float32Array)
      expect(Buffer.from(matrix.data.buffer, matrix.data.byteOffset, matrix.data.byteLength).equals(Buffer.from(a.buffer))).toBe(true)
      expect(hash).toBe(createHash('sha256').update(readFileSync(p)).digest('hex'))
      // the array owns its whole buffer (workers and writers take .buffer as the data)
      expect(matrix.data.byteOffset).toBe(0)
      expect(matrix.data.buffer.byteLength).toBe(a.byteLength)
      expect(matrix.data.buffer instanceof SharedArrayBuffer).toBe(a.byteLength >= 16 * 2 ** 20)
    }
  })

  it('hashes bytes after the data too, and refuses a truncated file', () => {
    const a = new Float64Array([1, 2, 3, 4])
    const p = join(dir, 'tail.npy')
    writeFileSync(p, Buffer.concat([Buffer.from(encodeNpy(a, [2, 2])), Buffer.from('trailing')]))
    const { matrix, hash } = readNpyMatrixHashed(p)
    expect(Array.from(matrix.data)).toEqual([1, 2, 3, 4])
    expect(hash).toBe(createHash('sha256').update(readFileSync(p)).digest('hex'))
    const q = join(dir, 'short.npy')
    writeFileSync(q, Buffer.from(encodeNpy(a, [2, 2])).subarray(0, 140))
    expect(() => readNpy(q)).toThrow(/truncated .npy data/)
    writeFileSync(q, Buffer.from([0x93, 0x4e]))
    expect(() => readNpy(q)).toThrow(/too short/)
  })
})

describe('reading ahead (io/npy-ahead.ts)', () => {
  const sameRead = (p: string, ahead: Awaited<ReturnType<typeof takeNpyAhead>>) => {
    const want = readNpyMatrixHashed(p)
    const got = readNpyMatrixHashed(p, ahead)
    expect(got.hash).toBe(want.hash)
    expect([got.matrix.rows, got.matrix.cols, got.matrix.shape]).toEqual([want.matrix.rows, want.matrix.cols, want.matrix.shape])
    expect(got.matrix.data.constructor).toBe(want.matrix.data.constructor)
    expect(Buffer.from(got.matrix.data.buffer, got.matrix.data.byteOffset, got.matrix.data.byteLength).equals(Buffer.from(want.matrix.data.buffer, want.matrix.data.byteOffset, want.matrix.data.byteLength))).toBe(true)
    // as a read's: the array owns its buffer, shared from 16 MiB
    expect(got.matrix.data.byteOffset).toBe(0)
    expect(got.matrix.data.buffer.byteLength).toBe(want.matrix.data.byteLength)
    expect(got.matrix.data.buffer instanceof SharedArrayBuffer).toBe(want.matrix.data.buffer instanceof SharedArrayBuffer)
  }

  it('gives what a read gives: the data, the hash of every byte of the file (trailing bytes too), shared memory for large arrays', async () => {
    const files: [string, Uint8Array][] = [
      ['a32.npy', encodeNpy(Float32Array.from({ length: 60 }, (_, i) => Math.cos(i)), [12, 5])],
      ['a64.npy', Buffer.concat([Buffer.from(encodeNpy(Float64Array.from({ length: 6 }, (_, i) => i / 3), [2, 3])), Buffer.from('after')])],
      ['big.npy', encodeNpy(Float32Array.from({ length: 4200 * 1000 }, (_, i) => i % 977), [4200, 1000])],
    ]
    for (const [name, bytes] of files) {
      const p = join(dir, name)
      writeFileSync(p, bytes)
      readNpyAhead(p)
      const ahead = await takeNpyAhead(p)
      expect(ahead, name).not.toBeNull()
      sameRead(p, ahead)
      // taken once
      expect(await takeNpyAhead(p)).toBeNull()
    }
  })

  it('is not used for a file changed since it was read, nor for what is no readable .npy', async () => {
    const p = join(dir, 'changed.npy')
    writeFileSync(p, encodeNpy(new Float32Array([1, 2, 3, 4]), [2, 2]))
    // the read over, the file changes (its contents and modification time)
    await readNpyAhead(p)
    writeFileSync(p, encodeNpy(new Float32Array([5, 6, 7, 8]), [2, 2]))
    utimesSync(p, new Date(), new Date(Date.now() + 5000))
    expect(await takeNpyAhead(p)).toBeNull()
    expect(Array.from(readNpyMatrixHashed(p, null).matrix.data)).toEqual([5, 6, 7, 8])
    const bad = join(dir, 'bad.npy')
    writeFileSync(bad, 'not an npy file at all')
    readNpyAhead(bad)
    expect(await takeNpyAhead(bad)).toBeNull()
    readNpyAhead(join(dir, 'missing.npy'))
    expect(await takeNpyAhead(join(dir, 'missing.npy'))).toBeNull()
  })
})
