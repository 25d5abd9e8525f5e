import type { DatasetSummary } from '../../../../shared/dataset'

/** [N, 28, 28, 1] → "28×28×1" (the shape of one row) */
export function rowShape(d: Pick<DatasetSummary, 'xShape'>): string {
  const s = d.xShape.slice(1)
  return s.length ? s.join('×') : '1'
}

/** [N, 30, 4] → "30 × 4" style full shape */
export function fullShape(shape: readonly number[]): string {
  return shape.map((n) => n.toLocaleString('en-US')).join(' × ')
}

export function taskLabel(d: Pick<DatasetSummary, 'task' | 'classes'>): string {
  if (d.task === 'classification') return `${d.classes} classes`
  return d.task === 'regression' ? 'regression' : 'unlabelled'
}

/** Where the data came from, short: the file name or the example's name. */
export function sourceLabel(source: string): string {
  if (source.startsWith('example:')) return `example · ${source.slice(8)}`
  const i = Math.max(source.lastIndexOf('/'), source.lastIndexOf('\\'))
  return i >= 0 ? source.slice(i + 1) : source
}

/**
 * A stored value for a table cell: the shortest decimal that reads back as the same float32, so
 * 0.1f shows as 0.1 and 249999.75 is not rounded to 250000.
 */
export function cell(v: number): string {
  if (Number.isInteger(v) || !Number.isFinite(v)) return String(v)
  const f = Math.fround(v)
  const a = Math.abs(v)
  const sci = a !== 0 && (a >= 1e9 || a < 1e-4)
  for (let p = 1; p <= 9; p++) {
    const t = sci ? v.toExponential(p - 1) : v.toPrecision(p)
    if (Math.fround(Number(t)) === f) return sci ? t : String(Number(t))
  }
  return String(v)
}

/** A derived statistic (mean, std): 5 significant digits are plenty. */
export function stat(v: number): string {
  if (Number.isInteger(v) || !Number.isFinite(v)) return String(v)
  const a = Math.abs(v)
  if (a !== 0 && (a >= 1e9 || a < 1e-4)) return v.toExponential(3)
  return String(Number(v.toPrecision(5)))
}

export const DTYPE_LABEL: Record<string, string> = { f4: 'float32', u1: 'uint8', i4: 'int32' }
