import { describe, expect, it } from 'vitest'
import { argmaxRows, expectImportError, fx, load } from './helpers'

const fval = (i: number): number => i * 0.25 - 3
const labels = [0, 1, 2, 0, 1, 2]

describe('NPZ import', () => {
  it.each(['xy.npz', 'xy_compressed.npz'])('%s: x and y found by name', async (file) => {
    const { x, y, summary } = await load(fx('npz', file))
    expect(summary.xShape).toEqual([6, 2])
    expect(summary.classes).toBe(3)
    expect(Array.from(x.data)).toEqual(Array.from({ length: 12 }, (_, i) => fval(i)))
    expect(argmaxRows(y!)).toEqual(labels)
  })

  it('custom names via keys; one-hot y read as classes', async () => {
    const { x, y, summary } = await load(fx('npz', 'named.npz'), { xKey: 'feats', yKey: 'target' })
    expect(summary.task).toBe('classification')
    expect(Array.from(x.data)).toEqual(Array.from({ length: 12 }, (_, i) => fval(i)))
    expect(argmaxRows(y!)).toEqual(labels)
  })

  it('numpy.savez positional arrays arr_0 / arr_1', async () => {
    const { y, summary } = await load(fx('npz', 'positional.npz'))
    expect(summary.xShape).toEqual([6, 2])
    expect(argmaxRows(y!)).toEqual(labels)
  })

  it('bad input: traversal and absolute names, zip bomb, lying header, single class, count mismatch, missing key', async () => {
    await expectImportError(fx('npz', 'traversal.npz'), 'unsafe_zip', /"\.\.\/evil\.npy"/)
    await expectImportError(fx('npz', 'absolute.npz'), 'unsafe_zip', /"\/abs\.npy"/)
    await expectImportError(fx('npz', 'bomb.npz'), 'too_large', /decompressing x/, { maxBytes: 16 * 1024 * 1024 })
    await expectImportError(fx('npz', 'liar.npz'), 'zip_bomb', /inflates to more than the 1000 bytes/)
    await expectImportError(fx('npz', 'single_class.npz'), 'single_class', /at least two classes/)
    await expectImportError(fx('npz', 'count_mismatch.npz'), 'label_count', /5 labels for 6 examples/)
    await expectImportError(fx('npz', 'xy.npz'), 'no_such_array', /no array named "z"/, { yKey: 'z' })
    await expectImportError(fx('npy', 'empty.npy'), 'empty', /empty/, {}, 'npz')
    await expectImportError(fx('npy', 'float_f4_le.npy'), 'bad_zip', /not a valid \.npz/, {}, 'npz')
  })

  it('the zip bomb imports when the budget allows it (the check is the budget, not the file)', async () => {
    const { summary } = await load(fx('npz', 'bomb.npz'), { maxBytes: 1024 ** 3 })
    expect(summary.xShape).toEqual([4096, 4096])
  })
})
