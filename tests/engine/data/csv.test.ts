import { describe, expect, it } from 'vitest'
import { sniffCsv } from '../../../electron/engine/data/readers/csv'
import { getDatasetPreview } from '../../../electron/engine/data/dataset-store'
import { argmaxRows, expectImportError, fx, load } from './helpers'

describe('CSV sniffing', () => {
  it('finds the delimiter and the header', () => {
    expect(sniffCsv('a,b,c\n1,2,3\n4,5,6\n', false)).toEqual({ delimiter: ',', header: true })
    expect(sniffCsv('1;2;3\n4;5;6\n', false)).toEqual({ delimiter: ';', header: false })
    expect(sniffCsv('x\ty\n1\t2\n', true)).toEqual({ delimiter: '\t', header: true })
    expect(sniffCsv('"a,1"|b\n"c,2"|d\n"e,3"|f\n', false).delimiter).toBe('|')
    expect(sniffCsv('colour,size\nred,big\nblue,small\n', false).header).toBe(true)
    expect(sniffCsv('red,big\nblue,small\nred,small\n', false).header).toBe(false)
  })
})

describe('CSV/TSV import', () => {
  it('the automatic label column is noted in words for the app and the CLI alike (no "pass label", no flags)', async () => {
    const { summary, db } = await load(fx('csv', 'mixed.csv'))
    const { notes } = getDatasetPreview(db, summary.id).schema
    expect(notes.find((n) => n.startsWith('label column'))).toBe("label column 'label' chosen automatically (to use another, import again naming the label column)")
    expect(notes.join('\n')).not.toMatch(/\bpass\b|--[a-z]/)
  })

  // mixed.csv (python csv module): sepal,width,color,label with a quoted "green, dark"
  const sepal = [5.1, 4.9, 6.2, 5.9, 5.5]
  const width = [3.5, 3.0, 2.9, 3.1, 2.5]
  const color = ['red', 'blue', 'red', 'green, dark', 'blue']
  const label = ['a', 'b', 'b', 'a', 'c']
  const colors = ['blue', 'green, dark', 'red']

  it.each(['mixed.csv', 'mixed.tsv'])('%s: numeric + one-hot categorical features, auto label column', async (file) => {
    const { x, y, summary, db } = await load(fx('csv', file))
    expect(summary.format).toBe(file.endsWith('.tsv') ? 'tsv' : 'csv')
    expect(summary.rows).toBe(5)
    expect(summary.task).toBe('classification')
    const preview = getDatasetPreview(db, summary.id)
    expect(preview.schema.labelColumn).toBe('label')
    expect(preview.schema.featureNames).toEqual(['sepal', 'width', 'color=blue', 'color=green, dark', 'color=red'])
    expect(preview.schema.classNames).toEqual(['a', 'b', 'c'])
    expect(preview.schema.classCounts).toEqual([2, 2, 1])
    expect(x.cols).toBe(5)
    for (let r = 0; r < 5; r++) {
      const row = Array.from(x.data.subarray(r * 5, r * 5 + 5))
      expect(row[0]).toBeCloseTo(sepal[r]!, 6)
      expect(row[1]).toBeCloseTo(width[r]!, 6)
      expect(row.slice(2)).toEqual(colors.map((c) => (c === color[r] ? 1 : 0)))
    }
    expect(argmaxRows(y!)).toEqual(label.map((l) => ['a', 'b', 'c'].indexOf(l)))
    expect(preview.labels).toEqual(label)
    const cs = preview.schema.columns!
    expect(cs[0]!.min).toBeCloseTo(4.9, 6)
    expect(cs[0]!.max).toBeCloseTo(6.2, 6)
    expect(cs[0]!.mean).toBeCloseTo(sepal.reduce((a, b) => a + b) / 5, 5)
    const m = sepal.reduce((a, b) => a + b) / 5
    expect(cs[0]!.std).toBeCloseTo(Math.sqrt(sepal.reduce((a, b) => a + (b - m) ** 2, 0) / 5), 5)
  })

  it('index encoding of categories, explicit label column by name, dropped column', async () => {
    const { x, y, summary, db } = await load(fx('csv', 'mixed.csv'), { categorical: 'index', label: 'color', drop: ['width'] })
    const s = getDatasetPreview(db, summary.id).schema
    expect(s.featureNames).toEqual(['sepal', 'label'])
    expect(s.classNames).toEqual(['blue', 'green, dark', 'red'])
    expect(Array.from(x.data.filter((_, i) => i % 2 === 1))).toEqual(label.map((l) => ['a', 'b', 'c'].indexOf(l)))
    expect(argmaxRows(y!)).toEqual(color.map((c) => colors.indexOf(c)))
  })

  it('no header, semicolons, last column as integer classes', async () => {
    const { x, y, summary } = await load(fx('csv', 'semicolon_noheader.csv'))
    expect(summary.xShape).toEqual([8, 2])
    for (let i = 0; i < 8; i++) {
      expect(x.data[i * 2]).toBe(i * 0.5)
      expect(x.data[i * 2 + 1]).toBe((i % 3) * 2 - 1)
    }
    expect(argmaxRows(y!)).toEqual([0, 1, 0, 1, 0, 1, 0, 1])
  })

  it('an empty column from a trailing delimiter is left out, and the label is the last real column', async () => {
    const { x, y, summary, db } = await load(fx('csv', 'trailing_delimiter.csv'))
    const s = getDatasetPreview(db, summary.id).schema
    expect(s.featureNames).toEqual(['a', 'b'])
    expect(s.labelColumn).toBe('y')
    expect(Array.from(x.data)).toEqual([1, 2, 3, 4])
    expect(argmaxRows(y!)).toEqual([0, 1])
  })

  it('regression target', async () => {
    const { y, summary } = await load(fx('csv', 'regression.csv'))
    expect(summary.task).toBe('regression')
    expect(Array.from(y!.data)).toEqual([0.25, 2.75, -1.125])
  })

  it('missing values: refused by default, dropped, or mean-imputed', async () => {
    const e = await expectImportError(fx('csv', 'missing.csv'), 'missing_values', /'a' \(1 missing, first line 5\).*'b' \(1 missing, first line 3\)/)
    expect(e.hint).toMatch(/drop.*mean/)
    const dropped = await load(fx('csv', 'missing.csv'), { missing: 'drop' })
    expect(Array.from(dropped.x.data)).toEqual([1, 10, 3, 30, 5, 50])
    const imputed = await load(fx('csv', 'missing.csv'), { missing: 'mean' })
    // mean of a = (1+2+3+5)/4 = 2.75; mean of b = (10+30+40+50)/4 = 32.5
    expect(Array.from(imputed.x.data)).toEqual([1, 10, 2, 32.5, 3, 30, 2.75, 40, 5, 50])
    const p = getDatasetPreview(imputed.db, imputed.summary.id)
    expect(p.schema.columns!.map((c) => c.missing)).toEqual([1, 1])
  })

  it('bad input: empty, header only, ragged rows, non-numeric cell, Inf, single class, unknown column', async () => {
    await expectImportError(fx('csv', 'empty.csv'), 'empty', /empty/)
    await expectImportError(fx('csv', 'header_only.csv'), 'empty', /no data rows/)
    await expectImportError(fx('csv', 'ragged.csv'), 'ragged_rows', /line 4 has 4 fields, but the first row has 3/)
    await expectImportError(fx('csv', 'non_numeric.csv'), 'not_numeric', /column 'b' is numeric, but line 4 holds "oops"/)
    await expectImportError(fx('csv', 'inf.csv'), 'non_finite', /Infinity at row 1, column 1/)
    await expectImportError(fx('csv', 'single_class.csv'), 'single_class', /same label "cat"/)
    await expectImportError(fx('csv', 'mixed.csv'), 'no_such_column', /no column "nope"/, { label: 'nope' })
    await expectImportError(fx('csv', 'mixed.csv'), 'too_large', /more than the .* this import may use/, { maxBytes: 100 })
  })

  it('a single class is fine as a regression target when asked', async () => {
    const { summary } = await load(fx('csv', 'semicolon_noheader.csv'), { task: 'regression' })
    expect(summary.task).toBe('regression')
  })
})

describe('fast decimal parsing agrees with Number()', () => {
  it('on 20 000 random decimal strings, and declines what it cannot parse exactly', async () => {
    const { plainDecimal } = await import('../../../electron/engine/data/readers/csv-fast')
    const { uniformStream } = await import('../../../electron/engine/core/random')
    const rand = uniformStream(11)
    const chars = '0123456789.-+e '
    let parsed = 0
    for (let i = 0; i < 20000; i++) {
      let s = ''
      if (i % 2 === 0) {
        // well-formed decimals of many lengths
        s = (rand() < 0.3 ? '-' : '') + String(Math.floor(rand() * 10 ** Math.floor(rand() * 12))) + (rand() < 0.7 ? '.' + String(Math.floor(rand() * 1e9)).padStart(Math.floor(rand() * 12), '0') : '')
      } else {
        const n = 1 + Math.floor(rand() * 8)
        for (let k = 0; k < n; k++) s += chars[Math.floor(rand() * chars.length)]
      }
      const v = plainDecimal(s, 0, s.length)
      if (Number.isNaN(v)) continue
      parsed++
      expect(Object.is(v, Number(s)), s).toBe(true)
    }
    expect(parsed).toBeGreaterThan(9000)
  })
})
