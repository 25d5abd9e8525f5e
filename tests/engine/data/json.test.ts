import { describe, expect, it } from 'vitest'
import { getDatasetPreview } from '../../../electron/engine/data/dataset-store'
import { argmaxRows, expectImportError, fx, load } from './helpers'

describe('JSON / JSON Lines import', () => {
  it.each(['records.json', 'records.jsonl'])('%s: array of records with a text feature', async (file) => {
    const { x, y, summary, db } = await load(fx('json', file))
    expect(summary.format).toBe(file.endsWith('l') ? 'jsonl' : 'json')
    const s = getDatasetPreview(db, summary.id).schema
    expect(s.featureNames).toEqual(['a', 'b=x', 'b=y'])
    expect(Array.from(x.data)).toEqual([1.5, 1, 0, -2, 0, 1, 0.25, 1, 0])
    expect(s.classNames).toEqual(['p', 'q'])
    expect(argmaxRows(y!)).toEqual([0, 1, 1])
  })

  it('{x, y} arrays', async () => {
    const { x, y, summary } = await load(fx('json', 'arrays.json'))
    expect(summary.xShape).toEqual([4, 2])
    expect(Array.from(x.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(argmaxRows(y!)).toEqual([1, 0, 1, 0])
  })

  it('bad input: ragged arrays, broken JSON', async () => {
    await expectImportError(fx('json', 'ragged.json'), 'ragged_rows', /x\[1\] has 1 entries, expected 2/)
    await expectImportError(fx('json', 'broken.json'), 'bad_json', /not valid JSON/)
    await expectImportError(fx('json', 'records.json'), 'too_large', /more than the/, { maxBytes: 100 })
  })
})
