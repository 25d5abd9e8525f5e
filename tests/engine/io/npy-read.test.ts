import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { encodeNpy, readNpy, readNpyMatrixHashed } from '../../../electron/engine/io/npy'

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
