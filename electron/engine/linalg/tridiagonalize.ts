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
      // column-major panel vectors: V[q·m + r], so every inner loop runs over contiguous rows
      const V = new Float64Array(m * b)
      const W = new Float64Array(m * b)
      const tau = new Float64Array(nref)
      const col = new Float64Array(m)
      for (let j = 0; j < b; j++) {
        col.set(cols.subarray(j * m + j, (j + 1) * m), j)
        for (let q = 0; q < j; q++) {
          const vq = V.subarray(q * m, (q + 1) * m)
          const wq = W.subarray(q * m, (q + 1) * m)
          const wj = wq[j]!
          const vj = vq[j]!
          for (let r = j; r < m; r++) col[r] = col[r]! - (vq[r]! * wj + wq[r]! * vj)
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
        const vj = V.subarray(j * m, (j + 1) * m)
        const wj = W.subarray(j * m, (j + 1) * m)
        vj[j + 1] = 1
        for (let r = j + 2; r < m; r++) vj[r] = col[r]! * scale
        // w = τ (A v − V (Wᵀ v) − W (Vᵀ v)), then w −= ½ τ (wᵀ v) v
        const avT = tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(vj), [1, m]), at))
        const av = avT.dataSync()
        avT.dispose()
        for (let r = j + 1; r < m; r++) wj[r] = av[r]!
        for (let q = 0; q < j; q++) {
          const vq = V.subarray(q * m, (q + 1) * m)
          const wq = W.subarray(q * m, (q + 1) * m)
          let s1 = 0
          let s2 = 0
          for (let r = j + 1; r < m; r++) {
            s1 += wq[r]! * vj[r]!
            s2 += vq[r]! * vj[r]!
          }
          for (let r = j + 1; r < m; r++) wj[r] = wj[r]! - (vq[r]! * s1 + wq[r]! * s2)
        }
        let wv = 0
        for (let r = j + 1; r < m; r++) {
          wj[r] = wj[r]! * t
          wv += wj[r]! * vj[r]!
        }
        const c = -0.5 * t * wv
        for (let r = j + 1; r < m; r++) wj[r] = wj[r]! + c * vj[r]!
      }
      if (nref > 0) {
        const vOut = new Float64Array((m - 1) * nref)
        for (let j = 0; j < nref; j++) for (let r = 1; r < m; r++) vOut[(r - 1) * nref + j] = V[j * m + r]!
        panels.push({ p, b: nref, v: vOut, tau })
      }
      if (m > b) {
        // A[b:, b:] ← A[b:, b:] − [V W][b:] · [W V][b:]ᵀ
        const mm = m - b
        const left = new Float32Array(mm * 2 * b)
        const rightT = new Float32Array(2 * b * mm)
        for (let q = 0; q < b; q++)
          for (let r = 0; r < mm; r++) {
            const vv = V[q * m + b + r]!
            const ww = W[q * m + b + r]!
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
export function applyQ(form: TridiagonalForm, z: Float32Array, n: number, k: number, groupRows = 128): Float32Array {
  const out = Float32Array.from(z.subarray(0, n * k))
  // consecutive panels grouped into one block reflector of up to `groupRows` columns (fewer passes over Z)
  const groups: Reflectors[][] = []
  for (const pn of form.panels) {
    const g = groups[groups.length - 1]
    if (g && g.reduce((s, x) => s + x.b, 0) + pn.b <= groupRows && g[g.length - 1]!.p + g[g.length - 1]!.b === pn.p) g.push(pn)
    else groups.push([pn])
  }
  for (let gi = groups.length - 1; gi >= 0; gi--) {
    const g = groups[gi]!
    const p = g[0]!.p
    const b = g.reduce((s, x) => s + x.b, 0)
    const rows = n - p - 1
    const v = new Float32Array(rows * b)
    const tau = new Float64Array(b)
    let c0 = 0
    for (const pn of g) {
      const off = pn.p - p
      const pr = n - pn.p - 1
      for (let r = 0; r < pr; r++) for (let j = 0; j < pn.b; j++) v[(off + r) * b + c0 + j] = pn.v[r * pn.b + j]!
      tau.set(pn.tau, c0)
      c0 += pn.b
    }
    const vT = new Float32Array(b * rows)
    for (let r = 0; r < rows; r++) for (let j = 0; j < b; j++) vT[j * rows + r] = v[r * b + j]!
    const corr = tf.tidy(() => {
      const vt = tf.tensor2d(vT, [b, rows])
      const vm = tf.tensor2d(v, [rows, b])
      const vtv = tf.matMul(vt, vm).dataSync()
      const t = new Float64Array(b * b)
      for (let j = 0; j < b; j++) {
        t[j * b + j] = tau[j]!
        for (let i = 0; i < j; i++) {
          let s = 0
          for (let l = i; l < j; l++) s += t[i * b + l]! * vtv[l * b + j]!
          t[i * b + j] = -tau[j]! * s
        }
      }
      const bottom = tf.tensor2d(out.subarray((p + 1) * k, n * k), [rows, k])
      return tf.matMul(vm, tf.matMul(tf.tensor2d(Float32Array.from(t), [b, b]), tf.matMul(vt, bottom)))
    })
    const cd = corr.dataSync()
    corr.dispose()
    const base = (p + 1) * k
    for (let i = 0; i < rows * k; i++) out[base + i] = out[base + i]! - cd[i]!
  }
  return out
}
