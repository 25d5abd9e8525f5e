// An independent float64 evaluation of the docs/math.md §1 recursion, one pair of points at a time, in plain
// JS (no tfjs, no code shared with electron/engine/ntk). Closed forms are written as docs/math.md states them
// (atan2 forms); GELU, Sin and tanh expectations use a 2-D trapezoid rule over the standard normal, which is
// spectrally accurate for smooth integrands, so they check the engine's closed forms and quadrature.
import type { ActivationSpec, FcArch } from '../../../shared/arch'
import { mulberry32 } from '../../helpers/prng'

export type Vec = number[]

/** erf to ~1e-15: Maclaurin series for |x| < 3, continued fraction for erfc beyond. */
export function erf64(x: number): number {
  const t = Math.abs(x)
  if (t < 3) {
    let p = t
    let s = t
    for (let k = 1; k < 200; k++) {
      p *= (-t * t) / k
      const add = p / (2 * k + 1)
      s += add
      if (Math.abs(add) < 1e-17 * Math.abs(s)) break
    }
    return (Math.sign(x) * 2 * s) / Math.sqrt(Math.PI)
  }
  let f = 0
  for (let k = 80; k >= 1; k--) f = k / 2 / (t + f)
  return Math.sign(x) * (1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f))
}

const pdf = (z: number): number => Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI)
const GRID_N = 141
const GRID_L = 7.5
const grid = Array.from({ length: GRID_N }, (_, i) => -GRID_L + (2 * GRID_L * i) / (GRID_N - 1))
const gridW = grid.map((z) => pdf(z) * ((2 * GRID_L) / (GRID_N - 1)))

/** E[f(u) g(v)], (u, v) centred Gaussian with variances q1, q2 and covariance s. */
export function gaussExpect2(f: (u: number) => number, g: (v: number) => number, s: number, q1: number, q2: number): number {
  const c = Math.max(-1, Math.min(1, s / Math.sqrt(q1 * q2)))
  const r = Math.sqrt(1 - c * c)
  let acc = 0
  for (let i = 0; i < GRID_N; i++) {
    const z1 = grid[i]!
    const fu = f(Math.sqrt(q1) * z1)
    let inner = 0
    for (let j = 0; j < GRID_N; j++) inner += gridW[j]! * g(Math.sqrt(q2) * (c * z1 + r * grid[j]!))
    acc += gridW[i]! * fu * inner
  }
  return acc
}

export function gaussExpect1(f: (u: number) => number, q: number): number {
  let acc = 0
  for (let i = 0; i < GRID_N; i++) acc += gridW[i]! * f(Math.sqrt(q) * grid[i]!)
  return acc
}

interface Pair {
  s: number
  q1: number
  q2: number
  theta: number
}

type ActMaps = { T(p: Pair): number; Td(p: Pair): number; diag(q: number): number }

function abrelu(a: number, b: number): ActMaps {
  const f = (a - b) ** 2 / (2 * Math.PI)
  const k0 = (a * a + b * b) / 2
  const root = (p: Pair): number => Math.sqrt(Math.max(p.q1 * p.q2 - p.s * p.s, 0))
  const ang = (p: Pair): number => Math.atan2(root(p), p.s)
  return {
    Td: (p) => k0 - f * ang(p),
    T: (p) => f * root(p) + (k0 - f * ang(p)) * p.s,
    diag: (q) => k0 * q,
  }
}

function erfMaps(a: number, b: number, c: number): ActMaps {
  const b2 = b * b
  const core = (p: Pair): { P: number; s: number } => ({ P: (1 + 2 * b2 * p.q1) * (1 + 2 * b2 * p.q2), s: b2 * p.s })
  return {
    T: (p) => {
      const { P, s } = core(p)
      return a * a * (2 / Math.PI) * Math.atan2(2 * s, Math.sqrt(P - 4 * s * s)) + c * c
    },
    Td: (p) => {
      const { P, s } = core(p)
      return a * a * b2 * (4 / Math.PI) / Math.sqrt(P - 4 * s * s)
    },
    diag: (q) => a * a * (2 / Math.PI) * Math.atan2(b2 * q, Math.sqrt(b2 * q + 0.25)) + c * c,
  }
}

function numeric(f: (x: number) => number, df: (x: number) => number): ActMaps {
  return {
    T: (p) => gaussExpect2(f, f, p.s, p.q1, p.q2),
    Td: (p) => gaussExpect2(df, df, p.s, p.q1, p.q2),
    diag: (q) => gaussExpect1((u) => f(u) ** 2, q),
  }
}

const Phi = (x: number): number => 0.5 * (1 + erf64(x / Math.SQRT2))
export const geluF = (x: number): number => x * Phi(x)
export const geluDf = (x: number): number => Phi(x) + x * pdf(x)

export function actMaps(a: ActivationSpec | { name: 'tanh' }): ActMaps {
  switch (a.name) {
    case 'relu':
      return abrelu(0, 1)
    case 'identity':
      return abrelu(1, 1)
    case 'abs':
      return abrelu(-1, 1)
    case 'leaky_relu':
      return abrelu(a.alpha, 1)
    case 'abrelu':
      return abrelu(a.a, a.b)
    case 'erf':
      return erfMaps(a.a, a.b, a.c)
    case 'gelu':
      return numeric(geluF, geluDf)
    case 'sin':
      return numeric(Math.sin, Math.cos)
    case 'tanh':
      return numeric(Math.tanh, (x) => 1 - Math.tanh(x) ** 2)
  }
}

/**
 * NNGP and NTK of the FC network for one pair of points (docs/math.md §1, literally). lowRankHidden: hidden
 * weights are products of two trained factors, whose gradients each add the weight term σ_w² Σ_old (§5).
 */
export function brutePair(x1: Vec, x2: Vec, arch: FcArch, act: ActMaps = actMaps(arch.activation), lowRankHidden = false): { nngp: number; ntk: number } {
  const d = x1.length
  let s = 0
  let q1 = 0
  let q2 = 0
  for (let k = 0; k < d; k++) {
    s += x1[k]! * x2[k]!
    q1 += x1[k]! * x1[k]!
    q2 += x2[k]! * x2[k]!
  }
  s /= d
  q1 /= d
  q2 /= d
  let theta = 0
  let width: number | 'inf' = d
  const w2 = arch.wStd ** 2
  const hasBias = arch.bStd !== null && arch.bStd !== undefined
  const b2 = hasBias ? arch.bStd! ** 2 : 0
  const denseStep = (outWidth: number | 'inf', factorised = false): void => {
    const sOld = s
    s = w2 * s + b2
    q1 = w2 * q1 + b2
    q2 = w2 * q2 + b2
    if (arch.parameterization === 'ntk') theta = s + w2 * theta + (factorised ? w2 * sOld : 0)
    else theta = (width as number) * sOld + w2 * theta + (hasBias ? 1 : 0)
    width = outWidth
  }
  for (let l = 0; l < arch.depth; l++) {
    denseStep(arch.width, lowRankHidden)
    const p: Pair = { s, q1, q2, theta }
    const t = act.T(p)
    const td = act.Td(p)
    theta *= td
    s = t
    q1 = act.diag(q1)
    q2 = act.diag(q2)
  }
  denseStep(1)
  return { nngp: s, ntk: theta }
}

export function bruteKernels(x: Vec[], x2: Vec[], arch: FcArch, act?: ActMaps, lowRankHidden = false): { nngp: number[][]; ntk: number[][] } {
  const a = act ?? actMaps(arch.activation)
  const nngp: number[][] = []
  const ntk: number[][] = []
  for (const xi of x) {
    const rn: number[] = []
    const rt: number[] = []
    for (const xj of x2) {
      const k = brutePair(xi, xj, arch, a, lowRankHidden)
      rn.push(k.nngp)
      rt.push(k.ntk)
    }
    nngp.push(rn)
    ntk.push(rt)
  }
  return { nngp, ntk }
}

/** Deterministic normal samples (mulberry32 + Box–Muller). */
export function gaussianRows(rows: number, cols: number, seed: number, scale = 1): Vec[] {
  const rand = mulberry32(seed)
  const out: Vec[] = []
  for (let i = 0; i < rows; i++) {
    const r: number[] = []
    for (let j = 0; j < cols; j++) r.push(scale * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()))
    out.push(r)
  }
  return out
}

export function toMatrix(rows: Vec[]): { data: Float64Array; rows: number; cols: number } {
  const n = rows.length
  const d = rows[0]!.length
  const data = new Float64Array(n * d)
  rows.forEach((r, i) => data.set(r, i * d))
  return { data, rows: n, cols: d }
}

/** Symmetric eigenvalues by cyclic Jacobi rotations (float64). */
export function jacobiEigenvalues(m: number[][]): number[] {
  const n = m.length
  const a = m.map((r) => [...r])
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i]![j]! ** 2
    if (off < 1e-22) break
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p]![q]!
        if (Math.abs(apq) < 1e-300) continue
        const tau = (a[q]![q]! - a[p]![p]!) / (2 * apq)
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau))
        const c = 1 / Math.sqrt(1 + t * t)
        const s = t * c
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!
          const akq = a[k]![q]!
          a[k]![p] = c * akp - s * akq
          a[k]![q] = s * akp + c * akq
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!
          const aqk = a[q]![k]!
          a[p]![k] = c * apk - s * aqk
          a[q]![k] = s * apk + c * aqk
        }
      }
    }
  }
  return a.map((r, i) => r[i]!).sort((x, y) => x - y)
}
