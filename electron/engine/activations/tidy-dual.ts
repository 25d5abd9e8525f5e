import * as tf from '@tensorflow/tfjs-core'
import type { DualMaps } from './types'

/** tf.tidy for a function returning dual maps (tidy's typing only knows TensorContainer). */
export function tidyDual(fn: () => DualMaps): DualMaps {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as DualMaps
}
