import { describe, expect, it } from 'vitest'
import { decodeArray, encodeArray } from '../../electron/cluster/array-wire'
import { decodeTile, encodeTile } from '../../electron/cluster/tile-wire'
import { parseQueueJob } from '../../shared/cluster'

// What travels through Redis (issue 20): results as binary with a SHA-256, decoded only when intact and of
// the shape that was asked for; job payloads only when they pass the contract. No redis-server needed.

const tile = { row0: 64, rows: 3, col0: 128, cols: 2 }
const ntk = Float32Array.from([1, 2, 3, 4, 5, 6])
const nngp = Float32Array.from([0.5, -1, 1e-30, 7, 8, Math.PI])

describe('result wire formats', () => {
  it('a tile and a sample round-trip bit for bit', () => {
    const t = decodeTile(encodeTile({ ...tile, ntk, nngp }), tile, ['ntk', 'nngp'])
    expect([...t.ntk!]).toEqual([...ntk])
    expect([...t.nngp!]).toEqual([...nngp])
    const a = decodeArray(encodeArray(nngp, [1, 2, 3]), [1, 2, 3], 'sample 0')
    expect(new Uint8Array(a.buffer)).toEqual(new Uint8Array(nngp.buffer))
  })

  it('refuses a flipped bit, a truncated buffer, another shape or tile, a missing kernel', () => {
    const buf = encodeArray(ntk, [2, 3])
    const flipped = Buffer.from(buf)
    flipped[20] = flipped[20]! ^ 1
    expect(() => decodeArray(flipped, [2, 3], 'sample 4')).toThrow(/sample 4: checksum mismatch/)
    expect(() => decodeArray(buf.subarray(0, 20), [2, 3], 'sample 4')).toThrow(/sample 4: (too short|checksum)/)
    expect(() => decodeArray(buf, [3, 2], 'sample 4')).toThrow(/holds a \[2, 3\] array instead of \[3, 2\]/)
    const t = encodeTile({ ...tile, ntk })
    expect(() => decodeTile(t, { ...tile, col0: 0 }, ['ntk'])).toThrow(/holds tile 64\+3 × 128\+2 instead/)
    expect(() => decodeTile(t, tile, ['ntk', 'nngp'])).toThrow(/has no NNGP/)
    const bad = Buffer.from(t)
    bad[30] = bad[30]! ^ 0x80
    expect(() => decodeTile(bad, tile, ['ntk'])).toThrow(/checksum mismatch/)
    // a sample is not a tile, and the other way round
    expect(() => decodeTile(buf, tile, ['ntk'])).toThrow(/not a tile result/)
    expect(() => decodeArray(t, [3, 2], 'sample 1')).toThrow(/not an array result/)
  })
})

describe('queue job contract', () => {
  const sample = { kind: 'empirical-sample', v: 1, runId: 'r1', index: 3, x: { sha256: 'c'.repeat(64), rows: 10, cols: 64 }, x2: null, shape: [8, 8, 1], arch: { net: { layers: [{ type: 'conv2d', filters: 4, kernel: 3 }, { type: 'flatten' }] } }, seed: 9, outDim: 1, outputs: 'trace' }

  it('accepts a well-formed sample job, FC or ARCH.json, and fills the architecture defaults', () => {
    const j = parseQueueJob('empirical-sample', sample)
    expect(j.kind).toBe('empirical-sample')
    expect(parseQueueJob('empirical-sample', { ...sample, shape: [64], arch: { depth: 2, width: 32, activation: { name: 'erf' } } }).kind).toBe('empirical-sample')
  })

  it('refuses a job whose name and kind disagree, extra fields, an oversized payload', () => {
    expect(() => parseQueueJob('kernel-tile', sample)).toThrow(/unknown job kind/)
    expect(() => parseQueueJob('empirical-sample', { ...sample, cmd: 'rm -rf /' })).toThrow(/invalid empirical-sample payload/)
    expect(() => parseQueueJob('empirical-sample', { ...sample, pad: 'x'.repeat(20_000) })).toThrow(/over the 16384-byte cap/)
    expect(() => parseQueueJob('empirical-sample', { ...sample, seed: -1 })).toThrow(/seed/)
  })
})
