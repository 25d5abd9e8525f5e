import type { FcArch } from '../../../shared/arch'

// The whole depth recursion of an FC network with an ABReLU-family activation (ReLU, leaky ReLU, |x|,
// ABReLU(a, b)), per kernel entry in float64 registers (docs/math.md §1; arc-cosine kernel of Cho & Saul
// 2009, NTK recursion of Jacot et al. 2018). Per layer ℓ, with c = Σ/√(q1 q2), θ = acos c,
// f = (a − b)²/(2π) and k0 = (a² + b²)/2:
//   Dense:      Σ ← σ_w² Σ + σ_b²;  Θ ← Σ + σ_w² Θ (NTK param.; factorised: 2Σ − σ_b² + σ_w² Θ),
//                                     Θ ← n_in Σ_old + σ_w² Θ (+ 1 with a bias) (standard param.)
//   activation: Ṫ = k0 − f θ,  Σ ← √(q1 q2) (f √(1 − c²) + Ṫ c),  Θ ← Θ Ṫ,  q ← k0 q.
// The layer-by-layer backend ops walked each tile ~10 times per layer and allocated as often; this loop
// reads the tile's Gram matrix once and writes each kernel once (docs/performance.md, "Analytic kernel").
// acos is the polynomial of activations/fast-acos.ts (2e-8 absolute), inlined.

/** What the fused loop needs of an FC architecture; null when the network is not of this family. */
export interface FusedFcPlan {
  depth: number
  w2: number
  b2: number
  standard: boolean
  bias: boolean
  /** hidden width (standard parameterization: n_in of the layers after the first) */
  width: number
  /** hidden Dense layers factorised (their r → ∞ limit, nn/low-rank.ts) */
  factorised: boolean
  f: number
  k0: number
}

export interface ABReluShape {
  a: number
  b: number
}

export function fusedFcPlan(arch: Pick<FcArch, 'depth' | 'width' | 'wStd' | 'bStd' | 'parameterization'>, act: ABReluShape, factorised: boolean): FusedFcPlan | null {
  // the standard-parameterization NTK at infinite width is refused by the op path, with its message
  if (arch.parameterization === 'standard' && arch.width === 'inf' && arch.depth > 0) return null
  if (factorised && arch.parameterization !== 'ntk') return null
  const bStd = arch.bStd ?? null
  return {
    depth: arch.depth,
    w2: arch.wStd * arch.wStd,
    b2: bStd === null ? 0 : bStd * bStd,
    standard: arch.parameterization === 'standard',
    bias: bStd !== null,
    width: arch.width === 'inf' ? 0 : arch.width,
    factorised,
    f: ((act.a - act.b) * (act.a - act.b)) / (2 * Math.PI),
    k0: (act.a * act.a + act.b * act.b) / 2,
  }
}

// Variances below this are taken as this value when normalising (activations/correlation.ts): a zero input
// without bias then gives c = 0 and Σ = 0 instead of 0/0.
const Q_FLOOR = 1e-30
const A0 = 1.570796305
const A1 = -0.2145988016
const A2 = 0.0889789874
const A3 = -0.0501743046
const A4 = 0.030891881
const A5 = -0.0170881256
const A6 = 0.0066700901
const A7 = -0.0012624911

/**
 * Per layer the normalisers of the pre-activation variances, 1/√q and √q, stacked [depth × n]. q enters as
 * q⁰ = ‖x‖²/d; each hidden Dense maps it to σ_w² q + σ_b², each activation to k0 q (its T(q, q, q)).
 */
function normalisers(plan: FusedFcPlan, q0: Float64Array): { inv: Float64Array; root: Float64Array } {
  const n = q0.length
  const inv = new Float64Array(plan.depth * n)
  const root = new Float64Array(plan.depth * n)
  for (let i = 0; i < n; i++) {
    let q = q0[i]!
    for (let l = 0; l < plan.depth; l++) {
      q = plan.w2 * q + plan.b2
      inv[l * n + i] = 1 / Math.sqrt(q > Q_FLOOR ? q : Q_FLOOR)
      root[l * n + i] = Math.sqrt(q)
      q = plan.k0 * q
    }
  }
  return { inv, root }
}

// Two rows of float64 state, reused: one pass per layer over a row held in L1 cache measured 2–2.5× faster
// than a layer loop inside the entry loop (the row's normalisers stay in registers, the inner loop is flat).
let rowBuf: { s: Float64Array; t: Float64Array } | null = null

/**
 * NNGP and NTK of one tile from its input Gram matrix `gram` (x·x′ᵀ, rows×cols, float32) and the input
 * variances q⁰ of its rows and columns. `pinDiagonal` (a square tile on the diagonal of a kernel of x with
 * itself): entry (i, i) is computed from Σ⁰ = q⁰_i and c = 1 exactly, so a point's correlation with itself
 * does not round below 1 (acos(1 − ulp) would bias Ṫ).
 */
export function fusedFcTile(
  plan: FusedFcPlan,
  gram: Float32Array,
  d: number,
  q1: Float64Array,
  q2: Float64Array,
  pinDiagonal: boolean,
  out: { nngp: Float32Array | null; ntk: Float32Array | null },
): void {
  const rows = q1.length
  const cols = q2.length
  const L = plan.depth
  const { w2, b2, f, k0 } = plan
  // Dense: Θ ← α Σ_new + β Σ_old + σ_w² Θ + γ covers both parameterizations (docs/math.md §1)
  const alphaHidden = plan.standard ? 0 : plan.factorised ? 2 : 1
  const gammaHidden = plan.standard ? (plan.bias ? 1 : 0) : plan.factorised ? -b2 : 0
  const alphaOut = plan.standard ? 0 : 1
  const gammaOut = plan.standard && plan.bias ? 1 : 0
  const n1 = normalisers(plan, q1)
  const n2 = normalisers(plan, q2)
  if (!rowBuf || rowBuf.s.length < cols) rowBuf = { s: new Float64Array(cols), t: new Float64Array(cols) }
  const sRow = rowBuf.s
  const tRow = rowBuf.t
  const invD = 1 / d
  const PI = Math.PI
  // the polynomial's coefficients as locals: module constants were reloaded per entry
  const a0 = A0, a1 = A1, a2 = A2, a3 = A3, a4 = A4, a5 = A5, a6 = A6, a7 = A7
  for (let i = 0; i < rows; i++) {
    const base = i * cols
    for (let j = 0; j < cols; j++) {
      sRow[j] = gram[base + j]! * invD
      tRow[j] = 0
    }
    const diag = pinDiagonal ? i : -1
    if (diag >= 0) sRow[diag] = q1[i]!
    let width = d
    for (let l = 0; l < L; l++) {
      const beta = plan.standard ? width : 0
      width = plan.width
      const ri = n1.inv[l * rows + i]!
      const qi = n1.root[l * rows + i]!
      const o = l * cols
      const inv2 = n2.inv
      const root2 = n2.root
      // the diagonal entry's state before this layer, to redo it with c = 1
      const sd = diag >= 0 ? sRow[diag]! : 0
      const td0 = diag >= 0 ? tRow[diag]! : 0
      for (let j = 0; j < cols; j++) {
        const old = sRow[j]!
        const sd1 = w2 * old + b2
        const t = alphaHidden * sd1 + beta * old + w2 * tRow[j]! + gammaHidden
        let c = sd1 * ri * inv2[o + j]!
        c = c > 1 ? 1 : c < -1 ? -1 : c
        const a = c < 0 ? -c : c
        const r = Math.sqrt(1 - a) * (a0 + a * (a1 + a * (a2 + a * (a3 + a * (a4 + a * (a5 + a * (a6 + a * a7)))))))
        const td = k0 - f * (c < 0 ? PI - r : r)
        sRow[j] = qi * root2[o + j]! * (f * Math.sqrt(1 - c * c) + td * c)
        tRow[j] = t * td
      }
      if (diag >= 0) {
        // c = 1: θ = 0, Ṫ = k0, T = √(q q) k0
        const s1 = w2 * sd + b2
        sRow[diag] = qi * root2[o + diag]! * k0
        tRow[diag] = (alphaHidden * s1 + beta * sd + w2 * td0 + gammaHidden) * k0
      }
    }
    // the Dense readout (never factorised)
    const beta = plan.standard ? width : 0
    const nngpOut = out.nngp
    const ntkOut = out.ntk
    for (let j = 0; j < cols; j++) {
      const old = sRow[j]!
      const s1 = w2 * old + b2
      if (nngpOut) nngpOut[base + j] = s1
      if (ntkOut) ntkOut[base + j] = alphaOut * s1 + beta * old + w2 * tRow[j]! + gammaOut
    }
  }
}
