import { createReadStream, openSync, readSync, closeSync, fstatSync } from 'node:fs'
import { UserError } from '../../../../shared/errors'
import { checkBudget } from '../limits'
import { finishTable, TableBuilder } from '../tabular'
import { readCsvFast } from './csv-fast'
import type { ParsedDataset, ReadContext } from '../types'

const DELIMITERS = [',', '\t', ';', '|']
const SNIFF_BYTES = 64 * 1024

export interface CsvDialect {
  delimiter: string
  header: boolean
}

/** splits one line on `d`, honouring double quotes (enough for sniffing) */
function splitLine(line: string, d: string): string[] {
  const out: string[] = []
  let cur = ''
  let q = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"'
        i++
      }
      else if (ch === '"') q = false
      else cur += ch
    } else if (ch === '"') q = true
    else if (ch === d) {
      out.push(cur)
      cur = ''
    }
    else cur += ch
  }
  out.push(cur)
  return out
}

const isNum = (s: string): boolean => s.trim() !== '' && !Number.isNaN(Number(s.trim()))

/**
 * Delimiter: the candidate splitting the sampled lines into the same number (> 1) of fields most often.
 * Header: the first row has a text cell over a column whose next rows are numbers, or (all-text tables)
 * none of its cells reappears below it in the same column.
 */
export function sniffCsv(sample: string, tsvHint: boolean): CsvDialect {
  const lines = sample.split(/\r?\n/).filter((l) => l.trim() !== '')
  // The last sampled line may be cut in the middle.
  if (lines.length > 2 && !sample.endsWith('\n')) lines.pop()
  const probe = lines.slice(0, 50)
  let best = tsvHint ? '\t' : ','
  let bestScore = -1
  for (const d of DELIMITERS) {
    const counts = probe.map((l) => splitLine(l, d).length)
    const freq = new Map<number, number>()
    for (const c of counts) freq.set(c, (freq.get(c) ?? 0) + 1)
    let mode = 1
    let modeCount = 0
    for (const [c, f] of freq) {
      if (c > 1 && f > modeCount) {
        mode = c
        modeCount = f
      }
    }
    const score = mode > 1 ? modeCount * 1000 + mode + (tsvHint && d === '\t' ? 500 : 0) : -1
    if (score > bestScore) {
      bestScore = score
      best = d
    }
  }
  const rows = probe.map((l) => splitLine(l, best))
  const first = rows[0] ?? []
  const rest = rows.slice(1)
  let header = false
  if (rest.length === 0) header = first.some((c) => !isNum(c))
  else {
    for (let j = 0; j < first.length; j++) {
      if (!isNum(first[j]!) && first[j]!.trim() !== '' && rest.every((r) => r[j] === undefined || isNum(r[j]!) || r[j]!.trim() === '')) header = true
    }
    if (!header && first.every((c) => !isNum(c))) header = first.every((c, j) => rest.every((r) => r[j] !== c))
  }
  return { delimiter: best, header }
}

function readHead(path: string, bytes: number): { text: string; size: number } {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    const buf = Buffer.alloc(Math.min(bytes, size))
    readSync(fd, buf, 0, buf.length, 0)
    return { text: buf.toString('utf8'), size }
  } finally {
    closeSync(fd)
  }
}

function dialectNote(dialect: CsvDialect, ctx: ReadContext): string {
  return `delimiter ${JSON.stringify(dialect.delimiter)}, ${dialect.header ? 'header row' : 'no header row'}${ctx.options.header === undefined ? ' (detected)' : ''}`
}

/** Reads a CSV/TSV file in a stream (csv-parse), reporting progress by bytes read. */
export async function readCsv(path: string, ctx: ReadContext, tsv: boolean): Promise<ParsedDataset> {
  const { text, size } = readHead(path, SNIFF_BYTES)
  if (size === 0 || text.trim() === '') throw new UserError('empty', `${ctx.name}: the file is empty`, 'Choose a file with a header row and data rows.')
  // Each cell costs 5 bytes in memory (float32 + kind); a cell takes at least 2 bytes of text.
  checkBudget(ctx.name, size * 2.5, ctx.budget)
  const sniffed = sniffCsv(text.replace(/^\uFEFF/, ''), tsv)
  const dialect = { delimiter: ctx.options.delimiter ?? sniffed.delimiter, header: ctx.options.header ?? sniffed.header }
  const fast = await readCsvFast(path, ctx, dialect.delimiter, dialect.header, size)
  if (fast !== 'quoted') {
    if (fast.table.rows === 0) throw new UserError('empty', `${ctx.name}: no data rows after the header`, 'The file must hold at least one data row.')
    const parsed = finishTable(fast.table, ctx.options, ctx.name, tsv ? 'tsv' : 'csv', (r) => `line ${r + fast.dataLine0}`)
    parsed.notes.unshift(dialectNote(dialect, ctx))
    return parsed
  }
  const firstFields = splitLine(text.replace(/^\uFEFF/, '').split(/\r?\n/).find((l) => l.trim() !== '') ?? '', dialect.delimiter).length
  let table: TableBuilder | null = null
  let firstLine = 1
  // csv-parse only for quoted files: plain ones never load it (`ntkw data inspect` starts in ≈ 0.3 s).
  const { parse, CsvError } = await import('csv-parse')
  const stream = createReadStream(path)
  const parser = stream.pipe(
    parse({ delimiter: dialect.delimiter, bom: true, skip_empty_lines: true, relax_column_count: false, info: false, trim: false }),
  )
  let count = 0
  try {
    for await (const rec of parser as AsyncIterable<string[]>) {
      if (!table) {
        if (dialect.header) {
          table = new TableBuilder(rec.map((n, j) => n.trim() || `column ${j + 1}`))
          firstLine = 2
          continue
        }
        table = new TableBuilder(rec.map((_, j) => `column ${j + 1}`))
      }
      table.add(rec)
      if (++count % 20000 === 0) {
        ctx.progress(Math.min(0.99, stream.bytesRead / size), `read ${count} rows`)
        await ctx.yield()
      }
    }
  } catch (e) {
    stream.destroy()
    if (e instanceof CsvError) {
      const err = e as InstanceType<typeof CsvError> & { lines?: number; record?: string[] }
      if (err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
        throw new UserError(
          'ragged_rows',
          `${ctx.name}: line ${err.lines} has ${err.record?.length ?? '?'} fields, but the first row has ${table?.names.length ?? firstFields}`,
          `Every row needs the same number of '${dialect.delimiter === '\t' ? '\\t' : dialect.delimiter}'-separated fields; fix that line (a stray delimiter or an unquoted text with one), or choose the delimiter yourself.`,
        )
      }
      throw new UserError('bad_csv', `${ctx.name}: ${err.message}`, 'Check the quoting on that line: fields with delimiters or line breaks must be in double quotes, with inner quotes doubled.')
    }
    throw e
  }
  if (!table || table.rows === 0) throw new UserError('empty', `${ctx.name}: no data rows${table ? ' after the header' : ''}`, 'The file must hold at least one data row.')
  const hdr = firstLine
  const notes = [dialectNote(dialect, ctx)]
  // Line numbers in messages assume one record per line (true unless quoted fields span lines).
  const parsed = finishTable(table, ctx.options, ctx.name, tsv ? 'tsv' : 'csv', (r) => `line ${r + hdr}`)
  parsed.notes.unshift(...notes)
  return parsed
}
