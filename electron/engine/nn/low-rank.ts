import * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../shared/errors'
import { activationOps, type FiniteFcArch } from './mlp'
import { Xoshiro128 } from '../core/random'

// Low-rank dense layers (Ailon & Shit, "Efficient NTK using Dimensionality Reduction", 2022): a hidden
// Dense layer's weight is the product of two thin matrices of rank r,
//   z = c · (h U) Vᵀ + σ_b b,   U ∈ R^{n_in × r}, V ∈ R^{n_out × r}, U, V, b ~ N(0, 1),  c = σ_w / √(n_in · r),
// so Var z = σ_w² ‖h‖²/n_in + σ_b² as for a full layer (NTK parameterization), with r·(n_in + n_out)
// weights instead of n_in·n_out. Its empirical NTK extends the layerwise identity of ntk/empirical.ts: with
// G = ∂f/∂z and t = h U,
//   ∂f/∂V = c Gᵀ t   →  c² (t tᵀ) ⊙ (G Gᵀ)
//   ∂f/∂U = c hᵀ (G V) →  c² (h hᵀ) ⊙ ((G V)(G V)ᵀ)
//   ∂f/∂b = σ_b G      →  σ_b² G Gᵀ
// and G of the layer below is (c (G V) Uᵀ) ⊙ φ′(z_below). The readout stays a full Dense layer.

export interface LowRankLayer {
  u: tf.Tensor2D
  /** Vᵀ, r × n_out (stored transposed: the forward pass multiplies by it without a transpose flag) */
  vt: tf.Tensor2D
  b: tf.Tensor2D | null
  nIn: number
  nOut: number
  rank: number
  c: number
  bScale: number
}

export interface LowRankMlp {
  arch: FiniteFcArch
  inDim: number
  outDim: number
  rank: number
  hidden: LowRankLayer[]
  /** the full readout: z = wScale · h W + bScale · b */
  readout: { w: tf.Tensor2D; b: tf.Tensor2D | null; wScale: number; bScale: number }
  phi: (x: tf.Tensor) => tf.Tensor
  dphi: (x: tf.Tensor) => tf.Tensor
}

export function lowRankParameterCount(arch: FiniteFcArch, inDim: number, outDim: number, rank: number): number {
  let p = 0
  let nIn = inDim
  const bias = arch.bStd !== null ? 1 : 0
  for (let l = 0; l < arch.depth; l++) {
    p += rank * (nIn + arch.width) + bias * arch.width
    nIn = arch.width
  }
  return p + nIn * outDim + bias * outDim
}

/** Draws U, Vᵀ, b layer by layer, then the readout, from the seeded PRNG. */
export function initLowRankMlp(arch: FiniteFcArch, inDim: number, outDim: number, rank: number, seed: number): LowRankMlp {
  if (arch.parameterization !== 'ntk') throw new UserError('low_rank_parameterization', 'low-rank layers are implemented in the NTK parameterization', 'Use parameterization ntk.')
  if (!Number.isInteger(rank) || rank < 1) throw new UserError('bad_rank', `rank ${rank}: need an integer ≥ 1`, 'e.g. rank 16')
  const rng = new Xoshiro128(seed)
  const bias = arch.bStd !== null
  const hidden: LowRankLayer[] = []
  let nIn = inDim
  for (let l = 0; l < arch.depth; l++) {
    const nOut = arch.width
    const u = tf.tensor2d(rng.normals(nIn * rank), [nIn, rank])
    const vt = tf.tensor2d(rng.normals(rank * nOut), [rank, nOut])
    const b = bias ? tf.tensor2d(rng.normals(nOut), [1, nOut]) : null
    hidden.push({ u, vt, b, nIn, nOut, rank, c: arch.wStd / Math.sqrt(nIn * rank), bScale: arch.bStd ?? 0 })
    nIn = nOut
  }
  const w = tf.tensor2d(rng.normals(nIn * outDim), [nIn, outDim])
  const b = bias ? tf.tensor2d(rng.normals(outDim), [1, outDim]) : null
  return { arch, inDim, outDim, rank, hidden, readout: { w, b, wScale: arch.wStd / Math.sqrt(nIn), bScale: arch.bStd ?? 0 }, ...activationOps(arch.activation) }
}

export function disposeLowRankMlp(net: LowRankMlp): void {
  for (const l of net.hidden) tf.dispose([l.u, l.vt, ...(l.b ? [l.b] : [])])
  tf.dispose([net.readout.w, ...(net.readout.b ? [net.readout.b] : [])])
}

interface Cache {
  /** h entering each hidden layer and the readout */
  inputs: tf.Tensor2D[]
  /** t = h U per hidden layer */
  t: tf.Tensor2D[]
  /** pre-activations z per hidden layer */
  pre: tf.Tensor2D[]
  out: tf.Tensor2D
}

function forwardCache(net: LowRankMlp, x: tf.Tensor2D): Cache {
  const inputs: tf.Tensor2D[] = [tf.clone(x)]
  const t: tf.Tensor2D[] = []
  const pre: tf.Tensor2D[] = []
  net.hidden.forEach((l, i) => {
    const ti: tf.Tensor2D = tf.matMul(inputs[i]!, l.u)
    const z = tf.tidy(() => {
      const zz = tf.mul(tf.matMul(ti, l.vt), l.c)
      return (l.b ? tf.add(zz, tf.mul(l.b, l.bScale)) : zz) as tf.Tensor2D
    })
    t.push(ti)
    pre.push(z)
    inputs.push(tf.tidy(() => net.phi(z) as tf.Tensor2D))
  })
  const r = net.readout
  const out = tf.tidy(() => {
    const o = tf.mul(tf.matMul(inputs[inputs.length - 1]!, r.w), r.wScale)
    return (r.b ? tf.add(o, tf.mul(r.b, r.bScale)) : o) as tf.Tensor2D
  })
  return { inputs, t, pre, out }
}

function disposeCache(c: Cache): void {
  tf.dispose([...c.inputs, ...c.t, ...c.pre, c.out])
}

/** f(x), n × outDim. */
export function lowRankForward(net: LowRankMlp, x: tf.Tensor2D): tf.Tensor2D {
  const c = forwardCache(net, x)
  const out = tf.clone(c.out)
  disposeCache(c)
  return out
}

const gram = (a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D => tf.matMul(a, tf.transpose(b))

/** Empirical NTK Θ̂(x, x2) (x2 absent: x with itself), averaged over the output units; n × n2. */
export function lowRankEmpiricalNtk(net: LowRankMlp, x: tf.Tensor2D, x2?: tf.Tensor2D): tf.Tensor2D {
  const n = x.shape[0]
  const all = x2 ? tf.concat([x, x2], 0) : x
  const c = forwardCache(net, all)
  const n2 = x2 ? x2.shape[0] : n
  const A = <T extends tf.Tensor2D>(t: T): T => (x2 ? (tf.slice(t, [0, 0], [n, -1]) as T) : t)
  const B = <T extends tf.Tensor2D>(t: T): T => (x2 ? (tf.slice(t, [n, 0], [n2, -1]) as T) : t)
  try {
    return tf.tidy(() => {
      const K = net.outDim
      const L = net.hidden.length
      const r = net.readout
      const hL = c.inputs[L]!
      let theta = tf.mul(gram(A(hL), B(hL)), r.wScale * r.wScale) as tf.Tensor2D
      if (r.b) theta = tf.add(theta, r.bScale * r.bScale)
      // G for each output k, walking down; the readout's G is e_k
      const rows = n + (x2 ? n2 : 0)
      const wt = tf.transpose(r.w)
      let back: tf.Tensor2D[] = Array.from({ length: K }, (_, k) => tf.mul(tf.tile(tf.slice(wt, [k, 0], [1, -1]), [rows, 1]), r.wScale) as tf.Tensor2D) // ∂f_k/∂h_L
      for (let l = L - 1; l >= 0; l--) {
        const layer = net.hidden[l]!
        const dz = net.dphi(c.pre[l]!)
        const gs = back.map((g) => tf.mul(g, dz) as tf.Tensor2D) // ∂f_k/∂z_l
        const h = c.inputs[l]!
        const t = c.t[l]!
        const hh = gram(A(h), B(h))
        const tt = gram(A(t), B(t))
        const v = tf.transpose(layer.vt) // n_out × r
        let gg: tf.Tensor2D = tf.zeros([n, n2])
        let gvgv: tf.Tensor2D = tf.zeros([n, n2])
        const gv = gs.map((g) => tf.matMul(g, v) as tf.Tensor2D)
        gs.forEach((g, k) => {
          gg = tf.add(gg, gram(A(g), B(g)))
          gvgv = tf.add(gvgv, gram(A(gv[k]!), B(gv[k]!)))
        })
        const c2 = layer.c * layer.c
        let term = tf.mul(tf.add(tf.mul(tt, gg), tf.mul(hh, gvgv)), c2 / K) as tf.Tensor2D
        if (layer.b) term = tf.add(term, tf.mul(gg, (layer.bScale * layer.bScale) / K))
        theta = tf.add(theta, term)
        // ∂f/∂h_l = c (G V) Uᵀ
        const ut = tf.transpose(layer.u)
        back = gv.map((g) => tf.mul(tf.matMul(g, ut), layer.c) as tf.Tensor2D)
      }
      return theta
    })
  } finally {
    disposeCache(c)
    if (x2) all.dispose()
  }
}

/** The trainable tensors in a fixed order (U, Vᵀ, b per hidden layer; then W, b of the readout). */
export function lowRankParameters(net: LowRankMlp): tf.Tensor2D[] {
  const out: tf.Tensor2D[] = []
  for (const l of net.hidden) out.push(l.u, l.vt, ...(l.b ? [l.b] : []))
  out.push(net.readout.w, ...(net.readout.b ? [net.readout.b] : []))
  return out
}

// Reverse mode through z = c (h U) Vᵀ + σ_b b (tfjs-core has no gradients registered here; nn/backward.ts
// does the same for full layers). With δ = ∂L/∂z and t = hU:
//   ∂L/∂Vᵀ = c tᵀ δ,   ∂L/∂U = c hᵀ (δ V),   ∂L/∂b = σ_b Σ_rows δ,   ∂L/∂h = c (δ V) Uᵀ.
/** Loss ‖f − y‖²/(2·N·K) (docs/math.md §3) and ∂loss/∂p in the order of lowRankParameters. */
export function lowRankGradients(net: LowRankMlp, x: tf.Tensor2D, y: tf.Tensor2D): { loss: number; grads: tf.Tensor2D[] } {
  const c = forwardCache(net, x)
  try {
    return tf.tidy(() => {
      const r = tf.sub(c.out, y)
      const loss = tf.sum(tf.mul(r, r)).dataSync()[0]! / (2 * y.size)
      const ro = net.readout
      let delta = tf.mul(r, 1 / y.size) as tf.Tensor2D
      const hL = c.inputs[net.hidden.length]!
      const tail: tf.Tensor2D[] = [tf.mul(tf.matMul(tf.transpose(hL), delta), ro.wScale) as tf.Tensor2D]
      if (ro.b) tail.push(tf.mul(tf.sum(delta, 0, true), ro.bScale) as tf.Tensor2D)
      let dh = tf.mul(tf.matMul(delta, tf.transpose(ro.w)), ro.wScale) as tf.Tensor2D
      const perLayer: tf.Tensor2D[][] = []
      for (let l = net.hidden.length - 1; l >= 0; l--) {
        const layer = net.hidden[l]!
        delta = tf.mul(dh, net.dphi(c.pre[l]!)) as tf.Tensor2D
        const dv = tf.matMul(delta, tf.transpose(layer.vt)) // δ V, n × r
        const g: tf.Tensor2D[] = [tf.mul(tf.matMul(tf.transpose(c.inputs[l]!), dv), layer.c) as tf.Tensor2D, tf.mul(tf.matMul(tf.transpose(c.t[l]!), delta), layer.c) as tf.Tensor2D]
        if (layer.b) g.push(tf.mul(tf.sum(delta, 0, true), layer.bScale) as tf.Tensor2D)
        perLayer.unshift(g)
        if (l > 0) dh = tf.mul(tf.matMul(dv, tf.transpose(layer.u)), layer.c) as tf.Tensor2D
      }
      return { loss, grads: [...perLayer.flat(), ...tail] }
    })
  } finally {
    disposeCache(c)
  }
}

/** Full-batch gradient descent in place; returns the loss before each step and after the last. */
export async function trainLowRank(net: LowRankMlp, x: tf.Tensor2D, y: tf.Tensor2D, o: { steps: number; learningRate: number; onStep?: (step: number, loss: number) => Promise<void> | void }): Promise<number[]> {
  const losses: number[] = []
  for (let s = 0; s < o.steps; s++) {
    const { loss, grads } = lowRankGradients(net, x, y)
    losses.push(loss)
    const params = lowRankParameters(net)
    const next = tf.tidy(() => params.map((p, i) => tf.sub(p, tf.mul(grads[i]!, o.learningRate)) as tf.Tensor2D))
    tf.dispose(grads)
    let i = 0
    for (const l of net.hidden) {
      tf.dispose([l.u, l.vt, ...(l.b ? [l.b] : [])])
      l.u = next[i++]!
      l.vt = next[i++]!
      if (l.b) l.b = next[i++]!
    }
    tf.dispose([net.readout.w, ...(net.readout.b ? [net.readout.b] : [])])
    net.readout.w = next[i++]!
    if (net.readout.b) net.readout.b = next[i++]!
    await o.onStep?.(s, loss)
  }
  const final = lowRankGradients(net, x, y)
  tf.dispose(final.grads)
  losses.push(final.loss)
  return losses
}
