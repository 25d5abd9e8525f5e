import { readFileSync, statSync } from 'node:fs'
import { UserError } from '../../../../shared/errors'
import { checkBudget } from '../limits'
import { allIntegers } from '../labels'
import { finishTable, TableBuilder } from '../tabular'
import type { ParsedDataset, RawTargets, ReadContext } from '../types'

// JSON: an array of records [{"a": 1, "label": "cat"}, ...] (tabular), an array of rows [[1, 2, 0], ...],
// or {"x": [[...]], "y": [...]} arrays. JSON Lines: one record or row per line.

function badJson(name: string, e: unknown): never {
  throw new UserError('bad_json', `${name}: not valid JSON (${(e as Error).message})`, 'Check the file with a JSON validator; JSON Lines files need the .jsonl extension (one value per line).')
}

/** Nested number arrays → flat float32 + shape; refuses ragged nesting and non-numbers. */
function tensorOf(v: unknown, name: string, key: string): { data: Float32Array; shape: number[]; integer: boolean; text?: string[] } {
  const shape: number[] = []
  let probe: unknown = v
  while (Array.isArray(probe)) {
    shape.push(probe.length)
    probe = probe[0]
  }
  if (shape.length === 0) throw new UserError('bad_json', `${name}: '${key}' is not an array`, `Give '${key}' as an array with one entry per example.`)
  if (shape.length === 1 && typeof probe === 'string') {
    const text = (v as unknown[]).map((s, i) => {
      if (typeof s !== 'string') throw new UserError('bad_json', `${name}: '${key}'[${i}] is ${JSON.stringify(s)}, expected text like the first entry`, 'Use one type for all labels.')
      return s
    })
    return { data: new Float32Array(0), shape, integer: false, text }
  }
  const count = shape.reduce((a, b) => a * b, 1)
  const data = new Float32Array(count)
  let k = 0
  const walk = (a: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof a !== 'number') throw new UserError('not_numeric', `${name}: ${key}${path} is ${JSON.stringify(a)}, not a number`, 'Arrays must hold numbers only (use null-free, numeric data).')
      data[k++] = a
      return
    }
    if (!Array.isArray(a) || a.length !== shape[depth]) {
      throw new UserError('ragged_rows', `${name}: ${key}${path} has ${Array.isArray(a) ? a.length : 'no'} entries, expected ${shape[depth]} like the first`, 'Every row must have the same length.')
    }
    for (let i = 0; i < a.length; i++) walk(a[i], depth + 1, `${path}[${i}]`)
  }
  walk(v, 0, '')
  return { data, shape, integer: allIntegers(data) }
}

function fromArrays(obj: Record<string, unknown>, ctx: ReadContext, format: 'json' | 'jsonl'): ParsedDataset {
  const keys = Object.keys(obj)
  const xKey = ctx.options.xKey ?? keys.find((k) => ['x', 'X', 'inputs', 'features', 'data'].includes(k))
  const yKey = ctx.options.yKey ?? keys.find((k) => ['y', 'Y', 'labels', 'label', 'targets', 'target'].includes(k))
  if (!xKey || !(xKey in obj)) throw new UserError('choose_arrays', `${ctx.name}: no features array among keys ${keys.join(', ')}`, 'Name it "x" (and the labels "y"), or pass --x-key NAME / --y-key NAME.')
  if (yKey !== undefined && !(yKey in obj)) throw new UserError('no_such_array', `${ctx.name}: no key ${JSON.stringify(yKey)}`, `Keys: ${keys.join(', ')}.`)
  const x = tensorOf(obj[xKey], ctx.name, xKey)
  if (x.text) throw new UserError('not_numeric', `${ctx.name}: '${xKey}' holds text, features must be numbers`, 'Use an array of records for tabular data with text columns.')
  const xShape = x.shape.length === 1 ? [x.shape[0]!, 1] : x.shape
  let y: RawTargets | null = null
  if (yKey) {
    const t = tensorOf(obj[yKey], ctx.name, yKey)
    y = t.text ? { kind: 'text', values: t.text } : { kind: 'numeric', values: t.data, shape: t.shape, integer: t.integer }
  }
  return { format, x: x.data, xShape, y, ...(yKey ? { labelColumn: yKey } : {}), notes: [`features from '${xKey}'` + (yKey ? `, labels from '${yKey}'` : ', no labels')] }
}

function fromRows(items: unknown[], ctx: ReadContext, format: 'json' | 'jsonl', where: (i: number) => string): ParsedDataset {
  const first = items[0]
  if (Array.isArray(first)) {
    const t = new TableBuilder(first.map((_, j) => `column ${j + 1}`))
    items.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== first.length) {
        throw new UserError('ragged_rows', `${ctx.name}: ${where(i)} has ${Array.isArray(row) ? row.length : 'no'} values, the first row has ${first.length}`, 'Every row must have the same number of values.')
      }
      t.add(row)
    })
    return finishTable(t, ctx.options, ctx.name, format, where)
  }
  const names: string[] = []
  const seen = new Set<string>()
  items.forEach((rec, i) => {
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
      throw new UserError('bad_json', `${ctx.name}: ${where(i)} is ${JSON.stringify(rec)?.slice(0, 40)}, expected a record like {"feature": 1.5, "label": "a"}`, 'Use one record (object) per example.')
    }
    for (const k of Object.keys(rec)) {
      if (!seen.has(k)) {
        seen.add(k)
        names.push(k)
      }
    }
  })
  const t = new TableBuilder(names)
  const cells = new Array<unknown>(names.length)
  for (const rec of items as Record<string, unknown>[]) {
    for (let j = 0; j < names.length; j++) cells[j] = rec[names[j]!]
    t.add(cells)
  }
  return finishTable(t, ctx.options, ctx.name, format, where)
}

export async function readJsonFile(path: string, ctx: ReadContext, lines: boolean): Promise<ParsedDataset> {
  const size = statSync(path).size
  // Parsed JSON takes several times its text in memory.
  checkBudget(ctx.name, size * 8, ctx.budget)
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '')
  if (text.trim() === '') throw new UserError('empty', `${ctx.name}: the file is empty`, 'Choose a file with at least one record.')
  const format = lines ? 'jsonl' : 'json'
  if (lines) {
    const items: unknown[] = []
    const lineNo: number[] = []
    text.split('\n').forEach((l, i) => {
      if (l.trim() === '') return
      try {
        items.push(JSON.parse(l))
      } catch (e) {
        badJson(`${ctx.name} line ${i + 1}`, e)
      }
      lineNo.push(i + 1)
    })
    return fromRows(items, ctx, format, (i) => `line ${lineNo[i]}`)
  }
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (e) {
    badJson(ctx.name, e)
  }
  ctx.progress(0.5, 'parsed')
  if (Array.isArray(v)) {
    if (v.length === 0) throw new UserError('empty', `${ctx.name}: the array is empty`, 'Give at least one record.')
    return fromRows(v, ctx, format, (i) => `record ${i}`)
  }
  if (v !== null && typeof v === 'object') return fromArrays(v as Record<string, unknown>, ctx, format)
  throw new UserError('bad_json', `${ctx.name}: holds ${JSON.stringify(v)?.slice(0, 40)}, not a dataset`, 'Use an array of records, or an object {"x": [[...]], "y": [...]}.')
}
