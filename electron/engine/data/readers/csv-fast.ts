import { closeSync, openSync, readSync } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'
import { UserError } from '../../../../shared/errors'
import { TableBuilder } from '../tabular'
import type { ReadContext } from '../types'

// Fast path for CSV files without any double quote (most numeric exports): lines are split with indexOf,
// and plain decimals are parsed in place. A decimal with ≤ 15 significant digits and k ≤ 22 fraction digits
// is m / 10^k with m and 10^k exact doubles, so the one division is correctly rounded: the same value as
// Number(text). Everything else goes through the general cell path. Files with quotes return 'quoted' and
// are read by csv-parse instead.

const CHUNK = 4 << 20
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k)

/** the decimal in text[a, b), or NaN when it is not a plain decimal (exponent, spaces, text, too long) */
export function plainDecimal(t: string, a: number, b: number): number {
  let i = a
  let neg = false
  let c = t.charCodeAt(i)
  if (c === 45 || c === 43) {
    neg = c === 45
    i++
  }
  let m = 0
  let digits = 0
  let frac = -1
  for (; i < b; i++) {
    c = t.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      if (digits > 0 || c !== 48) digits++
      m = m * 10 + (c - 48)
      if (frac >= 0) frac++
    } else if (c === 46 && frac < 0) frac = 0
    else return NaN
  }
  const intDigits = frac < 0 ? b - a : 0
  if (digits > 15 || frac > 22 || (frac < 0 && intDigits === (neg || t.charCodeAt(a) === 43 ? 1 : 0))) return NaN
  if (frac === 0 && b - a === (neg || t.charCodeAt(a) === 43 ? 2 : 1)) return NaN // "." alone
  const v = frac > 0 ? m / POW10[frac]! : m
  return neg ? -v : v
}

export interface FastCsvResult {
  table: TableBuilder
  dataLine0: number
}

export async function readCsvFast(path: string, ctx: ReadContext, delimiter: string, header: boolean, size: number): Promise<FastCsvResult | 'quoted'> {
  const fd = openSync(path, 'r')
  const buf = Buffer.alloc(CHUNK)
  const decoder = new StringDecoder('utf8')
  let table: TableBuilder | null = null
  let width = 0
  let lineNo = 0
  let dataLine0 = 0
  let carry = ''
  let pos = 0
  let first = true

  const line = (t: string, a: number, b: number): void => {
    lineNo++
    if (b > a && t.charCodeAt(b - 1) === 13) b--
    if (a === b) return
    if (!table) {
      const cells: string[] = []
      for (let s = a; ; ) {
        const d = t.indexOf(delimiter, s)
        const e = d < 0 || d > b ? b : d
        cells.push(t.slice(s, e))
        if (e === b) break
        s = e + 1
      }
      width = cells.length
      table = new TableBuilder(header ? cells.map((n, j) => n.trim() || `column ${j + 1}`) : cells.map((_, j) => `column ${j + 1}`))
      dataLine0 = header ? lineNo + 1 : lineNo
      if (header) return
    }
    const tb = table
    tb.startRow()
    let j = 0
    for (let s = a; ; ) {
      const d = t.indexOf(delimiter, s)
      const e = d < 0 || d > b ? b : d
      if (j < width) {
        const v = e > s ? plainDecimal(t, s, e) : NaN
        if (v === v) tb.number(j, v)
        else tb.cell(j, t.slice(s, e))
      }
      j++
      if (e === b) break
      s = e + 1
    }
    if (j !== width) {
      throw new UserError(
        'ragged_rows',
        `${ctx.name}: line ${lineNo} has ${j} fields, but the first row has ${width}`,
        `Every row needs the same number of '${delimiter === '\t' ? '\\t' : delimiter}'-separated fields; fix that line (a stray delimiter or an unquoted text with one), or choose the delimiter yourself.`,
      )
    }
    tb.endRow()
  }

  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, pos)
      pos += n
      let text = carry + (n > 0 ? decoder.write(buf.subarray(0, n)) : decoder.end())
      if (first) {
        text = text.replace(/^\uFEFF/, '')
        first = false
      }
      if (text.indexOf('"') >= 0) return 'quoted'
      let start = 0
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        line(text, start, nl)
        start = nl + 1
      }
      carry = text.slice(start)
      if (n === 0) {
        if (carry.length > 0) line(carry, 0, carry.length)
        break
      }
      ctx.progress(Math.min(0.99, pos / size), `read ${table ? (table as TableBuilder).rows : 0} rows`)
      await ctx.yield()
    }
  } finally {
    closeSync(fd)
  }
  if (!table) throw new UserError('empty', `${ctx.name}: the file is empty`, 'Choose a file with a header row and data rows.')
  return { table, dataLine0 }
}
