import { UserError } from '../../../shared/errors'
import { cholesky, PivotError, type CholeskyFactor } from './cholesky'
import { refinedSolve, residualColumns, type RefinedSolve } from './refine'
import { cholSolveColumns, fromColumns, toColumns } from './triangular'

// Preconditioned conjugate gradients (Hestenes & Stiefel, J. Res. NBS 49, 1952; Golub & Van Loan, Matrix
// Computations, 4th ed., Alg. 11.5.1) for (A + λI) X = B with A symmetric ⪰ 0 stored in float32, preconditioned
// by the float32 Cholesky factor M = L Lᵀ of A + λ′I at a larger shift λ′ ≥ λ:
//   x₀ = M⁻¹b,  r₀ = b − (A + λI)x₀,  z₀ = p₀ = M⁻¹r₀
//   αⱼ = rⱼᵀzⱼ / pⱼᵀ(A + λI)pⱼ,  xⱼ₊₁ = xⱼ + αⱼpⱼ,  rⱼ₊₁ = rⱼ − αⱼ(A + λI)pⱼ,
//   zⱼ₊₁ = M⁻¹rⱼ₊₁,  pⱼ₊₁ = zⱼ₊₁ + (rⱼ₊₁ᵀzⱼ₊₁ / rⱼᵀzⱼ) pⱼ.
// Why: when cond(A + λI) is near 2²³ the float32 Cholesky of the true system fails or its refinement stalls,
// while M⁻¹(A + λI) has eigenvalues (s + λ)/(s + λ′) ∈ [λ/λ′, 1] (s the eigenvalues of A), so the A-norm error
// falls at least as 2((√κ − 1)/(√κ + 1))ʲ with κ = λ′/λ: about 30 iterations for 10⁻⁹ at λ′ = 10λ. Vectors and
// products are float64 (A's float32 entries are read exactly), so the residual is the true system's to float64
// rounding; the k right-hand sides run in lockstep, so each sweep reads A and L once.

export interface PcgOptions {
  /** stop when ‖B − (A + λI)X‖_F ≤ tol·‖B‖_F (default 1e-10) */
  tol?: number
  maxIter?: number
  onStep?: () => Promise<void> | void
}

export interface PcgResult extends RefinedSolve {
  converged: boolean
}

function colNorms(v: Float64Array, n: number, cols: readonly number[]): number[] {
  return cols.map((c) => {
    let s = 0
    for (let i = c * n; i < (c + 1) * n; i++) s += v[i]! * v[i]!
    return Math.sqrt(s)
  })
}

function colDot(u: Float64Array, v: Float64Array, n: number, c: number): number {
  let s = 0
  for (let i = c * n; i < (c + 1) * n; i++) s += u[i]! * v[i]!
  return s
}

/** The k columns of `v` listed in `cols`, packed contiguously (so a sweep touches only the active ones). */
function pack(v: Float64Array, n: number, cols: readonly number[]): Float64Array {
  const out = new Float64Array(n * cols.length)
  cols.forEach((c, j) => out.set(v.subarray(c * n, (c + 1) * n), j * n))
  return out
}

/** PCG on (A + shift·I) X = B (row-major n×k B), preconditioned by `m` (a factor of A at a shift ≥ `shift`). */
export async function pcgSolve(a: Float32Array, n: number, shift: number, m: CholeskyFactor, b: Float64Array, k: number, opts: PcgOptions = {}): Promise<PcgResult> {
  const tol = opts.tol ?? 1e-10
  const maxIter = opts.maxIter ?? 500
  const bc = toColumns(b, n, k)
  const all = Array.from({ length: k }, (_, c) => c)
  const bNorm = colNorms(bc, n, all)
  const bF = Math.hypot(...bNorm)
  if (bF === 0) return { x: new Float64Array(n * k), relResidual: 0, initialRelResidual: 0, iterations: 0, converged: true }
  const x = Float64Array.from(bc)
  cholSolveColumns(m, x, k)
  const r = new Float64Array(n * k)
  const trueResidual = (): number[] => {
    residualColumns(a, n, shift, x, bc, k, r)
    return colNorms(r, n, all)
  }
  let rNorm = trueResidual()
  const initial = Math.hypot(...rNorm) / bF
  const p = new Float64Array(n * k)
  const rz: number[] = []
  /** p = z = M⁻¹r: the start, and a restart after the true residual replaced the recurrence's */
  const restart = (): void => {
    p.set(r)
    cholSolveColumns(m, p, k)
    for (const c of all) rz[c] = colDot(r, p, n, c)
  }
  restart()
  // each column to tol·‖B‖_F/√k, so that ‖R‖_F ≤ tol·‖B‖_F
  const done = (c: number): boolean => rNorm[c]! <= (tol * bF) / Math.sqrt(k)
  let it = 0
  let broke = false
  let checked = Infinity
  while (it < maxIter && !broke && !all.every(done)) {
    it++
    const active = all.filter((c) => !done(c))
    // q = −(A + λI)p on the active columns
    const q = new Float64Array(n * active.length)
    residualColumns(a, n, shift, pack(p, n, active), new Float64Array(n * active.length), active.length, q)
    const zs = new Float64Array(n * active.length)
    active.forEach((c, j) => {
      const o = c * n
      const qo = j * n
      let pq = 0
      for (let i = 0; i < n; i++) pq -= p[o + i]! * q[qo + i]!
      // pᵀ(A + λI)p ≤ 0 or rᵀz ≤ 0: A is not positive semidefinite to working precision
      if (!(pq > 0 && rz[c]! > 0)) {
        broke = true
        return
      }
      const alpha = rz[c]! / pq
      for (let i = 0; i < n; i++) {
        x[o + i] = x[o + i]! + alpha * p[o + i]!
        r[o + i] = r[o + i]! + alpha * q[qo + i]!
      }
      zs.set(r.subarray(o, o + n), qo)
    })
    if (broke) break
    cholSolveColumns(m, zs, active.length)
    active.forEach((c, j) => {
      const o = c * n
      let rzNew = 0
      let rr = 0
      for (let i = 0; i < n; i++) {
        rzNew += r[o + i]! * zs[j * n + i]!
        rr += r[o + i]! * r[o + i]!
      }
      const beta = rzNew / rz[c]!
      rz[c] = rzNew
      rNorm[c] = Math.sqrt(rr)
      for (let i = 0; i < n; i++) p[o + i] = zs[j * n + i]! + beta * p[o + i]!
    })
    // the recurrence drifts from b − (A + λI)x by rounding: confirm convergence on the true residual
    if (all.every(done)) {
      rNorm = trueResidual()
      if (all.every(done)) break
      // float64 rounding bounds the true residual near 2⁻⁵³·‖A + λI‖·‖x‖: stop when a restart no longer halves it
      const now = Math.hypot(...rNorm)
      if (now > 0.5 * checked) break
      checked = now
      restart()
    }
    await opts.onStep?.()
  }
  if (!all.every(done)) rNorm = trueResidual()
  // the contract is the Frobenius residual: a column short of its share while the others are well under it
  // (a float64 rounding floor met by one column) still meets it
  const converged = !broke && Math.hypot(...rNorm) <= tol * bF
  const out = new Float64Array(n * k)
  fromColumns(x, out, n, k)
  return { x: out, relResidual: Math.hypot(...rNorm) / bF, initialRelResidual: initial, iterations: it, converged }
}

export interface ShiftedSolveOptions extends PcgOptions {
  /** what the matrix is, for messages */
  what?: string
  /** how the user sets λ, for the hint ("--diag-reg") */
  flag?: string
  /** λ as the user gave it (relative), for messages */
  diagReg?: number
  /** the largest λ′/λ tried for the preconditioner (default 1e3: CG then needs up to ≈ 36 iterations per decade of residual, against ≈ 4 at 10) */
  maxRatio?: number
  onBlock?: (done: number, total: number) => Promise<void> | void
}

export interface ShiftedSolve extends PcgResult {
  /** λ′ of the float32 factor used: equal to the shift when the true system factored */
  factorShift: number
  /** the factor of A + λI itself when float32 could factor it (the predictive variance needs it), else null */
  factor: CholeskyFactor | null
}

/**
 * X = (A + λI)⁻¹ B to relative residual `tol`: the float32 Cholesky of A + λI with float64 refinement when that
 * reaches the tolerance, else PCG preconditioned by the factor of A + λ′I, λ′ = 10λ, 100λ, … (the first that
 * factors, at most maxRatio·λ). A UserError says what failed when even that cannot reach the tolerance.
 */
export async function solveShifted(a: Float32Array, n: number, shift: number, b: Float64Array, k: number, opts: ShiftedSolveOptions = {}): Promise<ShiftedSolve> {
  const tol = opts.tol ?? 1e-10
  const maxRatio = opts.maxRatio ?? 1e3
  let own: CholeskyFactor | null = null
  let failed: PivotError | null = null
  try {
    own = await cholesky(a, n, { shift, onBlock: opts.onBlock })
  } catch (e) {
    if (!(e instanceof PivotError)) throw e
    failed = e
  }
  if (own) {
    const sol = await refinedSolve(a, own, b, k, { onStep: opts.onStep, tol: Math.min(tol, 1e-15) })
    if (sol.relResidual <= tol) return { ...sol, converged: true, factorShift: shift, factor: own }
    const cg = await pcgSolve(a, n, shift, own, b, k, opts)
    if (cg.converged) return { ...cg, iterations: sol.iterations + cg.iterations, factorShift: shift, factor: own }
  }
  let last: PcgResult | null = null
  let lastShift = shift
  for (let ratio = 10; shift > 0 && ratio <= maxRatio * (1 + 1e-9); ratio *= 10) {
    let pre: CholeskyFactor
    try {
      pre = await cholesky(a, n, { shift: shift * ratio, onBlock: opts.onBlock })
    } catch (e) {
      if (!(e instanceof PivotError)) throw e
      failed = e
      continue
    }
    lastShift = shift * ratio
    // the bound of the header: iterations for tol at κ = ratio, with room for rounding
    const need = Math.ceil((Math.sqrt(ratio) / 2) * Math.log(2 / tol)) + 20
    last = await pcgSolve(a, n, shift, pre, b, k, { ...opts, maxIter: Math.min(opts.maxIter ?? 1000, 2 * need) })
    if (last.converged) return { ...last, factorShift: lastShift, factor: own }
    break
  }
  const what = opts.what ?? 'the matrix'
  const flag = opts.flag ?? '--diag-reg'
  const reg = opts.diagReg ?? 0
  const raise = `${flag} ${reg > 0 ? Number(Math.min(10, reg * 10).toPrecision(3)) : '1e-6'}`
  const pivot = failed ? `pivot ${failed.index} of ${n} is ${failed.pivot.toPrecision(3)}` : ''
  const why = !(shift > 0)
    ? `float32 Cholesky failed (${pivot}) and there is no ridge to precondition with`
    : last
      ? `conjugate gradients preconditioned by its factor at ${(lastShift / shift).toPrecision(2)}× the shift stopped at relative residual ${last.relResidual.toPrecision(2)} after ${last.iterations} iterations (tolerance ${tol.toPrecision(2)})`
      : `float32 Cholesky failed even at ${maxRatio}× the shift (${pivot})`
  throw new UserError(
    'kernel_singular',
    `${what} + εI is too ill-conditioned to solve with ${flag} ${reg}: ${why}`,
    `Add or raise the ridge: ${raise} (ε = diag_reg · trace/n). Duplicated or nearly collinear inputs, or more features than independent training points, cause this.`,
  )
}
