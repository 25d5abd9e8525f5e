import type { CholeskyFactor } from './cholesky'
import { cholSolveInPlace } from './triangular'

export interface RefinedSolve {
  /** row-major n×k float64 solution */
  x: Float64Array
  /** ‖B − (A + shift·I) X‖_F / ‖B‖_F after refinement, residual in float64 */
  relResidual: number
  /** the same before refinement (plain float32-factor solve) */
  initialRelResidual: number
  iterations: number
}

/** R = B − (A + shift·I) X in float64 (A float32 row-major, read exactly); returns ‖R‖_F. */
export function residual(a: Float32Array, n: number, shift: number, x: Float64Array, b: Float64Array, k: number, r: Float64Array): number {
  let norm2 = 0
  if (k === 1) {
    for (let i = 0; i < n; i++) {
      const ri = i * n
      let s0 = 0
      let s1 = 0
      let j = 0
      for (; j + 1 < n; j += 2) {
        s0 += a[ri + j]! * x[j]!
        s1 += a[ri + j + 1]! * x[j + 1]!
      }
      if (j < n) s0 += a[ri + j]! * x[j]!
      const v = b[i]! - (s0 + s1 + shift * x[i]!)
      r[i] = v
      norm2 += v * v
    }
    return Math.sqrt(norm2)
  }
  const acc = new Float64Array(k)
  for (let i = 0; i < n; i++) {
    const ri = i * n
    acc.fill(0)
    for (let j = 0; j < n; j++) {
      const aij = a[ri + j]!
      const rj = j * k
      for (let c = 0; c < k; c++) acc[c] = acc[c]! + aij * x[rj + c]!
    }
    for (let c = 0; c < k; c++) {
      const v = b[i * k + c]! - (acc[c]! + shift * x[i * k + c]!)
      r[i * k + c] = v
      norm2 += v * v
    }
  }
  return Math.sqrt(norm2)
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
  const x = Float64Array.from(b)
  if (bnorm === 0) return { x: new Float64Array(n * k), relResidual: 0, initialRelResidual: 0, iterations: 0 }
  cholSolveInPlace(f, x, k)
  const r = new Float64Array(n * k)
  let rnorm = residual(a, n, f.shift, x, b, k, r)
  const initial = rnorm / bnorm
  let best = rnorm
  let bestX = Float64Array.from(x)
  let it = 0
  while (it < maxIter && best / bnorm > tol && Number.isFinite(rnorm)) {
    it++
    cholSolveInPlace(f, r, k)
    for (let i = 0; i < n * k; i++) x[i] = x[i]! + r[i]!
    rnorm = residual(a, n, f.shift, x, b, k, r)
    await opts.onStep?.()
    if (rnorm < best) {
      const improvedEnough = rnorm < 0.5 * best
      best = rnorm
      bestX = Float64Array.from(x)
      if (!improvedEnough) break
    } else break
  }
  return { x: bestX, relResidual: best / bnorm, initialRelResidual: initial, iterations: it }
}
