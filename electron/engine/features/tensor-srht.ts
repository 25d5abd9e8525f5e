import type { Xoshiro128 } from '../core/random'
import { fwhtRows, nextPow2 } from './hadamard'

// TensorSRHT (Ahle et al., "Oblivious Sketching of High-Degree Polynomial Kernels", SODA 2020; used for the
// NTK's product terms by Zandieh et al., "Scaling Neural Tangent Kernels via Sketching and Random Features",
// NeurIPS 2021): a sketch S(x ⊗ y) ∈ R^m of a tensor product without forming it,
//   S(x ⊗ y)_k = (H D₁ x)_{i_k} · (H D₂ y)_{j_k} / √m,
// H the unnormalised ±1 Hadamard matrix, D₁, D₂ independent random sign diagonals. For every fixed row index
//   E_D[(H D x)_i (H D x')_i] = Σ_a H_ia² x_a x'_a = ⟨x, x'⟩,
// so E⟨S(x⊗y), S(x'⊗y')⟩ = ⟨x, x'⟩⟨y, y'⟩ exactly (unbiased) for any index choice; indices are drawn
// without replacement (cycling through fresh permutations when m exceeds the padded length) because
// distinct Hadamard rows are uncorrelated, which lowers the variance.

export interface TensorSrht {
  d1: number
  d2: number
  m: number
  p1: number
  p2: number
  s1: Float32Array
  s2: Float32Array
  i1: Int32Array
  i2: Int32Array
}

function signs(rng: Xoshiro128, d: number): Float32Array {
  const s = new Float32Array(d)
  for (let i = 0; i < d; i++) s[i] = rng.nextU32() & 1 ? 1 : -1
  return s
}

function cyclingIndices(rng: Xoshiro128, p: number, m: number): Int32Array {
  const out = new Int32Array(m)
  const perm = new Int32Array(p)
  for (let k = 0; k < m; k += p) {
    for (let i = 0; i < p; i++) perm[i] = i
    for (let i = p - 1; i > 0; i--) {
      const j = rng.int(i + 1)
      const t = perm[i]!
      perm[i] = perm[j]!
      perm[j] = t
    }
    out.set(perm.subarray(0, Math.min(p, m - k)), k)
  }
  return out
}

export function tensorSrht(rng: Xoshiro128, d1: number, d2: number, m: number): TensorSrht {
  const p1 = nextPow2(d1)
  const p2 = nextPow2(d2)
  return { d1, d2, m, p1, p2, s1: signs(rng, d1), s2: signs(rng, d2), i1: cyclingIndices(rng, p1, m), i2: cyclingIndices(rng, p2, m) }
}

function hadamardOf(x: Float32Array, rows: number, d: number, s: Float32Array, p: number): Float32Array {
  const buf = new Float32Array(rows * p)
  for (let r = 0; r < rows; r++) {
    const src = r * d
    const dst = r * p
    for (let c = 0; c < d; c++) buf[dst + c] = x[src + c]! * s[c]!
  }
  fwhtRows(buf, rows, p)
  return buf
}

/** S(x_r ⊗ y_r) for each row r of x (rows × d1) and y (rows × d2): rows × m. */
export function applyTensorSrht(t: TensorSrht, x: Float32Array, y: Float32Array, rows: number): Float32Array {
  const hx = hadamardOf(x, rows, t.d1, t.s1, t.p1)
  const hy = hadamardOf(y, rows, t.d2, t.s2, t.p2)
  const out = new Float32Array(rows * t.m)
  const scale = 1 / Math.sqrt(t.m)
  const { i1, i2, m, p1, p2 } = t
  for (let r = 0; r < rows; r++) {
    const bx = r * p1
    const by = r * p2
    const bo = r * m
    for (let k = 0; k < m; k++) out[bo + k] = hx[bx + i1[k]!]! * hy[by + i2[k]!]! * scale
  }
  return out
}
