import * as tf from '@tensorflow/tfjs-core'
import { tql2 } from './tql2'

// Divide and conquer for the symmetric tridiagonal eigenproblem (Cuppen, with Gu–Eisenstat's recomputed
// weights for orthogonal eigenvectors). Splitting T at m with ρ = |e[m−1]|, s = sign(e[m−1]):
//   T = diag(T₁ − ρ e_last e_lastᵀ, T₂ − ρ e_first e_firstᵀ) + ρ v vᵀ,   v = e_last + s·e_first
// and with Tᵢ' = Qᵢ Dᵢ Qᵢᵀ:  T = Q (D + ρ z zᵀ) Qᵀ,  z = Qᵀ v = [last row of Q₁; s · first row of Q₂].
// Eigenvalues of D + ρ z zᵀ are the roots of the secular equation 1 + ρ Σ z_j² / (d_j − λ) = 0; the
// eigenvector of root λ is (ẑ_j / (d_j − λ))_j normalised, and the merged vectors are Q · U: a matmul,
// which carries the O(n³) work to tfjs when large (float32 there, float64 in JS for small merges).

const LEAF = 32
const EPS = 2 ** -52
/** merges below this many multiply-adds stay in float64 JS (JS runs ≈ 0.5 GFLOP/s, tfjs ≈ 18) */
const JS_MATMUL_MAX = 2e6

export interface TridiagEig {
  values: Float64Array
  /** row-major n×n, column i = eigenvector i */
  vectors: Float64Array
}

/** `f64MergeMax`: merges up to this many multiply-adds run in float64 JS, larger ones as float32 tfjs matmuls */
export function tridiagEig(d: Float64Array, e: Float64Array, f64MergeMax = JS_MATMUL_MAX): TridiagEig {
  const n = d.length
  if (n <= LEAF) return tql2(d, e)
  const m = n >> 1
  const beta = e[m - 1]!
  const rho = Math.abs(beta)
  const s = beta < 0 ? -1 : 1
  const d1 = d.slice(0, m)
  const d2 = d.slice(m)
  d1[m - 1] = d1[m - 1]! - rho
  d2[0] = d2[0]! - rho
  const left = tridiagEig(d1, e.slice(0, m - 1), f64MergeMax)
  const right = tridiagEig(d2, e.slice(m, n - 1), f64MergeMax)
  return merge(left, right, m, n - m, rho, s, f64MergeMax)
}

function merge(left: TridiagEig, right: TridiagEig, n1: number, n2: number, rho0: number, s: number, f64MergeMax: number): TridiagEig {
  const n = n1 + n2
  // Q = diag(Q₁, Q₂), dense; columns are moved by the deflation rotations
  const q = new Float64Array(n * n)
  for (let i = 0; i < n1; i++) q.set(left.vectors.subarray(i * n1, (i + 1) * n1), i * n)
  for (let i = 0; i < n2; i++) q.set(right.vectors.subarray(i * n2, (i + 1) * n2), (n1 + i) * n + n1)
  const dv = new Float64Array(n)
  dv.set(left.values)
  dv.set(right.values, n1)
  const z = new Float64Array(n)
  for (let j = 0; j < n1; j++) z[j] = left.vectors[(n1 - 1) * n1 + j]!
  for (let j = 0; j < n2; j++) z[n1 + j] = s * right.vectors[j]!
  let zn = 0
  for (let j = 0; j < n; j++) zn += z[j]! * z[j]!
  const rho = rho0 * zn
  zn = Math.sqrt(zn)
  for (let j = 0; j < n; j++) z[j] = z[j]! / zn

  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => dv[a]! - dv[b]!)
  let dmax = 0
  for (let j = 0; j < n; j++) dmax = Math.max(dmax, Math.abs(dv[j]!))
  const tol = 8 * EPS * Math.max(dmax, rho)

  // deflation: negligible weights, then (nearly) equal poles combined by a rotation
  const kept: number[] = []
  const deflated: number[] = []
  if (rho === 0) deflated.push(...order)
  else {
    for (const j of order) {
      if (rho * Math.abs(z[j]!) <= tol) {
        deflated.push(j)
        continue
      }
      const i = kept[kept.length - 1]
      if (i !== undefined) {
        const tau = Math.hypot(z[i]!, z[j]!)
        const c = z[j]! / tau
        const sn = z[i]! / tau
        if (Math.abs(c * sn * (dv[j]! - dv[i]!)) <= tol) {
          // Gᵀ (z_i, z_j) = (0, τ) with G = [[c, sn], [−sn, c]]; Q ← Q G on columns i, j
          for (let r = 0; r < n; r++) {
            const qi = q[r * n + i]!
            const qj = q[r * n + j]!
            q[r * n + i] = c * qi - sn * qj
            q[r * n + j] = sn * qi + c * qj
          }
          const di = dv[i]!
          const dj = dv[j]!
          dv[i] = c * c * di + sn * sn * dj
          dv[j] = sn * sn * di + c * c * dj
          z[i] = 0
          z[j] = tau
          kept.pop()
          deflated.push(i)
        }
      }
      kept.push(j)
    }
  }
  kept.sort((a, b) => dv[a]! - dv[b]!)
  const k = kept.length
  const p = Float64Array.from(kept, (j) => dv[j]!)
  const w = Float64Array.from(kept, (j) => z[j]!)
  const { lambda, delta } = secularRoots(p, w, rho)

  // Gu–Eisenstat: ẑ_j² = (λ_j − p_j)/ρ · Π_{i≠j} (λ_i − p_j)/(p_i − p_j), sign of the original z_j
  const zh = new Float64Array(k)
  for (let j = 0; j < k; j++) {
    let prod = -delta[j * k + j]! / rho
    for (let i = 0; i < k; i++) if (i !== j) prod *= -delta[i * k + j]! / (p[i]! - p[j]!)
    zh[j] = Math.sign(w[j]!) * Math.sqrt(Math.max(prod, 0))
  }
  // U (k×k), column i = normalised (ẑ_j / (p_j − λ_i))_j
  const u = new Float64Array(k * k)
  for (let i = 0; i < k; i++) {
    let nrm = 0
    for (let j = 0; j < k; j++) {
      const v = zh[j]! / delta[i * k + j]!
      u[j * k + i] = v
      nrm += v * v
    }
    nrm = 1 / Math.sqrt(nrm)
    for (let j = 0; j < k; j++) u[j * k + i] = u[j * k + i]! * nrm
  }
  const qk = new Float64Array(n * k)
  for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) qk[r * k + j] = q[r * n + kept[j]!]!
  const merged = multiply(qk, u, n, k, k, f64MergeMax)

  // assemble ascending
  const vals: { v: number; src: 'k' | 'd'; idx: number }[] = []
  for (let i = 0; i < k; i++) vals.push({ v: lambda[i]!, src: 'k', idx: i })
  for (const j of deflated) vals.push({ v: dv[j]!, src: 'd', idx: j })
  vals.sort((a, b) => a.v - b.v)
  const values = new Float64Array(n)
  const vectors = new Float64Array(n * n)
  vals.forEach((e, col) => {
    values[col] = e.v
    if (e.src === 'k') for (let r = 0; r < n; r++) vectors[r * n + col] = merged[r * k + e.idx]!
    else for (let r = 0; r < n; r++) vectors[r * n + col] = q[r * n + e.idx]!
  })
  return { values, vectors }
}

/** row-major a (n×m) · b (m×k) */
function multiply(a: Float64Array, b: Float64Array, n: number, m: number, k: number, f64Max: number): Float64Array {
  if (n * m * k <= f64Max) {
    const c = new Float64Array(n * k)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        const v = a[i * m + j]!
        if (v === 0) continue
        const rj = j * k
        const ri = i * k
        for (let l = 0; l < k; l++) c[ri + l] = c[ri + l]! + v * b[rj + l]!
      }
    return c
  }
  const t = tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(a), [n, m]), tf.tensor2d(Float32Array.from(b), [m, k])))
  const out = Float64Array.from(t.dataSync())
  t.dispose()
  return out
}

/**
 * Roots of 1 + ρ Σ w_j² / (p_j − λ) = 0 for strictly increasing poles p and ρ > 0: root i lies in
 * (p_i, p_{i+1}) (the last in (p_{k−1}, p_{k−1} + ρ‖w‖²]). Each root is found as τ relative to its nearer
 * pole so that δ_ij = p_j − λ_i = (p_j − p_origin) − τ keeps full relative accuracy; steps from a
 * rational model of the two neighbouring poles (as LAPACK's laed4), safeguarded by a bisection bracket.
 */
export function secularRoots(p: Float64Array, w: Float64Array, rho: number): { lambda: Float64Array; delta: Float64Array } {
  const k = p.length
  const lambda = new Float64Array(k)
  const delta = new Float64Array(k * k)
  let w2 = 0
  for (let j = 0; j < k; j++) w2 += w[j]! * w[j]!
  const sh = new Float64Array(k)
  for (let i = 0; i < k; i++) {
    let origin: number
    let lo: number
    let hi: number
    if (i < k - 1) {
      const half = (p[i + 1]! - p[i]!) / 2
      // f at the midpoint decides the nearer pole
      let f = 1
      for (let j = 0; j < k; j++) f += (rho * w[j]! * w[j]!) / (p[j]! - p[i]! - half)
      if (f >= 0) {
        origin = i
        lo = 0
        hi = half
      } else {
        origin = i + 1
        lo = -half
        hi = 0
      }
    } else {
      origin = i
      lo = 0
      hi = rho * w2
    }
    const po = p[origin]!
    for (let j = 0; j < k; j++) sh[j] = p[j]! - po
    let tau = (lo + hi) / 2
    // the two poles that bound root i, as indices (the last root has only the left one)
    const left = i
    const right = i < k - 1 ? i + 1 : -1
    for (let it = 0; it < 200; it++) {
      // ψ, φ: the sums over poles left / right of the root, with derivatives
      let psi = 0
      let dpsi = 0
      let phi = 0
      let dphi = 0
      for (let j = 0; j < k; j++) {
        const inv = 1 / (sh[j]! - tau)
        const t = rho * w[j]! * w[j]! * inv
        if (j <= left) {
          psi += t
          dpsi += t * inv
        } else {
          phi += t
          dphi += t * inv
        }
      }
      const f = 1 + psi + phi
      if (f > 0) hi = tau
      else if (f < 0) lo = tau
      else break
      // osculatory rational model: ψ ≈ p + q/(δ_left − x), φ ≈ r + s/(δ_right − x), matching value and
      // slope at τ; its root η = x − τ solves c η² + A₁ η + Δ_l Δ_r f = 0 (c = 1 + p + r)
      const dl = sh[left]! - tau
      let eta: number
      if (right >= 0) {
        const dr = sh[right]! - tau
        const q = dpsi * dl * dl
        const sr = dphi * dr * dr
        const c = f - q / dl - sr / dr
        const a1 = -(c * (dl + dr) + q + sr)
        const a0 = dl * dr * f
        const disc = a1 * a1 - 4 * c * a0
        if (disc >= 0) {
          const den = -a1 + (a1 <= 0 ? 1 : -1) * Math.sqrt(disc)
          eta = den !== 0 ? (2 * a0) / den : NaN
        } else eta = NaN
      } else {
        const q = dpsi * dl * dl
        const onePlusP = 1 + psi - q / dl
        eta = dl + q / onePlusP
      }
      let next = tau + eta
      if (!(next > lo && next < hi)) next = (lo + hi) / 2
      const done = Math.abs(next - tau) <= 2 * EPS * Math.abs(tau) || hi - lo <= 2 * EPS * Math.max(Math.abs(lo), Math.abs(hi))
      tau = next
      if (done) break
    }
    lambda[i] = po + tau
    for (let j = 0; j < k; j++) delta[i * k + j] = sh[j]! - tau
  }
  return { lambda, delta }
}
