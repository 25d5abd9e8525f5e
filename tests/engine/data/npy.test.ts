import { describe, expect, it } from 'vitest'
import { expectImportError, fx, load } from './helpers'

// Expected values follow the closed formulas of tests/fixtures/data/make_fixtures.py (numpy wrote the files):
const fval = (i: number): number => i * 0.25 - 3
const ival = (i: number, signed: boolean): number => (i % 13) - (signed ? 4 : 0)

describe('NPY import', () => {
  it.each(['f2_le', 'f4_le', 'f8_le', 'f4_be', 'f8_be'])('float dtype %s, shape 4×3', async (tag) => {
    const { x, summary } = await load(fx('npy', `float_${tag}.npy`))
    expect(summary.xShape).toEqual([4, 3])
    expect(summary.task).toBe('none')
    expect(Array.from(x.data)).toEqual(Array.from({ length: 12 }, (_, i) => fval(i)))
  })

  it.each([
    ['i1_le', true],
    ['i2_le', true],
    ['i4_le', true],
    ['i8_le', true],
    ['u1_le', false],
    ['u2_le', false],
    ['u4_le', false],
    ['u8_le', false],
    ['i4_be', true],
    ['u2_be', false],
  ] as const)('integer dtype %s', async (tag, signed) => {
    const { x, summary } = await load(fx('npy', `int_${tag}.npy`))
    expect(summary.xShape).toEqual([4, 3])
    expect(Array.from(x.data)).toEqual(Array.from({ length: 12 }, (_, i) => ival(i, signed)))
  })

  it('bool', async () => {
    const { x } = await load(fx('npy', 'bool.npy'))
    expect(Array.from(x.data)).toEqual(Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 1 : 0)))
  })

  it.each([1, 2, 3])('format version %i.0', async (v) => {
    const { x, summary } = await load(fx('npy', `version${v}.npy`))
    expect(summary.xShape).toEqual([4, 3])
    expect(Array.from(x.data)).toEqual(Array.from({ length: 12 }, (_, i) => fval(i)))
  })

  it('rank 1 becomes one column', async () => {
    const { x } = await load(fx('npy', 'rank1.npy'))
    expect([x.rows, x.cols]).toEqual([5, 1])
    expect(Array.from(x.data)).toEqual([0, 1, 2, 3, 4].map(fval))
  })

  it('rank 3 is kept in the schema and flattened per row', async () => {
    const { x, summary } = await load(fx('npy', 'rank3.npy'))
    expect(summary.xShape).toEqual([2, 3, 4])
    expect([x.rows, x.cols]).toEqual([2, 12])
    expect(Array.from(x.data)).toEqual(Array.from({ length: 24 }, (_, i) => fval(i)))
  })

  it('Fortran order (2-D, 4-D and integer) is read in C order', async () => {
    const a = await load(fx('npy', 'fortran_2d.npy'))
    expect(Array.from(a.x.data)).toEqual(Array.from({ length: 15 }, (_, i) => fval(i)))
    const b = await load(fx('npy', 'rank4_fortran.npy'))
    expect(b.summary.xShape).toEqual([2, 3, 4, 3])
    expect(Array.from(b.x.data)).toEqual(Array.from({ length: 72 }, (_, i) => fval(i)))
    const c = await load(fx('npy', 'fortran_int.npy'))
    expect(Array.from(c.x.data)).toEqual(Array.from({ length: 12 }, (_, i) => ival(i, true)))
  })

  it('bad input: empty, truncated, wrong magic, unsupported dtype, 0-d, NaN, Inf', async () => {
    await expectImportError(fx('npy', 'empty.npy'), 'empty', /empty/)
    await expectImportError(fx('npy', 'truncated.npy'), 'bad_npy', /truncated/)
    await expectImportError(fx('npy', 'bad_magic.npy'), 'bad_npy', /magic/)
    await expectImportError(fx('npy', 'complex.npy'), 'bad_npy', /unsupported dtype '<c8'/)
    await expectImportError(fx('npy', 'scalar.npy'), 'bad_shape', /0-d/)
    await expectImportError(fx('npy', 'nan.npy'), 'non_finite', /NaN at row 1, column 0/)
    await expectImportError(fx('npy', 'inf.npy'), 'non_finite', /Infinity at row 0, column 1/)
  })

  it('a file larger than the memory budget is refused before reading', async () => {
    await expectImportError(fx('npy', 'float_f4_le.npy'), 'too_large', /needs about .* more than the/, { maxBytes: 20 })
  })
})
