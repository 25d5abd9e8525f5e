import * as tf from '@tensorflow/tfjs-core'
import type { ActivationKernel } from '../activations/types'
import type { DifferentiableActivation } from '../activations/differentiable'
import type { PairBatch, PairBatchRule, PairBatchVariances, PairRule, PairState, PairVariances } from './types'

// Activation φ, entry-wise on spatial covariances (Novak et al. 2019, eq. 6; Arora et al. 2019, eq. 9):
//   Σ′_ij = T(Σ_ij, q_i(x), q_j(x′)),   Θ′_ij = Θ_ij · Ṫ(Σ_ij, q_i(x), q_j(x′)),
// with q_i(x) = Σ(x, x)_ii the variance of x at position i: the FC dual maps (activations/, docs/math.md)
// applied at every position pair. For the point with itself (v = null) the variances are the state's own
// diagonal, and T(q, q, q) is the new variance.

export function activationKernel(act: ActivationKernel): PairRule {
  const dualAt = act.dualAt
  if (!dualAt) throw new Error(`activation ${act.name} has no per-entry dual map for spatial kernels`)
  const out = new Float64Array(2)
  const run = act.dualRun
  return (s: PairState, v: PairVariances | null) => {
    const p = s.h * s.w
    const sig = s.nngp
    const ntk = s.ntk
    let row: Float64Array
    let col: Float64Array
    if (v) {
      row = v.row
      col = v.col
    } else {
      row = s.tmp
      for (let i = 0; i < p; i++) row[i] = s.full ? sig[i * p + i]! : sig[i]!
      col = row
    }
    if (run) {
      if (s.full) for (let i = 0; i < p; i++) run(sig, ntk, i * p, p, row, i, 0, col, 0)
      else run(sig, ntk, 0, p, row, 0, 1, col, 0)
    } else if (s.full) {
      for (let i = 0; i < p; i++) {
        const q1 = row[i]!
        const base = i * p
        for (let j = 0; j < p; j++) {
          const k = base + j
          dualAt(sig[k]!, q1, col[j]!, out)
          sig[k] = out[0]!
          if (ntk) ntk[k] = ntk[k]! * out[1]!
        }
      }
    } else {
      for (let i = 0; i < p; i++) {
        dualAt(sig[i]!, row[i]!, col[i]!, out)
        sig[i] = out[0]!
        if (ntk) ntk[i] = ntk[i]! * out[1]!
      }
    }
  }
}

/**
 * Finite forward: φ entry-wise, whose VJP is the module's own φ′ (dy ⊙ φ′(x), a.e. at kinks as the FC
 * networks take it) rather than whatever tfjs derives from φ's ops, so the empirical kernels of both network
 * kinds differentiate the same function.
 */
export function activationForward(act: ActivationKernel, x: tf.Tensor): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const z = args[0] as tf.Tensor
    ;(args[1] as tf.GradSaveFunc)([z])
    return { value: act.phi(z), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, act.dphi(saved[0]!)) }
  })
  return f(x)
}

/**
 * The kernel rule in tensor form on a batch of pairs (PairBatch), through the activation's gradient-safe
 * dual maps (activations/differentiable.ts: bounded derivatives where the correlation reaches ±1), so tfjs
 * differentiates it in the points. A self pass (v null) reads the variances off its own state, pinned.
 */
export function activationKernelTf(act: DifferentiableActivation): PairBatchRule {
  return (s: PairBatch, v: PairBatchVariances | null) => {
    const q1 = v ? v.row : s.nngp
    const q2 = v ? v.col : s.nngp
    const pin = v ? v.pin : (tf.onesLike(s.nngp) as tf.Tensor2D)
    const { t, tDot } = act.dual(s.nngp, q1, q2, pin)
    return { h: s.h, w: s.w, nngp: t, ntk: s.ntk ? (tf.mul(s.ntk, tDot) as tf.Tensor2D) : null }
  }
}

/**
 * The rule on whole matrices of pairs (KIP's FC kernel), keeping what its VJP needs: Σ′ = T(Σ, q₁, q₂),
 * Θ′ = Θ · Ṫ(Σ, q₁, q₂); the variances go q ← T(q, q, q) (act.diag).
 */
export interface ActivationTape {
  s: tf.Tensor2D
  q1: tf.Tensor2D
  q2: tf.Tensor2D
  /** Θ entering the activation (null: not tracked) */
  ntk: tf.Tensor2D | null
  tDot: tf.Tensor2D | null
}

export function activationKernelMatrix(act: DifferentiableActivation, s: tf.Tensor2D, q1: tf.Tensor2D, q2: tf.Tensor2D, pin: tf.Tensor2D | null, ntk: tf.Tensor2D | null): { nngp: tf.Tensor2D; ntk: tf.Tensor2D | null; tape: ActivationTape } {
  const { t, tDot } = act.dual(s, q1, q2, pin)
  return { nngp: t as tf.Tensor2D, ntk: ntk ? (tf.mul(ntk, tDot) as tf.Tensor2D) : null, tape: { s, q1, q2, ntk, tDot: ntk ? (tDot as tf.Tensor2D) : null } }
}

/**
 * VJP of activationKernelMatrix with the variances' own paths: from ∂/∂(Σ′, Θ′, q₁′, q₂′) to ∂/∂(Σ, Θ, q₁, q₂)
 * through the activation's dual-map VJP (activations/differentiable.ts).
 */
export function activationKernelMatrixVjp(
  act: DifferentiableActivation,
  tape: ActivationTape,
  pin: tf.Tensor2D | null,
  g: { gS: tf.Tensor2D | null; gN: tf.Tensor2D | null; gQ1: tf.Tensor2D | null; gQ2: tf.Tensor2D | null },
): { gS: tf.Tensor2D; gN: tf.Tensor2D | null; gQ1: tf.Tensor2D | null; gQ2: tf.Tensor2D | null } {
  let gN = g.gN
  let gTd: tf.Tensor2D | null = null
  if (gN && tape.ntk && tape.tDot) {
    gTd = tf.mul(gN, tape.ntk) as tf.Tensor2D
    gN = tf.mul(gN, tape.tDot) as tf.Tensor2D
  }
  const dual = act.dualVjp(tape.s, tape.q1, tape.q2, pin, g.gS ?? (tf.zerosLike(tape.s) as tf.Tensor2D), gTd)
  const add = (a: tf.Tensor2D | null, b: tf.Tensor2D | null): tf.Tensor2D | null => (a && b ? (tf.add(a, b) as tf.Tensor2D) : (a ?? b))
  const gQ1 = add(dual.gq1, g.gQ1 ? (tf.mul(g.gQ1, act.diagDerivative(tape.q1)) as tf.Tensor2D) : null)
  const gQ2 = add(dual.gq2, g.gQ2 ? (tf.mul(g.gQ2, act.diagDerivative(tape.q2)) as tf.Tensor2D) : null)
  return { gS: dual.gs, gN, gQ1, gQ2 }
}
