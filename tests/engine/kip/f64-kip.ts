// A straightforward float64 KIP loss, written independently of the engine: the kernel by the literal
// per-pair recursion (analytic-brute-force.ts), the solve by Gaussian elimination with partial pivoting.
import type { FcArch } from '../../../shared/arch'
import { brutePair, type Vec } from '../ntk/analytic-brute-force'

export function gaussSolve(a: number[][], b: number[][]): number[][] {
  const n = a.length
  const m = a.map((r, i) => [...r, ...b[i]!])
  const k = b[0]!.length
  for (let c = 0; c < n; c++) {
    let p = c
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r
    ;[m[c], m[p]] = [m[p]!, m[c]!]
    for (let r = 0; r < n; r++) {
      if (r === c) continue
      const f = m[r]![c]! / m[c]![c]!
      for (let j = c; j < n + k; j++) m[r]![j]! -= f * m[c]![j]!
    }
  }
  return m.map((r, i) => r.slice(n).map((v) => v / m[i]![i]!))
}

export function kernel64(a: Vec[], b: Vec[], arch: FcArch, kind: 'ntk' | 'nngp'): number[][] {
  return a.map((x) => b.map((y) => brutePair(x, y, arch)[kind]))
}

/** ½ · mean over nt·C of (y_t − K_ts (K_ss + εI)⁻¹ y_s)², ε = r · tr(K_ss)/n. */
export function kipLoss64(xt: Vec[], yt: number[][], xs: Vec[], ys: number[][], arch: FcArch, kind: 'ntk' | 'nngp', diagReg: number): number {
  const kss = kernel64(xs, xs, arch, kind)
  const n = xs.length
  const eps = (diagReg * kss.reduce((s, r, i) => s + r[i]!, 0)) / n
  const a = kss.map((r, i) => r.map((v, j) => v + (i === j ? eps : 0)))
  const alpha = gaussSolve(a, ys)
  const kts = kernel64(xt, xs, arch, kind)
  let loss = 0
  const c = ys[0]!.length
  for (let i = 0; i < xt.length; i++) {
    for (let k = 0; k < c; k++) {
      let p = 0
      for (let j = 0; j < n; j++) p += kts[i]![j]! * alpha[j]![k]!
      loss += (p - yt[i]![k]!) ** 2
    }
  }
  return (0.5 * loss) / (xt.length * c)
}

/** Central finite differences of f over every entry of v (float64). */
export function fdGrad(v: number[][], f: (v: number[][]) => number, h: number): number[][] {
  return v.map((row, i) =>
    row.map((_, j) => {
      const plus = v.map((r) => [...r])
      const minus = v.map((r) => [...r])
      plus[i]![j]! += h
      minus[i]![j]! -= h
      return (f(plus) - f(minus)) / (2 * h)
    }),
  )
}
