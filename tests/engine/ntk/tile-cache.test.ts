import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { TileInputCache, type PointBlock } from '../../../electron/engine/ntk/tile'
import { initBackend } from '../../../electron/engine/runtime/backend'

beforeAll(async () => {
  await initBackend()
})

const d = 3
const x = Float32Array.from({ length: 8 * d }, (_, i) => i + 1)
const y = Float32Array.from({ length: 8 * d }, (_, i) => -i)
const blk = (data: Float32Array, r0: number, rows: number, side: string): PointBlock => ({ data: data.subarray(r0 * d, (r0 + rows) * d), rows, d, key: `${side}${r0}:${rows}` })

describe('TileInputCache', () => {
  it('keeps transposed column blocks within its cap; for x with itself it drops blocks left of the current row', () => {
    // room for two 2-point column blocks
    const cache = new TileInputCache(2 * 2 * d * 4)
    const before = tf.memory().numTensors
    const seen: boolean[] = []
    // upper-triangle row order of a self kernel in 2-point tiles
    for (let r = 0; r < 8; r += 2) {
      for (let c = r; c < 8; c += 2) {
        const { t, owned } = cache.colsT(blk(x, c, 2, 'c'), blk(x, r, 2, 'r'))
        expect(Array.from(t.dataSync())).toEqual([x[c * d]!, x[(c + 1) * d]!, x[c * d + 1]!, x[(c + 1) * d + 1]!, x[c * d + 2]!, x[(c + 1) * d + 2]!])
        if (owned) t.dispose()
        seen.push(!owned)
      }
    }
    // row 0: blocks 0 and 2 cached, 4 and 6 over the cap; row 2: block 0 is dead, so 4 replaces it; …
    expect(seen).toEqual([true, true, false, false, true, true, false, true, true, true])
    cache.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('never drops blocks of another point set (x against x2: every row needs every column)', () => {
    const cache = new TileInputCache(2 * 2 * d * 4)
    const cached: boolean[] = []
    for (let r = 0; r < 8; r += 2) {
      for (let c = 0; c < 8; c += 2) {
        const { t, owned } = cache.colsT(blk(y, c, 2, 'c'), blk(x, r, 2, 'r'))
        if (owned) t.dispose()
        cached.push(!owned)
      }
    }
    expect(cached).toEqual(Array.from({ length: 4 }, () => [true, true, false, false]).flat())
    cache.dispose()
  })
})
