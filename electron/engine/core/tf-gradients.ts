import * as tf from '@tensorflow/tfjs-core'
import { createRequire } from 'node:module'

// tfjs-core's gradient table is filled by the side-effect module dist/register_all_gradients, which is ESM with
// extensionless imports: it loads under vitest/bundlers but not from Node's CommonJS resolution, which is what
// the esbuild bundles (CLI, engine host) use. The tfjs-layers Node build registers the same configs into the
// shared global registry, so training code calls this before differentiating.
export function ensureGradients(): void {
  if (tf.getGradient('Neg') && tf.getGradient('LogSoftmax') && tf.getGradient('Softmax')) return
  createRequire(import.meta.url)('@tensorflow/tfjs-layers')
}
