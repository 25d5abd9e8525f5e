import type { CholeskyFactor } from './cholesky'
import { cholSolveColumns, dotF32F64, fromColumns, toColumns } from './triangular'

export interface RefinedSolve {
  /** row-major n×k float64 solution */
  x: Float64Array
  /** ‖B − (A + shift·I) X‖_F / ‖B‖_F after refinement, residual in float64 */
  relResidual: number
  /** the same before refinement (plain float32-factor solve) */
  initialRelResidual: number
  iterations: number
}

/**
 * R = B − (A + shift·I) X in float64 (A float32 row-major, read exactly) on column layouts (`toColumns`):
 * each row of A is read once and reused from cache for all k columns. Returns ‖R‖_F.
 */
export function residualColumns(a: Float32Array, n: number, shift: number, x: Float64Array, b: Float64Array, k: number, r: Float64Array): number {
  let norm2 = 0
  for (let i = 0; i < n; i++) {
    const ri = i * n
    for (let c = 0; c < k; c++) {
      const o = c * n
      const v = b[o + i]! - (dotF32F64(a, ri, x, o, n) + shift * x[o + i]!)
      r[o + i] = v
      norm2 += v * v
    }
  }
  return Math.sqrt(norm2)
}

/** R = B − (A + shift·I) X for row-major n×k X and B (residualColumns on transposed copies); returns ‖R‖_F. */
export function residual(a: Float32Array, n: number, shift: number, x: Float64Array, b: Float64Array, k: number, r: Float64Array): number {
  const rc = new Float64Array(n * k)
  const norm = residualColumns(a, n, shift, toColumns(x, n, k), toColumns(b, n, k), k, rc)
  fromColumns(rc, r, n, k)
  return norm
}

/**
 * Mixed-precision iterative refinement: x₀ = (LLᵀ)⁻¹ b with the float32 factor, then repeat
 *   r = b − (A + εI) x  (float64),   x ← x + (LLᵀ)⁻¹ r
 * while the residual keeps falling (by ≥ 2× per step); the best iterate is kept. Converges to float64
 * accuracy when cond(A)·2⁻²³ ≪ 1, and still improves the solve otherwise.
 */
export async function refinedSolve(
  a: Float32Array,
  f: CholeskyFactor,
  b: Float64Array,
  k: number,
  opts: { maxIter?: number; tol?: number; onStep?: () => Promise<void> | void } = {},
): Promise<RefinedSolve> {
  const n = f.n
  const maxIter = opts.maxIter ?? 30
  const tol = opts.tol ?? 1e-15
  let bnorm = 0
  for (let i = 0; i < n * k; i++) bnorm += b[i]! * b[i]!
  bnorm = Math.sqrt(bnorm)
  if (bnorm === 0) return { x: new Float64Array(n * k), relResidual: 0, initialRelResidual: 0, iterations: 0 }
  // the whole refinement on column layouts: one transpose in, one out
  const bc = toColumns(b, n, k)
  const x = Float64Array.from(bc)
  cholSolveColumns(f, x, k)
  const r = new Float64Array(n * k)
  let rnorm = residualColumns(a, n, f.shift, x, bc, k, r)
  const initial = rnorm / bnorm
  let best = rnorm
  let bestX = Float64Array.from(x)
  let it = 0
  while (it < maxIter && best / bnorm > tol && Number.isFinite(rnorm)) {
    it++
    cholSolveColumns(f, r, k)
    for (let i = 0; i < n * k; i++) x[i] = x[i]! + r[i]!
    rnorm = residualColumns(a, n, f.shift, x, bc, k, r)
    await opts.onStep?.()
    if (rnorm < best) {
      const improvedEnough = rnorm < 0.5 * best
      best = rnorm
      bestX = Float64Array.from(x)
      if (!improvedEnough) break
    } else break
  }
  const out = new Float64Array(n * k)
  fromColumns(bestX, out, n, k)
  return { x: out, relResidual: best / bnorm, initialRelResidual: initial, iterations: it }
}
