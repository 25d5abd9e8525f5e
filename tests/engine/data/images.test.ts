import { describe, expect, it } from 'vitest'
import { resizeImage } from '../../../electron/engine/data/resize'
import { getDatasetPreview } from '../../../electron/engine/data/dataset-store'
import { argmaxRows, expectImportError, fx, load } from './helpers'

// Fixtures (make_fixtures.py, PNG bytes built with zlib): gray/{cat: v0 = 0, 100; dog: v0 = 50, 150, 200}
// with pixel (r, c) = v0 + 10 r + c; rgb/{blue, red} with (r·60, c·60, 255 − r·60).
describe('image folder import', () => {
  it('grayscale PNGs, one subfolder per class', async () => {
    const { x, y, summary, db } = await load(fx('images', 'gray'))
    expect(summary.xShape).toEqual([5, 4, 4, 1])
    const p = getDatasetPreview(db, summary.id)
    expect(p.schema.classNames).toEqual(['cat', 'dog'])
    expect(p.schema.classCounts).toEqual([2, 3])
    const v0s = [0, 100, 50, 150, 200]
    for (let i = 0; i < 5; i++) for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(x.data[i * 16 + r * 4 + c]).toBeCloseTo((v0s[i]! + 10 * r + c) / 255, 6)
    expect(argmaxRows(y!)).toEqual([0, 0, 1, 1, 1])
  })

  it('RGB PNGs keep channels (HWC); grayscale conversion on request', async () => {
    const { x, summary } = await load(fx('images', 'rgb'))
    expect(summary.xShape).toEqual([2, 4, 4, 3])
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) {
      const o = (r * 4 + c) * 3
      expect([x.data[o]! * 255, x.data[o + 1]! * 255, x.data[o + 2]! * 255].map(Math.round)).toEqual([r * 60, c * 60, 255 - r * 60])
    }
    const g = await load(fx('images', 'rgb'), { color: 'grayscale' })
    expect(g.summary.xShape).toEqual([2, 4, 4, 1])
    expect(Math.round(g.x.data[1 * 4 + 2]! * 255)).toBe(Math.round(0.299 * 60 + 0.587 * 120 + 0.114 * 195))
  })

  it('baseline JPEGs (hand-encoded flat 8×8 blocks decode exactly)', async () => {
    const { x, summary } = await load(fx('images', 'jpeg'))
    expect(summary.xShape).toEqual([2, 8, 16, 1])
    // dark/0.jpg: left block 40, right block 200; light/0.jpg the reverse (classes sorted: dark, light)
    for (let r = 0; r < 8; r++) for (let c = 0; c < 16; c++) {
      expect(Math.round(x.data[r * 16 + c]! * 255)).toBe(c < 8 ? 40 : 200)
      expect(Math.round(x.data[128 + r * 16 + c]! * 255)).toBe(c < 8 ? 200 : 40)
    }
  })

  it('resizing to a chosen size: area average when shrinking', async () => {
    const { x, summary } = await load(fx('images', 'gray'), { size: [2, 2] })
    expect(summary.xShape).toEqual([5, 2, 2, 1])
    // top-left 2×2 block of image 0: 0, 1, 10, 11 → mean 5.5 → rounds to 6 (one byte)
    expect(Math.round(x.data[0]! * 255)).toBe(6)
    expect(Math.round(x.data[3]! * 255)).toBe(Math.round((22 + 23 + 32 + 33) / 4))
  })

  it('resizeImage: area weights for 3→2 and bilinear for 2→4, checked by hand', () => {
    // 1×3 → 1×2: output pixel 0 covers [0, 1.5): (a + 0.5 b) / 1.5
    const out = resizeImage(Uint8Array.from([30, 60, 90]), 1, 3, 1, 1, 2)
    expect(Array.from(out)).toEqual([Math.round((30 + 0.5 * 60) / 1.5), Math.round((0.5 * 60 + 90) / 1.5)])
    // 1×2 → 1×4: centres at x_src = (i + ½)/2 − ½ = −0.25, 0.25, 0.75, 1.25 → clamp to [0, 1]
    const up = resizeImage(Uint8Array.from([0, 100]), 1, 2, 1, 1, 4)
    expect(Array.from(up)).toEqual([0, 25, 75, 100])
  })

  it('bad input: mixed sizes, corrupt image, empty folder', async () => {
    await expectImportError(fx('images', 'mixed'), 'mixed_sizes', /a\/0\.png is 4×4, b\/0\.png is 2×2/)
    await expectImportError(fx('images', 'corrupt'), 'bad_image', /b\/0\.png: not a readable PNG/)
    await expectImportError(fx('idx', 'int16'), 'empty', /no PNG or JPEG images/, {}, 'images')
    await expectImportError(fx('images', 'gray'), 'too_large', /more than the/, { maxBytes: 50 })
  })
})
