import { UserError } from '../../../shared/errors'
import { cholesky, PivotError, type CholeskyFactor, type CholeskyOptions } from './cholesky'
import { assertFiniteArray } from '../core/finite'

/** Relative regularisation of docs/math.md §3 (as NT): ε = diag_reg · trace(K) / N. */
export function relativeShift(a: Float32Array, n: number, diagReg: number): number {
  return diagReg * meanDiagonal(a, n)
}

export function meanDiagonal(a: Float32Array, n: number): number {
  let t = 0
  for (let i = 0; i < n; i++) t += a[i * n + i]!
  return t / n
}

/** Rejects NaN/Inf entries before they can reach a factorisation. */
export function checkFiniteMatrix(a: Float32Array | Float64Array, rows: number, cols: number, what: string): void {
  assertFiniteArray(a, what, 'Check the inputs for NaN/Inf and the kernel hyperparameters (very large --w-std or depth can overflow float32).', cols, rows * cols)
}

/** 1, 2, 5 × 10^k at or above v, so the suggested flag value is short and sufficient. */
function niceCeil(v: number): number {
  const e = Math.floor(Math.log10(v))
  for (const m of [1, 2, 5, 10]) if (m * 10 ** e >= v * (1 - 1e-12)) return Number((m * 10 ** e).toPrecision(3))
  return Number((10 ** (e + 1)).toPrecision(3))
}

export interface SpdFactorOptions extends Omit<CholeskyOptions, 'shift'> {
  /** what the matrix is, for messages ("the NTK of the training inputs") */
  what?: string
  /** the CLI/spec name of the knob, for the hint */
  flag?: string
}

/**
 * Factorises A + εI with ε = diag_reg · trace(A)/N. When a pivot fails, finds a diag_reg that works by
 * retrying from an estimate (the failed pivot's deficit, at least the float32 rounding level of the
 * diagonal) upwards in ×10 steps, and raises a UserError naming it.
 */
export async function factorSpd(a: Float32Array, n: number, diagReg: number, opts: SpdFactorOptions = {}): Promise<CholeskyFactor> {
  const what = opts.what ?? 'the kernel matrix'
  const flag = opts.flag ?? '--diag-reg'
  const mean = meanDiagonal(a, n)
  if (!(mean > 0)) {
    throw new UserError('kernel_not_psd', `${what} has a non-positive mean diagonal (${mean}); it is not a valid covariance`, 'Check the architecture: a kernel of nonzero inputs has a positive diagonal.')
  }
  const shift = diagReg * mean
  try {
    return await cholesky(a, n, { ...opts, shift })
  } catch (e) {
    if (!(e instanceof PivotError)) throw e
    const deficit = Math.max(-e.pivot, 0) + Math.abs(e.diagonal) * 2 ** -20
    let reg = niceCeil(Math.max(diagReg * 2, diagReg + deficit / mean, 1e-7))
    let found: number | null = null
    for (let tries = 0; tries < 9 && reg <= 10; tries++) {
      try {
        await cholesky(a, n, { ...opts, shift: reg * mean })
        found = reg
        break
      } catch (e2) {
        if (!(e2 instanceof PivotError)) throw e2
        reg = Number((reg * 10).toPrecision(3)) // 1e-6 · 10 would print as 0.000009999999999999999
      }
    }
    const kind = e.pivot <= 0 ? 'is not positive definite' : 'is numerically singular in float32'
    const msg = `${what} ${kind}: Cholesky pivot ${e.index} of ${n} is ${e.pivot.toPrecision(3)} (diagonal ${e.diagonal.toPrecision(3)}) with diag_reg = ${diagReg}`
    const hint = found !== null
      ? `Add diagonal regularisation: ${flag} ${found} factorises it (ε = diag_reg · trace/N = ${(found * mean).toPrecision(3)}). Duplicate or nearly collinear inputs cause this.`
      : `Even ${flag} 10 did not make it factorisable: check the kernel for NaN-like values or a wrong architecture.`
    throw new UserError('kernel_singular', msg, hint)
  }
}
