import { UserError } from '../../../shared/errors'
import { tridiagEig } from './tridiag-dc'
import { applyQ, tridiagonalize } from './tridiagonalize'

// Symmetric eigendecomposition A = V diag(λ) Vᵀ in three matmul-heavy stages:
//   1. blocked Householder tridiagonalisation Qᵀ A Q = T (tfjs float32 for the O(n³) parts),
//   2. divide and conquer on T (float64 secular equations, merges as matmuls),
//   3. back-transformation V = Q Z with compact-WY block reflectors.
// Implicit QL with eigenvectors would spend 3n³ flops in plain-JS Givens rotations (≈ 40 s at n = 2000 on
// these machines, 0.9 GFLOP/s measured); divide and conquer puts them in tfjs matmul (≈ 18 GFLOP/s).

export interface Eigh {
  n: number
  /** ascending */
  values: Float64Array
  /** row-major n×n float32, column i = eigenvector of values[i] */
  vectors: Float32Array
}

export async function eigh(a: Float32Array, n: number, opts: { onStep?: (fraction: number) => Promise<void> | void } = {}): Promise<Eigh> {
  if (n === 0) return { n, values: new Float64Array(0), vectors: new Float32Array(0) }
  const form = await tridiagonalize(a, n, { onPanel: (done, total) => opts.onStep?.((0.6 * done) / total) })
  const t = tridiagEig(form.d, form.e)
  await opts.onStep?.(0.8)
  const vectors = applyQ(form, Float32Array.from(t.vectors), n, n)
  await opts.onStep?.(1)
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(t.values[i]!)) throw new UserError('eigh_failed', `eigendecomposition produced a non-finite eigenvalue (index ${i})`, 'Check the kernel for NaN/Inf or extreme values; add --diag-reg.')
  }
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(vectors[i]!)) throw new UserError('eigh_failed', 'eigendecomposition produced non-finite eigenvectors', 'Check the kernel for NaN/Inf or extreme values; add --diag-reg.')
  }
  return { n, values: t.values, vectors }
}
