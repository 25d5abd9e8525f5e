import * as tf from '@tensorflow/tfjs-core'

/**
 * The kernel state carried through the layers for one tile of point pairs (docs/math.md §1): Σ (NNGP), Θ (NTK,
 * null = 0, or not tracked), the variances q1 [rows, 1] and q2 [1, cols], and the width of the current
 * representation (input dimension d, then the hidden width; needed by the standard parameterization).
 */
export interface KernelState {
  nngp: tf.Tensor2D
  ntk: tf.Tensor2D | null
  q1: tf.Tensor2D
  q2: tf.Tensor2D
  width: number | 'inf'
  /** track Θ at all (false: NNGP only) */
  trackNtk: boolean
  /** self-kernel diagonal pin, see PairTile */
  pin: tf.Tensor2D | null
}

function tensorsOf(s: KernelState): tf.Tensor[] {
  return [s.nngp, s.ntk, s.q1, s.q2, s.pin].filter((t): t is tf.Tensor2D => t !== null)
}

/**
 * Runs `step` and frees every tensor of the old state that the new one does not reuse (layers may pass
 * tensors through unchanged, e.g. the identity or q under a bias-free unit-variance Dense).
 */
export function advance(state: KernelState, step: (s: KernelState) => KernelState): KernelState {
  const next = tf.tidy(() => step(state) as unknown as tf.TensorContainer) as unknown as KernelState
  const keep = new Set(tensorsOf(next))
  for (const t of tensorsOf(state)) if (!keep.has(t)) t.dispose()
  return next
}

export function disposeState(s: KernelState): void {
  tf.dispose(tensorsOf(s))
}
