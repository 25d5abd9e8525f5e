import * as tf from '@tensorflow/tfjs-core'

// An empirical kernel of x against x2 runs one forward pass over the rows of [x; x2]; each layer's term is
// then the Gram matrix of the x rows (a) against the x2 rows (b). Without x2 both are the same rows.

/** A row block of a cached forward pass over [x; x2]. */
export interface Blocks {
  n: number
  n2: number
  /** x2 absent: the kernel of x with itself (b = a) */
  same: boolean
}

export function rowsA<T extends tf.Tensor>(t: T, bl: Blocks, axis = 0): T {
  if (bl.same) return t
  const begin = t.shape.map(() => 0)
  const size = t.shape.map((s) => s)
  size[axis] = bl.n
  return tf.slice(t, begin, size) as T
}

export function rowsB<T extends tf.Tensor>(t: T, bl: Blocks, axis = 0): T {
  if (bl.same) return t
  const begin = t.shape.map(() => 0)
  begin[axis] = bl.n
  const size = t.shape.map((s) => s)
  size[axis] = bl.n2
  return tf.slice(t, begin, size) as T
}

/** A Bᵀ with an explicit transpose (the transposed-operand matMul is ~11× slower on wasm). */
export function gram(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(a, tf.transpose(b))
}

/** Gram of the a rows against the b rows of t [N, d]. */
export function gramAB(t: tf.Tensor2D, bl: Blocks): tf.Tensor2D {
  return gram(rowsA(t, bl), rowsB(t, bl))
}
