import { UserError } from '../../../shared/errors'
import type { RawTargets } from './types'
import { assertFiniteArray } from '../core/finite'

export interface EncodedTargets {
  y: Int32Array | Float32Array
  yShape: number[]
  task: 'classification' | 'regression'
  classNames?: string[]
  classCounts?: number[]
}

/** Integer labels with at most this many distinct values are read as classes when the task is 'auto'. */
const MAX_AUTO_CLASSES = 100

const collator = new Intl.Collator('en', { numeric: true })

function classesFrom(keys: string[]): { indices: Int32Array; names: string[] } {
  const names = [...new Set(keys)].sort(collator.compare)
  const index = new Map(names.map((n, i) => [n, i]))
  const indices = new Int32Array(keys.length)
  for (let i = 0; i < keys.length; i++) indices[i] = index.get(keys[i]!)!
  return { indices, names }
}

function finish(indices: Int32Array, names: string[], name: string, where: string): EncodedTargets {
  const counts = new Array<number>(names.length).fill(0)
  for (let i = 0; i < indices.length; i++) counts[indices[i]!]!++
  const present = counts.filter((c) => c > 0).length
  if (present < 2) {
    throw new UserError(
      'single_class',
      `${name}: every row has the same label ${JSON.stringify(names[0] ?? '')} in ${where}; classification needs at least two classes`,
      'Check that the right label column / y array was chosen, or import the labels as a regression target (task: regression).',
    )
  }
  return { y: indices, yShape: [indices.length], task: 'classification', classNames: names, classCounts: counts }
}

function checkFinite(values: ArrayLike<number>, name: string, where: string): void {
  assertFiniteArray(values, `${name}: ${where}`, 'Remove or replace NaN/Inf targets before importing.')
}

function isOneHot(v: ArrayLike<number>, n: number, k: number): boolean {
  for (let r = 0; r < n; r++) {
    let ones = 0
    for (let c = 0; c < k; c++) {
      const e = v[r * k + c]!
      if (e === 1) ones++
      else if (e !== 0) return false
    }
    if (ones !== 1) return false
  }
  return true
}

/** Turns raw targets into stored targets: class indices (with names and counts) or regression values. */
export function encodeTargets(raw: RawTargets, task: 'auto' | 'classification' | 'regression', name: string, where = 'the labels'): EncodedTargets {
  if (raw.kind === 'classes') {
    if (task === 'regression') return { y: Float32Array.from(raw.indices), yShape: [raw.indices.length], task: 'regression' }
    return finish(raw.indices, raw.names, name, where)
  }
  if (raw.kind === 'text') {
    if (task === 'regression') {
      const v = Float32Array.from(raw.values, (s) => Number(s))
      for (let i = 0; i < v.length; i++) {
        if (raw.values[i]!.trim() === '' || !Number.isFinite(v[i]!)) {
          throw new UserError('not_numeric', `${name}: regression target ${JSON.stringify(raw.values[i])} in row ${i + 1} of ${where} is not a number`, 'Use task: classification for text labels.')
        }
      }
      return { y: v, yShape: [v.length], task: 'regression' }
    }
    const { indices, names } = classesFrom(raw.values)
    return finish(indices, names, name, where)
  }
  const { values, shape } = raw
  checkFinite(values, name, where)
  const n = shape[0] ?? 0
  const k = shape.length <= 1 ? 1 : shape.slice(1).reduce((a, b) => a * b, 1)
  if (k > 1) {
    if (task !== 'regression' && isOneHot(values, n, k)) {
      const idx = new Int32Array(n)
      for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) if (values[r * k + c] === 1) idx[r] = c
      return finish(idx, Array.from({ length: k }, (_, i) => String(i)), name, where)
    }
    if (task === 'classification') {
      throw new UserError('bad_labels', `${name}: ${where} has shape (${shape.join(', ')}) but its rows are not one-hot, so they cannot be read as classes`, 'Give class labels as a 1-D array of integers, or import as regression.')
    }
    return { y: Float32Array.from(values), yShape: [n, k], task: 'regression' }
  }
  if (task === 'regression' || (!raw.integer && task === 'auto')) return { y: Float32Array.from(values), yShape: [n], task: 'regression' }
  if (!raw.integer) {
    throw new UserError('bad_labels', `${name}: ${where} holds fractional values, which cannot be class labels`, 'Use integer class labels, or import as regression.')
  }
  const distinct = [...new Set(Array.from(values))].sort((a, b) => a - b)
  if (task === 'auto' && distinct.length > MAX_AUTO_CLASSES) return { y: Float32Array.from(values), yShape: [n], task: 'regression' }
  const index = new Map(distinct.map((v, i) => [v, i]))
  const idx = new Int32Array(n)
  for (let i = 0; i < n; i++) idx[i] = index.get(values[i]!)!
  return finish(idx, distinct.map(String), name, where)
}

/** true when every value is an integer */
export function allIntegers(v: ArrayLike<number>): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isInteger(v[i]!)) return false
  return true
}
