import type { Eigh } from './eigh'

// One step of Ogita & Aishima's iterative refinement for the symmetric eigenproblem ("Iterative refinement for
// symmetric eigenvalue decomposition", Japan J. Indust. Appl. Math., 2018), in float64 on top of the float32
// `eigh`: with X the approximate eigenvectors (columns),
//   R = I − XᵀX,  S = XᵀAX,  λ̃ᵢ = sᵢᵢ/(1 − rᵢᵢ),
//   Eᵢⱼ = (sᵢⱼ + λ̃ⱼ rᵢⱼ)/(λ̃ⱼ − λ̃ᵢ) when |λ̃ᵢ − λ̃ⱼ| > δ, else rᵢⱼ/2  (δ = 2(‖S − diag λ̃‖ + ‖A‖‖R‖)),
//   repeated until converged (usually 2–3 passes from float32).
//   X ← X + XE.
// Convergence is quadratic: float32 eigenvectors (orthogonality ~1e-6) come out near float64 accuracy for
// separated eigenvalues; within a cluster narrower than δ the vectors are only re-orthogonalised, which is
// harmless for smooth spectral filters (their values differ by O(δ) across the cluster).
// Cost: four n³ float64 products in plain JS (~1.5 GFLOP/s), so callers cap n.

export interface EighF64 {
  n: number
  /** ascending (as the input) */
  values: Float64Array
  /** row-major n×n float64, column i = eigenvector of values[i] */
  vectors: Float64Array
  /** ‖A X − X Λ‖_F / ‖A‖_F and ‖I − XᵀX‖_F after refinement (with `diagnostics`: two more n³ products) */
  relResidual?: number
  orthogonality?: number
}

/** C = A·B for row-major A (n×m), B (m×p), float64 accumulation; yields between row blocks. */
export async function matmulF64(a: ArrayLike<number>, b: ArrayLike<number>, n: number, m: number, p: number, yieldNow?: () => Promise<void>): Promise<Float64Array> {
  const c = new Float64Array(n * p)
  const bb = b instanceof Float64Array ? b : Float64Array.from(b)
  const row = new Float64Array(p)
  for (let i = 0; i < n; i++) {
    row.fill(0)
    const ai = i * m
    for (let k = 0; k < m; k++) {
      const v = a[ai + k]!
      if (v === 0) continue
      const bk = k * p
      for (let j = 0; j < p; j++) row[j]! += v * bb[bk + j]!
    }
    c.set(row, i * p)
    if (yieldNow && (i & 63) === 63) await yieldNow()
  }
  return c
}

export function transposeF64(a: ArrayLike<number>, n: number, m: number): Float64Array {
  const t = new Float64Array(n * m)
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = a[i * m + j]!
  return t
}

function frob(a: Float64Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!
  return Math.sqrt(s)
}

export async function refineEigh(a: Float32Array | Float64Array, eig: Eigh | { n: number; vectors: Float64Array }, opts: { yieldNow?: () => Promise<void>; onStep?: (fraction: number) => void; diagnostics?: boolean; iterations?: number } = {}): Promise<EighF64> {
  const n = eig.n
  let x = Float64Array.from(eig.vectors)
  const a64 = a instanceof Float64Array ? a : Float64Array.from(a)
  const normA = frob(a64)
  // stop once XᵀX = I and XᵀAX is diagonal to ~1e-12; a float32 start needs 2–3 passes (pairs whose gap is
  // small against ‖A‖ take large rotations in the first pass and leave the quadratic regime only after it)
  const iterations = opts.iterations ?? 4
  let lam = new Float64Array(n)
  for (let it = 0; it < iterations; it++) {
    const step = (f: number) => opts.onStep?.((it + f) / iterations)
    const xt = transposeF64(x, n, n)
    const xtx = await matmulF64(xt, x, n, n, n, opts.yieldNow)
    step(0.25)
    const ax = await matmulF64(a64, x, n, n, n, opts.yieldNow)
    step(0.5)
    const s = await matmulF64(xt, ax, n, n, n, opts.yieldNow)
    step(0.75)
    const r = new Float64Array(n * n)
    for (let i = 0; i < n * n; i++) r[i] = -xtx[i]!
    for (let i = 0; i < n; i++) r[i * n + i] = 1 + r[i * n + i]!
    lam = new Float64Array(n)
    for (let i = 0; i < n; i++) lam[i] = s[i * n + i]! / (1 - r[i * n + i]!)
    const off = Float64Array.from(s)
    for (let i = 0; i < n; i++) off[i * n + i] = off[i * n + i]! - lam[i]!
    // below ~n·u·‖A‖ the gaps are rounding noise: dividing by them would break orthogonality
    if (frob(r) <= 1e-12 && frob(off) <= 1e-12 * normA) break
    const delta = Math.max(2 * (frob(off) + normA * frob(r)), 64 * n * Number.EPSILON * normA)
    const e = new Float64Array(n * n)
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const rij = r[i * n + j]!
        if (i === j) e[i * n + j] = rij / 2
        else {
          const gap = lam[j]! - lam[i]!
          e[i * n + j] = Math.abs(gap) > delta ? (s[i * n + j]! + lam[j]! * rij) / gap : rij / 2
        }
      }
    }
    const xe = await matmulF64(x, e, n, n, n, opts.yieldNow)
    const next = new Float64Array(n * n)
    for (let i = 0; i < n * n; i++) next[i] = x[i]! + xe[i]!
    x = next
    step(1)
    // quadratic convergence: a correction this small leaves errors of its square, below float64 resolution
    if (frob(e) <= 1e-8) break
  }
  if (!opts.diagnostics) return { n, values: lam, vectors: x }
  const ax2 = await matmulF64(a64, x, n, n, n, opts.yieldNow)
  let res = 0
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) res += (ax2[i * n + j]! - x[i * n + j]! * lam[j]!) ** 2
  const xtx2 = await matmulF64(transposeF64(x, n, n), x, n, n, n, opts.yieldNow)
  let orth = 0
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) orth += (xtx2[i * n + j]! - (i === j ? 1 : 0)) ** 2
  return { n, values: lam, vectors: x, relResidual: Math.sqrt(res) / normA, orthogonality: Math.sqrt(orth) }
}
