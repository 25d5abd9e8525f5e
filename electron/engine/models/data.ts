import * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../shared/errors'

// Turning user arrays into model inputs and class labels, with errors that name both shapes.

export interface ArrayLikeNd {
  data: ArrayLike<number | bigint>
  /** full shape including the batch dimension */
  shape: number[]
  /** integer dtypes mark class ids (npy i1..u8) */
  integer?: boolean
}

const fmt = (s: (number | null)[]): string => `[${s.map((v) => (v === null ? 'n' : String(v))).join(', ')}]`

/** x as a float32 tensor [n, ...inputShape]; rows are reshaped when their sizes agree. */
export function inputTensor(x: ArrayLikeNd, inputShape: number[], name = 'x'): tf.Tensor {
  const n = x.shape[0] ?? 0
  const per = x.shape.slice(1).reduce((a, b) => a * b, 1)
  const want = inputShape.reduce((a, b) => a * b, 1)
  if (n === 0) throw new UserError('empty_data', `${name} has no rows`)
  if (per !== want) {
    throw new UserError(
      'shape_mismatch',
      `${name} has shape ${fmt(x.shape)} (${per} values per row) but the model expects inputs of shape ${fmt([null, ...inputShape])} (${want} values per row)`,
      'Use data with the features the model was trained on (same image size / number of columns), or train a model for this data.',
    )
  }
  const v = x.data instanceof Float32Array ? x.data : Float32Array.from(x.data as ArrayLike<number>, (t) => Number(t))
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) throw new UserError('non_finite', `${name} contains NaN or Inf (first at row ${Math.floor(i / per)}, value ${i % per})`, 'Remove or impute those values first.')
  }
  return tf.tensor(v, [n, ...inputShape], 'float32')
}

/**
 * Class ids from integer labels ([n] or [n, 1], any integer or integral float dtype) or one-hot rows [n, K].
 * `classes` (the model's outputs) bounds them: a label ≥ classes is an error naming the row.
 */
export function labelIds(y: ArrayLikeNd, classes: number | null, name = 'y'): Int32Array {
  const n = y.shape[0] ?? 0
  const cols = y.shape.length === 1 ? 1 : y.shape.slice(1).reduce((a, b) => a * b, 1)
  const out = new Int32Array(n)
  const d = y.data
  if (cols === 1) {
    for (let i = 0; i < n; i++) {
      const v = Number(d[i]!)
      if (!Number.isInteger(v) || v < 0) {
        throw new UserError('bad_labels', `${name} row ${i} is ${v}, not a class id (an integer ≥ 0)`, 'Labels are integer class ids 0..K−1 (NPY int32/int64/uint8) or one-hot float rows.')
      }
      out[i] = v
    }
  } else {
    for (let i = 0; i < n; i++) {
      let hot = -1
      for (let j = 0; j < cols; j++) {
        const v = Number(d[i * cols + j]!)
        if (v === 1 && hot < 0) hot = j
        else if (v !== 0) {
          hot = -2
          break
        }
      }
      if (hot < 0) throw new UserError('bad_labels', `${name} row ${i} is not a one-hot row (shape ${fmt(y.shape)})`, 'Labels are integer class ids (one column) or one-hot rows with a single 1.')
      out[i] = hot
    }
    if (classes !== null && cols !== classes) {
      throw new UserError('label_out_of_range', `${name} has ${cols} one-hot columns but the model has ${classes} outputs`, 'Use labels for the classes the model was trained on.')
    }
  }
  if (classes !== null) {
    for (let i = 0; i < n; i++) {
      if (out[i]! >= classes) {
        throw new UserError('label_out_of_range', `${name} row ${i} has label ${out[i]} but the model has ${classes} outputs (classes 0..${classes - 1})`, 'Use labels for the classes the model was trained on.')
      }
    }
  }
  return out
}

export function numClassesOf(labels: Int32Array, oneHotCols?: number): number {
  let m = 0
  for (const v of labels) m = Math.max(m, v)
  return Math.max(2, oneHotCols ?? 0, m + 1)
}
