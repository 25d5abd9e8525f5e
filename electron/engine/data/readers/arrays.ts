import type { NpyArray } from '../../io/npy'
import { UserError } from '../../../../shared/errors'
import { allIntegers } from '../labels'
import type { ParsedDataset, RawTargets } from '../types'

/** Any numeric array as float32 (int64 via Number, exact below 2^53). */
export function toFloat32(a: NpyArray['data']): Float32Array {
  if (a instanceof Float32Array) return a
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) return Float32Array.from(a, (v) => Number(v))
  return Float32Array.from(a as ArrayLike<number>)
}

/** Features from an array [N, ...]: uint8/bool stay bytes, everything else becomes float32. */
export function featuresFrom(a: NpyArray, name: string, notes: string[]): Pick<ParsedDataset, 'x' | 'xShape' | 'image'> {
  if (a.shape.length === 0) throw new UserError('bad_shape', `${name}: holds a single number (a 0-d array), not a dataset`, 'Save an array with one row per example.')
  const xShape = a.shape.length === 1 ? [a.shape[0]!, 1] : a.shape.slice()
  if (a.shape.length === 1) notes.push('1-D array read as one feature per row')
  const x = a.data instanceof Uint8Array ? a.data : toFloat32(a.data)
  if (a.dtype === 'f8' || a.dtype === 'i8' || a.dtype === 'u8' || a.dtype === 'i4' || a.dtype === 'u4') notes.push(`${a.dtype} values stored as float32`)
  const r = a.shape.length
  const last = a.shape[r - 1]!
  const image =
    r === 3 ? { height: a.shape[1]!, width: a.shape[2]!, channels: 1 } : r === 4 && [1, 3, 4].includes(last) ? { height: a.shape[1]!, width: a.shape[2]!, channels: last } : undefined
  return { x, xShape, ...(image ? { image } : {}) }
}

export function targetsFrom(a: NpyArray): RawTargets {
  if (a.shape.length === 0) return { kind: 'numeric', values: new Float64Array(0), shape: [0], integer: true }
  const values = a.data instanceof Float64Array || a.data instanceof Float32Array || a.data instanceof Int32Array || a.data instanceof Uint8Array ? a.data : Float64Array.from(a.data as ArrayLike<number | bigint>, (v) => Number(v))
  const integer = a.dtype.startsWith('f') ? allIntegers(values) : true
  return { kind: 'numeric', values, shape: a.shape, integer }
}
