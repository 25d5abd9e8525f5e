import type { ImportOptionsInput } from '../../../../shared/dataset'

/** The import options form: every field blank/auto means "let the importer detect it". */
export interface ImportOptionsForm {
  name: string
  label: string
  task: 'auto' | 'classification' | 'regression'
  delimiter: 'auto' | ',' | ';' | 'tab' | '|'
  header: 'auto' | 'yes' | 'no'
  missing: 'error' | 'drop' | 'mean'
  categorical: 'one-hot' | 'index'
  size: string
  color: 'auto' | 'grayscale' | 'rgb'
}

export function blankImportOptions(): ImportOptionsForm {
  return { name: '', label: '', task: 'auto', delimiter: 'auto', header: 'auto', missing: 'error', categorical: 'one-hot', size: '', color: 'auto' }
}

/** Form → API options (only what the user set), or an error message naming the bad field. */
export function optionsFromForm(f: ImportOptionsForm): { options: ImportOptionsInput } | { error: string } {
  const o: ImportOptionsInput = {}
  if (f.name.trim()) o.name = f.name.trim()
  const label = f.label.trim()
  if (label) o.label = /^\d+$/.test(label) ? Number(label) : label
  if (f.task !== 'auto') o.task = f.task
  if (f.delimiter !== 'auto') o.delimiter = f.delimiter === 'tab' ? '\t' : f.delimiter
  if (f.header !== 'auto') o.header = f.header === 'yes'
  if (f.missing !== 'error') o.missing = f.missing
  if (f.categorical !== 'one-hot') o.categorical = f.categorical
  if (f.color !== 'auto') o.color = f.color
  const size = f.size.trim()
  if (size) {
    const m = /^(\d+)\s*(?:[x×,]\s*(\d+))?$/.exec(size)
    const h = m ? Number(m[1]) : NaN
    const w = m ? Number(m[2] ?? m[1]) : NaN
    if (!m || h < 1 || w < 1 || h > 1024 || w > 1024) return { error: 'Image size: give H or H×W between 1 and 1024, e.g. 28 or 32×32' }
    o.size = [h, w]
  }
  return { options: o }
}
