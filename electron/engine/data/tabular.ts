import type { ImportOptions, SourceColumn } from '../../../shared/dataset'
import { UserError } from '../../../shared/errors'
import type { ParsedDataset, RawTargets } from './types'

// Tabular data (CSV/TSV, JSON records) arrives cell by cell into typed column buffers; column types,
// the label, missing values and categorical encoding are decided once every row is in.

const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?'])
const INF = /^\s*([+-]?)inf(inity)?\s*$/i
const LABEL_NAMES = ['label', 'labels', 'target', 'class', 'y']
/** a text column with more distinct values than this (and than half the rows) is an identifier, not a category */
const MAX_CATEGORIES = 1000

const K_NUM = 0
const K_MISSING = 1
const K_TEXT = 2

class ColumnBuffer {
  vals = new Float32Array(1024)
  kind = new Uint8Array(1024)
  dict = new Map<string, number>()
  texts: string[] = []
  nNum = 0
  nText = 0
  nMissing = 0
  firstText = -1

  grow(cap: number): void {
    const v = new Float32Array(cap)
    v.set(this.vals)
    this.vals = v
    const k = new Uint8Array(cap)
    k.set(this.kind)
    this.kind = k
  }

  text(row: number, s: string): void {
    let code = this.dict.get(s)
    if (code === undefined) {
      code = this.texts.length
      this.dict.set(s, code)
      this.texts.push(s)
    }
    this.vals[row] = code
    this.kind[row] = K_TEXT
    this.nText++
    if (this.firstText < 0) this.firstText = row
  }
}

export function suggestLabelColumn(names: string[]): number {
  for (const want of LABEL_NAMES) {
    const i = names.findIndex((n) => n.trim().toLowerCase() === want)
    if (i >= 0) return i
  }
  return names.length - 1
}

export class TableBuilder {
  readonly columns: ColumnBuffer[]
  rows = 0
  private cap = 1024

  constructor(readonly names: string[]) {
    this.columns = names.map(() => new ColumnBuffer())
  }

  /** one row of cells: strings (CSV) or JSON values */
  add(cells: ArrayLike<unknown>): void {
    this.startRow()
    for (let j = 0; j < this.columns.length; j++) this.cell(j, cells[j])
    this.rows++
  }

  /** makes room for one more row; fill it with cell()/number(), then endRow() */
  startRow(): void {
    if (this.rows >= this.cap) {
      this.cap *= 2
      for (const c of this.columns) c.grow(this.cap)
    }
  }

  endRow(): void {
    this.rows++
  }

  /** a cell already known to be a finite decimal number */
  number(j: number, v: number): void {
    const col = this.columns[j]!
    col.vals[this.rows] = v
    col.kind[this.rows] = K_NUM
    col.nNum++
  }

  cell(j: number, cell: unknown): void {
    const r = this.rows
    const col = this.columns[j]!
    if (typeof cell === 'number') {
      col.vals[r] = cell
      col.kind[r] = K_NUM
      col.nNum++
      return
    }
    if (cell === null || cell === undefined) {
      col.kind[r] = K_MISSING
      col.nMissing++
      return
    }
    const s = typeof cell === 'string' ? cell : typeof cell === 'boolean' ? String(cell) : JSON.stringify(cell)
    const t = s.trim()
    if (MISSING.has(t.toLowerCase())) {
      col.kind[r] = K_MISSING
      col.nMissing++
      return
    }
    const v = Number(t)
    if (!Number.isNaN(v)) {
      col.vals[r] = v
      col.kind[r] = K_NUM
      col.nNum++
      return
    }
    const inf = INF.exec(t)
    if (inf) {
      col.vals[r] = inf[1] === '-' ? -Infinity : Infinity
      col.kind[r] = K_NUM
      col.nNum++
      return
    }
    col.text(r, t)
  }
}

function resolveColumn(spec: string | number, names: string[], what: string, file: string): number {
  if (typeof spec === 'number') {
    if (spec < names.length) return spec
  } else {
    const i = names.indexOf(spec)
    if (i >= 0) return i
    const ci = names.findIndex((n) => n.toLowerCase() === spec.toLowerCase())
    if (ci >= 0) return ci
    if (/^\d+$/.test(spec) && Number(spec) < names.length) return Number(spec)
  }
  throw new UserError('no_such_column', `${file}: no column ${JSON.stringify(spec)} for ${what}`, `Columns: ${names.map((n) => JSON.stringify(n)).join(', ')} (or a 0-based index).`)
}

function rowList(kind: Uint8Array, rows: number, want: number, max = 5): number[] {
  const out: number[] = []
  for (let r = 0; r < rows && out.length < max; r++) if (kind[r] === want) out.push(r)
  return out
}

/**
 * Decides column roles and types and builds x/y. `rowLabel(r)` names a data row in messages (e.g. its line
 * number in the file).
 */
export function finishTable(t: TableBuilder, options: ImportOptions, file: string, format: ParsedDataset['format'], rowLabel: (r: number) => string): ParsedDataset {
  const names = t.names
  const n = t.rows
  const notes: string[] = []
  if (n === 0) throw new UserError('empty', `${file}: no data rows`, 'The file must hold at least one data row after the header.')
  const dropped = new Set(options.drop.map((d) => resolveColumn(d, names, '--drop', file)))
  const forcedCat = new Set(options.categoricalColumns.map((d) => resolveColumn(d, names, 'categorical columns', file)))
  // Entirely empty columns (e.g. from a trailing delimiter on every line) carry nothing: leave them out.
  const empty = names.map((_, j) => j).filter((j) => t.columns[j]!.nMissing === n && !dropped.has(j))
  for (const j of empty) dropped.add(j)
  if (empty.length > 0) notes.push(`empty column${empty.length > 1 ? 's' : ''} ${empty.map((j) => `'${names[j]}'`).join(', ')} left out`)
  let label = -1
  if (options.label === 'none') label = -1
  else if (options.label !== undefined) {
    label = resolveColumn(options.label, names, 'the label', file)
    dropped.delete(label)
  } else {
    const candidates = names.map((_, j) => j).filter((j) => !dropped.has(j))
    if (candidates.length > 1) {
      label = candidates[suggestLabelColumn(candidates.map((j) => names[j]!))]!
      notes.push(`label column '${names[label]}' chosen automatically (to use another, import again naming the label column)`)
    }
  }
  const types = names.map((_, j) => {
    const c = t.columns[j]!
    if (forcedCat.has(j) || c.nText === 0 || j === label) return forcedCat.has(j) || c.nText > 0 ? 'categorical' : 'numeric'
    if (c.nNum >= c.nText) {
      const r = c.firstText
      throw new UserError(
        'not_numeric',
        `${file}: column '${names[j]}' is numeric, but ${rowLabel(r)} holds ${JSON.stringify(c.texts[c.vals[r]!])}` + (c.nText > 1 ? ` (${c.nText} such cells)` : ''),
        `Fix or blank out those cells (blank cells count as missing), or treat the column as categories with categoricalColumns: ['${names[j]}'].`,
      )
    }
    return 'categorical'
  }) as ('numeric' | 'categorical')[]

  // Missing values: refuse, drop rows, or impute (mean for numbers, a '(missing)' category for text).
  const featureCols = names.map((_, j) => j).filter((j) => j !== label && !dropped.has(j))
  const withMissing = [...featureCols, ...(label >= 0 ? [label] : [])].filter((j) => t.columns[j]!.nMissing > 0)
  const keep = new Uint8Array(n).fill(1)
  if (withMissing.length > 0) {
    if (options.missing === 'error') {
      const desc = withMissing
        .slice(0, 3)
        .map((j) => `'${names[j]}' (${t.columns[j]!.nMissing} missing, first ${rowList(t.columns[j]!.kind, n, K_MISSING, 3).map(rowLabel).join(', ')})`)
        .join('; ')
      throw new UserError('missing_values', `${file}: missing values in column${withMissing.length > 1 ? 's' : ''} ${desc}`, "Choose what to do with them: missing 'drop' removes those rows, missing 'mean' fills in the column mean (CLI: --missing drop|mean).")
    }
    for (const j of withMissing) {
      if (options.missing === 'drop' || j === label) {
        const k = t.columns[j]!.kind
        for (let r = 0; r < n; r++) if (k[r] === K_MISSING) keep[r] = 0
      }
    }
  }
  const rows: number[] = []
  for (let r = 0; r < n; r++) if (keep[r]) rows.push(r)
  if (rows.length < n) notes.push(`${n - rows.length} of ${n} rows dropped for missing values`)
  if (rows.length === 0) throw new UserError('empty', `${file}: every row has a missing value, nothing is left after dropping them`, "Use missing 'mean' to impute instead, or drop the emptiest column.")

  // Feature layout.
  const sourceColumns: SourceColumn[] = []
  const featureNames: string[] = []
  const plans: { j: number; kind: 'numeric' | 'one-hot' | 'index'; mean: number; cats: string[]; order: Int32Array }[] = []
  for (let j = 0; j < names.length; j++) {
    const c = t.columns[j]!
    const type = types[j]!
    const role = j === label ? 'label' : dropped.has(j) ? 'dropped' : 'feature'
    let cats: string[] = []
    let order = new Int32Array(0)
    if (type === 'categorical') {
      // Category names: text cells and numeric cells written as text, sorted naturally.
      const all = new Set<string>(c.texts)
      for (let r = 0; r < n; r++) if (c.kind[r] === K_NUM) all.add(String(c.vals[r]))
      if (role === 'feature' && options.missing === 'mean' && c.nMissing > 0) all.add('(missing)')
      cats = [...all].sort(new Intl.Collator('en', { numeric: true }).compare)
      if (role === 'feature' && cats.length > MAX_CATEGORIES && cats.length > n / 2) {
        throw new UserError('too_many_categories', `${file}: column '${names[j]}' has ${cats.length} distinct text values; it looks like an identifier, not a feature`, `Leave it out with drop: ['${names[j]}'] (CLI: --drop '${names[j]}').`)
      }
      const idx = new Map(cats.map((s, i) => [s, i]))
      order = Int32Array.from(c.texts, (s) => idx.get(s)!)
    }
    sourceColumns.push({ name: names[j]!, type, role, missing: c.nMissing, ...(type === 'categorical' ? { categories: cats } : {}) })
    if (role !== 'feature') continue
    let mean = 0
    if (type === 'numeric') {
      let s = 0
      let m = 0
      for (const r of rows) {
        if (c.kind[r] === K_NUM) {
          s += c.vals[r]!
          m++
        }
      }
      mean = m > 0 ? s / m : 0
      if (c.nMissing > 0 && options.missing === 'mean') notes.push(`${c.nMissing} missing values in '${names[j]}' set to the column mean ${mean.toPrecision(6)}`)
      featureNames.push(names[j]!)
      plans.push({ j, kind: 'numeric', mean, cats, order })
    } else if (options.categorical === 'one-hot') {
      for (const cat of cats) featureNames.push(`${names[j]}=${cat}`)
      plans.push({ j, kind: 'one-hot', mean, cats, order })
    } else {
      featureNames.push(names[j]!)
      plans.push({ j, kind: 'index', mean, cats, order })
    }
  }
  const d = featureNames.length
  const x = new Float32Array(rows.length * d)
  let off = 0
  for (const p of plans) {
    const c = t.columns[p.j]!
    const pos = new Map(p.cats.map((s, i) => [s, i]))
    const catIndex = (r: number): number => {
      if (c.kind[r] === K_TEXT) return p.order[c.vals[r]!]!
      return pos.get(c.kind[r] === K_NUM ? String(c.vals[r]) : '(missing)')!
    }
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!
      const o = i * d + off
      if (p.kind === 'numeric') x[o] = c.kind[r] === K_NUM ? c.vals[r]! : p.mean
      else if (p.kind === 'index') x[o] = catIndex(r)
      else x[o + catIndex(r)] = 1
    }
    off += p.kind === 'one-hot' ? p.cats.length : 1
  }
  if (plans.some((p) => p.kind !== 'numeric')) notes.push(`categorical columns ${options.categorical === 'one-hot' ? 'one-hot' : 'index'} encoded`)

  let y: RawTargets | null = null
  if (label >= 0) {
    const c = t.columns[label]!
    if (types[label] === 'categorical') {
      // As text, so classes are the categories present in the kept rows.
      y = { kind: 'text', values: rows.map((r) => (c.kind[r] === K_TEXT ? c.texts[c.vals[r]!]! : String(c.vals[r]))) }
    } else {
      const v = Float64Array.from(rows, (r) => c.vals[r]!)
      let integer = true
      for (let i = 0; i < v.length; i++) if (!Number.isInteger(v[i]!)) integer = false
      y = { kind: 'numeric', values: v, shape: [v.length], integer }
    }
  }
  const labelColumn = label >= 0 ? names[label] : undefined
  return { format, x, xShape: [rows.length, d], y, featureNames, sourceColumns, ...(labelColumn !== undefined ? { labelColumn } : {}), notes }
}
