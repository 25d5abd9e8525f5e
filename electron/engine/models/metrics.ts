import * as tf from '@tensorflow/tfjs-core'

// The one definition of a classifier's loss and accuracy used by training, validation and evaluation:
//   loss     = (1/n) Σ_i −log softmax(f(x_i))_{y_i}   (softmax cross-entropy on the logits, natural log),
//   accuracy = (1/n) Σ_i [argmax_k f(x_i)_k = y_i]     (ties go to the lowest index, as argMax does).
// Accuracy is core/metrics.ts's definition (docs/math.md §4), computed here on the device so training does not
// read every batch's logits back; evaluation uses core/metrics.ts itself. These return sums over the batch
// so callers can accumulate across batches before dividing by n.

/** Σ_i −log softmax(logits_i)[labels_i] (a scalar tensor). */
export function crossEntropySum(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits)
    const picked = tf.sum(tf.mul(logp, tf.oneHot(labels, logits.shape[1]!)))
    return tf.neg(picked) as tf.Scalar
  })
}

/** number of rows whose argmax equals the label (a scalar tensor). */
export function accuracyCount(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar)
}
