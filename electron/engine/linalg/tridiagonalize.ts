import * as tf from '@tensorflow/tfjs-core'

// Blocked Householder reduction of a symmetric matrix to tridiagonal form (LAPACK sytrd/latrd, lower):
//   Qᵀ A Q = T,  Q = H₀ H₁ … H_{n−3},  H_i = I − τ_i v_i v_iᵀ  (v_i zero above row i+1, v_i[i+1] = 1).
// Within a panel of b columns the trailing matrix is not updated; each column is corrected on the fly by
// the panel's V, W (A_cur = A − V Wᵀ − W Vᵀ) and needs one matrix-vector product with the panel-start
// trailing matrix (computed as vᵀA on tfjs: 7× faster than A·v on wasm). After the panel one rank-2b
// update A ← A − [V W]·[W V]ᵀ runs as a single matmul.

export interface Reflectors {
  /** first global column of the panel */
  p: number
  /** number of reflectors in the panel */
  b: number
  /** (n − p − 1) × b float64: row r is global row p + 1 + r; column j is v for reflector p + j */
  v: Float64Array
  tau: Float64Array
}

export interface TridiagonalForm {
  d: Float64Array
  e: Float64Array
  panels: Reflectors[]
}

export async function tridiagonalize(a: Float32Array, n: number, opts: { blockSize?: number; onPanel?: (done: number, total: number) => Promise<void> | void } = {}): Promise<TridiagonalForm> {
  const bs = opts.blockSize ?? 64
  const d = new Float64Array(n)
  const e = new Float64Array(Math.max(0, n - 1))
  const panels: Reflectors[] = []
  let at: tf.Tensor2D = tf.tensor2d(a.subarray(0, n * n), [n, n])
  try {
    for (let p = 0; p < n; p += bs) {
      const m = n - p
      const b = Math.min(bs, m)
      // rows 0..b of the trailing matrix = its first b columns (symmetry)
      const pt = tf.tidy(() => tf.slice(at, [0, 0], [b, m]))
      const cols = Float64Array.from(pt.dataSync())
      pt.dispose()
      const nref = Math.max(0, Math.min(b, n - 2 - p))
      const V = new Float64Array(m * b)
      const W = new Float64Array(m * b)
      const tau = new Float64Array(nref)
      const col = new Float64Array(m)
      for (let j = 0; j < b; j++) {
        for (let r = j; r < m; r++) {
          let s = cols[j * m + r]!
          for (let q = 0; q < j; q++) s -= V[r * b + q]! * W[j * b + q]! + W[r * b + q]! * V[j * b + q]!
          col[r] = s
        }
        d[p + j] = col[j]!
        if (p + j === n - 1) break
        if (j >= nref) {
          // the last off-diagonal needs no reflector
          e[p + j] = col[j + 1]!
          continue
        }
        const alpha = col[j + 1]!
        let sigma = 0
        for (let r = j + 2; r < m; r++) sigma += col[r]! * col[r]!
        if (sigma === 0) {
          e[p + j] = alpha
          tau[j] = 0
          continue
        }
        const beta = -(alpha >= 0 ? 1 : -1) * Math.sqrt(alpha * alpha + sigma)
        const t = (beta - alpha) / beta
        const scale = 1 / (alpha - beta)
        tau[j] = t
        e[p + j] = beta
        V[(j + 1) * b + j] = 1
        for (let r = j + 2; r < m; r++) V[r * b + j] = col[r]! * scale
        // w = τ (A v − V (Wᵀ v) − W (Vᵀ v)), then w −= ½ τ (wᵀ v) v
        const vrow = new Float32Array(m)
        for (let r = j + 1; r < m; r++) vrow[r] = V[r * b + j]!
        const avT = tf.tidy(() => tf.matMul(tf.tensor2d(vrow, [1, m]), at))
        const av = avT.dataSync()
        avT.dispose()
        const wtv = new Float64Array(j)
        const vtv = new Float64Array(j)
        for (let q = 0; q < j; q++) {
          let s1 = 0
          let s2 = 0
          for (let r = j + 1; r < m; r++) {
            const vr = V[r * b + j]!
            s1 += W[r * b + q]! * vr
            s2 += V[r * b + q]! * vr
          }
          wtv[q] = s1
          vtv[q] = s2
        }
        let wv = 0
        for (let r = j + 1; r < m; r++) {
          let s = av[r]!
          for (let q = 0; q < j; q++) s -= V[r * b + q]! * wtv[q]! + W[r * b + q]! * vtv[q]!
          s *= t
          W[r * b + j] = s
          wv += s * V[r * b + j]!
        }
        const c = -0.5 * t * wv
        for (let r = j + 1; r < m; r++) W[r * b + j] = W[r * b + j]! + c * V[r * b + j]!
      }
      if (nref > 0) {
        const vOut = new Float64Array((m - 1) * nref)
        for (let r = 1; r < m; r++) for (let j = 0; j < nref; j++) vOut[(r - 1) * nref + j] = V[r * b + j]!
        panels.push({ p, b: nref, v: vOut, tau })
      }
      if (m > b) {
        // A[b:, b:] ← A[b:, b:] − [V W][b:] · [W V][b:]ᵀ
        const mm = m - b
        const left = new Float32Array(mm * 2 * b)
        const rightT = new Float32Array(2 * b * mm)
        for (let r = 0; r < mm; r++)
          for (let q = 0; q < b; q++) {
            const vv = V[(b + r) * b + q]!
            const ww = W[(b + r) * b + q]!
            left[r * 2 * b + q] = vv
            left[r * 2 * b + b + q] = ww
            rightT[q * mm + r] = ww
            rightT[(b + q) * mm + r] = vv
          }
        const prev = at
        at = tf.tidy(() => tf.sub(tf.slice(prev, [b, b], [mm, mm]), tf.matMul(tf.tensor2d(left, [mm, 2 * b]), tf.tensor2d(rightT, [2 * b, mm]))))
        prev.dispose()
      }
      await opts.onPanel?.(Math.min(n, p + b), n)
    }
  } finally {
    at.dispose()
  }
  return { d, e, panels }
}

/**
 * Z ← Q Z for Q = H₀ … H_{n−3}: panels applied last to first, each as the compact WY block reflector
 * H_p … H_{p+b−1} = I − V T Vᵀ (T upper triangular, LAPACK larft forward/columnwise):
 *   T_jj = τ_j,  T[:j, j] = −τ_j T[:j, :j] (V[:, :j]ᵀ v_j).
 * `z` is row-major n×k float32; returns a new array.
 */
export function applyQ(form: TridiagonalForm, z: Float32Array, n: number, k: number): Float32Array {
  let zt: tf.Tensor2D = tf.tensor2d(z, [n, k])
  try {
    for (let pi = form.panels.length - 1; pi >= 0; pi--) {
      const { p, b, v, tau } = form.panels[pi]!
      const rows = n - p - 1
      const vtv = new Float64Array(b * b)
      for (let r = 0; r < rows; r++)
        for (let i = 0; i < b; i++) {
          const vi = v[r * b + i]!
          if (vi === 0) continue
          for (let j = i + 1; j < b; j++) vtv[i * b + j] = vtv[i * b + j]! + vi * v[r * b + j]!
        }
      const t = new Float64Array(b * b)
      for (let j = 0; j < b; j++) {
        t[j * b + j] = tau[j]!
        for (let i = 0; i < j; i++) {
          let s = 0
          for (let l = i; l < j; l++) s += t[i * b + l]! * vtv[l * b + j]!
          t[i * b + j] = -tau[j]! * s
        }
      }
      const vT = new Float32Array(b * rows)
      for (let r = 0; r < rows; r++) for (let j = 0; j < b; j++) vT[j * rows + r] = v[r * b + j]!
      const prev = zt
      zt = tf.tidy(() => {
        const top = tf.slice(prev, [0, 0], [p + 1, k])
        const bottom = tf.slice(prev, [p + 1, 0], [rows, k])
        const y = tf.matMul(tf.tensor2d(Float32Array.from(t), [b, b]), tf.matMul(tf.tensor2d(vT, [b, rows]), bottom))
        const upd = tf.sub(bottom, tf.matMul(tf.tensor2d(Float32Array.from(v), [rows, b]), y))
        return tf.concat([top, upd], 0) as tf.Tensor2D
      })
      prev.dispose()
    }
    return zt.dataSync() as Float32Array
  } finally {
    zt.dispose()
  }
}
