import * as tf from '@tensorflow/tfjs-core'

interface WasmHeapBackend {
  typedArrayFromHeap(t: { shape: number[]; dtype: tf.DataType; dataId: object }): Float32Array
  dataIdMap: { has(dataId: object): boolean }
}

/**
 * A float32 tensor's values for reading on this thread, without a copy where the backend allows it: on wasm
 * a view of its heap (valid only until the next tfjs call, which may grow the heap), on cpu its own array;
 * elsewhere a copy (dataSync). Read only. wasm's dataSync copies into a fresh buffer, and on these
 * machines every newly touched MiB costs ~3 ms of page faults, which made the copies of n × n Gram products
 * a visible part of an empirical kernel.
 */
export function readValues(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`readValues: float32 tensors only (got ${t.dtype})`)
  const b = tf.backend() as unknown as Partial<WasmHeapBackend>
  if (tf.getBackend() === 'wasm' && b.typedArrayFromHeap && b.dataIdMap?.has(t.dataId)) return b.typedArrayFromHeap(t)
  return t.dataSync() as Float32Array
}
