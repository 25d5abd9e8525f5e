import { describe, expect, it } from 'vitest'
import { datasetNameOf } from '../../../electron/engine/data/import'
import { fx, load } from './helpers'

// Issue 21: a dataset imported from digits.csv is named "digits"; its file name stays visible as its source.
// Every route (the app's path import, a browser drop's upload, `ntkw data import`) names it through datasetNameOf.

describe('dataset names', () => {
  it('drop the data extensions of the file, keep folder names and example keys', () => {
    const cases: [string, string][] = [
      ['/data/digits.csv', 'digits'], ['C:/data/Iris.TSV', 'Iris'], ['/d/scores.v2.npz', 'scores.v2'], ['/d/x.npy', 'x'],
      ['/d/rows.jsonl', 'rows'], ['/d/big.csv.gz', 'big'], ['/mnist/t10k-images-idx3-ubyte.gz', 't10k-images'],
      ['/mnist/train-images.idx3-ubyte', 'train-images'], ['/photos/cats/', 'cats'], ['/d/notes', 'notes'], ['/d/.csv', '.csv'],
      ['example:iris', 'iris'],
    ]
    expect(cases.map(([p]) => datasetNameOf(p))).toEqual(cases.map(([, n]) => n))
  })

  it('an imported CSV is named without ".csv", its source is the file name; a name given at import wins', async () => {
    const { summary } = await load(fx('csv', 'mixed.csv'))
    expect(summary.name).toBe('mixed')
    expect(summary.source).toBe('mixed.csv')
    const named = await load(fx('csv', 'mixed.csv'), { name: 'flowers' })
    expect(named.summary.name).toBe('flowers')
  })
})
