import { describe, expect, it } from 'vitest'
import { argmaxRows, expectImportError, fx, load } from './helpers'
import { getDatasetPreview } from '../../../electron/engine/data/dataset-store'

// Hand-built bytes (make_fixtures.py): 3 images 2×2 with pixels below, labels 7 2 7.
const pixels = [0, 51, 102, 153, 204, 255, 0, 255, 10, 20, 30, 40]

describe('IDX import', () => {
  it.each([
    ['plain', 'train-images-idx3-ubyte'],
    ['gz', 't10k-images-idx3-ubyte.gz'],
    ['plain', 'train-labels-idx1-ubyte'],
  ])('%s/%s: images + labels paired by name, pixels / 255', async (dir, file) => {
    const { x, y, summary, db } = await load(fx('idx', dir, file))
    expect(summary.format).toBe('idx')
    expect(summary.xShape).toEqual([3, 2, 2])
    for (let i = 0; i < 12; i++) expect(x.data[i]).toBeCloseTo(pixels[i]! / 255, 7)
    const p = getDatasetPreview(db, summary.id)
    expect(p.schema.classNames).toEqual(['2', '7'])
    expect(p.schema.classCounts).toEqual([1, 2])
    expect(p.schema.image).toEqual({ height: 2, width: 2, channels: 1 })
    expect(argmaxRows(y!)).toEqual([1, 0, 1])
  })

  it('big-endian int16 data', async () => {
    const { x, summary } = await load(fx('idx', 'int16', 'data-idx2-int16'))
    expect(summary.xShape).toEqual([2, 3])
    expect(Array.from(x.data)).toEqual([-300, 2, 3, 400, -5, 6])
  })

  it('bad input: wrong magic, label count ≠ image count', async () => {
    await expectImportError(fx('idx', 'badmagic', 'train-images-idx3-ubyte'), 'bad_idx', /wrong magic bytes 01 00 08 03/)
    await expectImportError(fx('idx', 'mismatch', 'train-images-idx3-ubyte'), 'label_count', /has 2 labels but train-images-idx3-ubyte has 3 images/)
    await expectImportError(fx('idx', 'plain', 'train-images-idx3-ubyte'), 'too_large', /more than the/, { maxBytes: 10 })
  })
})
