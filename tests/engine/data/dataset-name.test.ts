import { describe, expect, it } from 'vitest'
import { datasetNameOf } from '../../../electron/engine/data/import'
import { fx, load } from './helpers'

// Issue 21: a dataset imported from digits.csv is named "digits"; its file name stays visible as its source.
// Every route (the app's path import, a browser drop's upload, `ntkw data import`) names it through datasetNameOf.

describe('dataset names', () => {
  it('drop the data extensions of the file, keep folder names and example keys', () => {
    expect(datasetNameOf('/data/digits.csv')).toBe('digits')
    expect(datasetNameOf('C:/data/Iris.TSV')).toBe('Iris')
    expect(datasetNameOf('/d/scores.v2.npz')).toBe('scores.v2')
    expect(datasetNameOf('/d/x.npy')).toBe('x')
    expect(datasetNameOf('/d/rows.jsonl')).toBe('rows')
    expect(datasetNameOf('/d/big.csv.gz')).toBe('big')
    expect(datasetNameOf('/mnist/t10k-images-idx3-ubyte.gz')).toBe('t10k-images')
    expect(datasetNameOf('/mnist/train-images.idx3-ubyte')).toBe('train-images')
    expect(datasetNameOf('/photos/cats/')).toBe('cats')
    expect(datasetNameOf('/d/notes')).toBe('notes')
    expect(datasetNameOf('/d/.csv')).toBe('.csv')
    expect(datasetNameOf('example:iris')).toBe('iris')
  })

  it('an imported CSV is named without ".csv", its source is the file name; a name given at import wins', async () => {
    const { summary } = await load(fx('csv', 'mixed.csv'))
    expect(summary.name).toBe('mixed')
    expect(summary.source).toBe('mixed.csv')
    const named = await load(fx('csv', 'mixed.csv'), { name: 'flowers' })
    expect(named.summary.name).toBe('flowers')
  })
})
