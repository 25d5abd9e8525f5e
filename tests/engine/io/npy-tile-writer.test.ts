import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeNpy } from '../../../electron/engine/io/npy'
import { NpyTileWriter } from '../../../electron/engine/io/npy-tile-writer'

const dir = mkdtempSync(join(tmpdir(), 'ntkw-tiles-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** the value at (r, c) of the reference matrix: distinct everywhere, so a misplaced element shows */
const value = (r: number, c: number): number => r * 1000 + c + 0.5

/** Tiles of a rows × cols matrix of size `t`, in a shuffled order, each with its values. */
function tiles(rows: number, cols: number, t: number, seed: number): { r0: number; c0: number; h: number; w: number; data: Float32Array }[] {
  const out = []
  for (let r0 = 0; r0 < rows; r0 += t) {
    for (let c0 = 0; c0 < cols; c0 += t) {
      const h = Math.min(t, rows - r0)
      const w = Math.min(t, cols - c0)
      const data = new Float32Array(h * w)
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) data[i * w + j] = value(r0 + i, c0 + j)
      out.push({ r0, c0, h, w, data })
    }
  }
  // Fisher–Yates with a small LCG: arrival order as scrambled as worker threads make it
  let s = seed
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

function expectMatrix(path: string, rows: number, cols: number): void {
  const a = decodeNpy(new Uint8Array(readFileSync(path)))
  expect(a.shape).toEqual([rows, cols])
  const bad: string[] = []
  for (let r = 0; r < rows && bad.length < 3; r++) {
    for (let c = 0; c < cols; c++) {
      if (a.data[r * cols + c] !== value(r, c)) {
        bad.push(`(${r}, ${c}) = ${a.data[r * cols + c]}`)
        break
      }
    }
  }
  expect(bad).toEqual([])
}

describe('NpyTileWriter', () => {
  it('gathers row bands and writes each with one call', () => {
    const rows = 37
    const cols = 29
    const p = join(dir, 'buffered.npy')
    const w = new NpyTileWriter(p, rows, cols)
    const ts = tiles(rows, cols, 8, 7)
    // the first tile fixes the band height: give it a full-height one
    ts.sort((a, b) => (a.h === 8 ? 0 : 1) - (b.h === 8 ? 0 : 1))
    for (const t of ts) w.writeTile(t.r0, t.c0, t.h, t.w, t.data)
    w.close()
    expectMatrix(p, rows, cols)
    // 37 rows in bands of 8 → 5 bands, 5 writes (the per-row writer made 37 per column of tiles: 148)
    expect(w.stats).toEqual({ writes: 5, bufferedBands: 5, directBands: 0 })
  })

  it('writes bands beyond its memory budget row by row, and both kinds land in place', () => {
    const rows = 40
    const cols = 24
    const p = join(dir, 'budget.npy')
    // room for two bands of 8 × 24 floats at a time
    const w = new NpyTileWriter(p, rows, cols, { bufferBytes: 2 * 8 * cols * 4 })
    for (const t of tiles(rows, cols, 8, 3)) w.writeTile(t.r0, t.c0, t.h, t.w, t.data)
    w.close()
    expectMatrix(p, rows, cols)
    expect(w.stats.bufferedBands).toBeGreaterThanOrEqual(2)
    expect(w.stats.directBands).toBeGreaterThan(0)
    expect(w.stats.bufferedBands + w.stats.directBands).toBe(5)
  })

  it('places tiles that straddle bands and tiles written again after their band was written', () => {
    const rows = 20
    const cols = 10
    const p = join(dir, 'straddle.npy')
    const w = new NpyTileWriter(p, rows, cols)
    const put = (r0: number, c0: number, h: number, wd: number, bump = 0): void => {
      const data = new Float32Array(h * wd)
      for (let i = 0; i < h; i++) for (let j = 0; j < wd; j++) data[i * wd + j] = value(r0 + i, c0 + j) + bump
      w.writeTile(r0, c0, h, wd, data)
    }
    put(0, 0, 6, 10) // band height 6: bands [0,6) [6,12) [12,18) [18,20)
    put(6, 0, 9, 4, 1) // rows 6–14 straddle two bands, with wrong values first …
    put(6, 4, 14, 6)
    put(6, 0, 9, 4) // … then again with the right ones: band [6,12) was written already, [12,18) not yet
    put(15, 0, 5, 4)
    w.close()
    expectMatrix(p, rows, cols)
  })

  it('rejects a tile outside the matrix and leaves zeros where no tile came', () => {
    const p = join(dir, 'partial.npy')
    const w = new NpyTileWriter(p, 4, 4)
    expect(() => w.writeTile(2, 2, 4, 2, new Float32Array(8))).toThrow(/outside the 4 × 4 matrix/)
    w.writeTile(0, 0, 2, 2, new Float32Array([1, 2, 3, 4]))
    w.close()
    const a = decodeNpy(new Uint8Array(readFileSync(p)))
    expect(Array.from(a.data as Float32Array)).toEqual([1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
  })
})
