import { describe, expect, it } from 'vitest'
import { concatBytes, concatInto, totalLength } from '../../../electron/engine/io/concat'

describe('concatBytes / concatInto', () => {
  it('joins views at offsets of larger buffers into a buffer of exactly their bytes', () => {
    const pool = Uint8Array.from({ length: 64 }, (_, i) => i)
    const a = pool.subarray(10, 13) // 10, 11, 12
    const b = pool.subarray(40, 42) // 40, 41
    const out = concatBytes([a, b, new Uint8Array(0), Buffer.from([7])])
    expect(Array.from(out)).toEqual([10, 11, 12, 40, 41, 7])
    // what decodeWeights reads: the whole .buffer, from byte 0
    expect(out.byteOffset).toBe(0)
    expect(out.buffer.byteLength).toBe(6)
    expect(Array.from(new Uint8Array(out.buffer))).toEqual([10, 11, 12, 40, 41, 7])
  })

  it('gives an empty buffer for no parts', () => {
    expect(concatBytes([]).byteLength).toBe(0)
  })

  it('fills an Int32Array in order (balanced KIP batches)', () => {
    const parts = [Int32Array.of(-3, 5), Int32Array.of(), Int32Array.of(2 ** 31 - 1)]
    expect(totalLength(parts)).toBe(3)
    expect(Array.from(concatInto(new Int32Array(3), parts))).toEqual([-3, 5, 2 ** 31 - 1])
  })
})
