/**
 * Symmetric tridiagonal eigenproblem by implicit QL with Wilkinson-type shifts (EISPACK tql2), float64.
 * T = tridiag(e, d, e), e[i] = T[i, i+1]. Returns ascending eigenvalues and Z (row-major n×n, column i is
 * the eigenvector of value i) with T = Z diag(λ) Zᵀ. O(n³) through the rotations on Z: used for the leaves
 * of the divide-and-conquer solver and as its small-n path.
 */
export function tql2(dIn: Float64Array, eIn: Float64Array): { values: Float64Array; vectors: Float64Array } {
  const n = dIn.length
  const d = Float64Array.from(dIn)
  const e = new Float64Array(n)
  e.set(eIn.subarray(0, Math.max(0, n - 1)))
  // zt row i = eigenvector column i, so each rotation touches two contiguous rows
  const zt = new Float64Array(n * n)
  for (let i = 0; i < n; i++) zt[i * n + i] = 1
  const eps = 2 ** -52
  let f = 0
  let tst1 = 0
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!))
    let m = l
    while (m < n - 1 && Math.abs(e[m]!) > eps * tst1) m++
    if (m > l) {
      let iter = 0
      do {
        if (++iter > 60) throw new Error('tql2: no convergence')
        let g = d[l]!
        let p = (d[l + 1]! - g) / (2 * e[l]!)
        let r = Math.hypot(p, 1)
        if (p < 0) r = -r
        d[l] = e[l]! / (p + r)
        d[l + 1] = e[l]! * (p + r)
        const dl1 = d[l + 1]!
        let h = g - d[l]!
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h
        f += h
        p = d[m]!
        let c = 1
        let c2 = c
        let c3 = c
        const el1 = e[l + 1]!
        let s = 0
        let s2 = 0
        for (let i = m - 1; i >= l; i--) {
          c3 = c2
          c2 = c
          s2 = s
          g = c * e[i]!
          h = c * p
          r = Math.hypot(p, e[i]!)
          e[i + 1] = s * r
          s = e[i]! / r
          c = p / r
          p = c * d[i]! - s * g
          d[i + 1] = h + s * (c * g + s * d[i]!)
          const ri = i * n
          const ri1 = ri + n
          for (let k = 0; k < n; k++) {
            const hk = zt[ri1 + k]!
            const zk = zt[ri + k]!
            zt[ri1 + k] = s * zk + c * hk
            zt[ri + k] = c * zk - s * hk
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1
        e[l] = s * p
        d[l] = c * p
      } while (Math.abs(e[l]!) > eps * tst1)
    }
    d[l] = d[l]! + f
    e[l] = 0
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[a]! - d[b]!)
  const values = new Float64Array(n)
  const vectors = new Float64Array(n * n)
  order.forEach((src, dst) => {
    values[dst] = d[src]!
    for (let k = 0; k < n; k++) vectors[k * n + dst] = zt[src * n + k]!
  })
  return { values, vectors }
}
