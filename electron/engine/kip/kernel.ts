import * as tf from '@tensorflow/tfjs-core'
import type { FcArch, KernelPlan } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'
import { differentiableActivation } from '../activations/differentiable'
import { checkTensorPlan } from '../layers/plan-tensor'

export type KipKernel = 'ntk' | 'nngp'

/** Σ⁰ of the kernel between row points and column points, with their variances (all float32 tensors). */
export interface KernelInputs {
  /** Σ⁰ = x·x′/d, rows×cols */
  s0: tf.Tensor2D
  /** q = ‖x‖²/d of the row points, [rows, 1] */
  qRows: tf.Tensor2D
  /** q of the column points, [1, cols] */
  qCols: tf.Tensor2D
  /** 1 where a row point is the column point itself (a self-kernel diagonal), else 0; null: none */
  pin: tf.Tensor2D | null
  /** input dimension d (the width the first Dense sees, for the standard parameterisation) */
  d: number
}

/**
 * KIP's kernel: an FC network (the recursion below with its hand-written backward pass), or an ARCH.json
 * read as a kernel plan, whose kernel and gradient come from the layer modules (layers/plan-tensor.ts).
 */
export type KipArch = FcArch | { plan: KernelPlan }

export function isPlanArch(arch: KipArch): arch is { plan: KernelPlan } {
  return 'plan' in arch
}

export function checkKipArch(arch: KipArch, kernel: KipKernel): void {
  if (isPlanArch(arch)) return checkTensorPlan(arch.plan)
  if (arch.parameterization === 'standard' && kernel === 'ntk' && arch.depth > 0 && arch.width === 'inf') {
    throw new UserError(
      'standard_needs_width',
      'the standard-parameterization NTK grows with the hidden width, so it needs a finite width',
      'Use the NTK parameterization (the default) or the NNGP kernel.',
    )
  }
  differentiableActivation(arch.activation)
}

/** What the backward pass needs of one hidden layer: the activation's inputs and the NTK entering it. */
interface LayerTape {
  s: tf.Tensor2D
  q1: tf.Tensor2D
  q2: tf.Tensor2D
  ntk: tf.Tensor2D | null
  tDot: tf.Tensor | null
}

export interface KernelForward {
  k: tf.Tensor2D
  tape: LayerTape[]
}

/**
 * The analytic FC kernel, keeping what its hand-written backward pass needs. Same recursion as the
 * engine's ntk/layers.ts (neural-tangents stax; Jacot, Gabriel & Hongler, "Neural Tangent Kernel", 2018;
 * Lee et al., "Deep Neural Networks as Gaussian Processes", 2018):
 *   Dense:      Σ ← σ_w² Σ + σ_b²,  Θ ← Σ_new + σ_w² Θ   (standard param.: Θ ← n_in Σ_old + σ_w² Θ (+1))
 *   Activation: Σ ← T(Σ, q1, q2),   Θ ← Θ · Ṫ(Σ, q1, q2),  q ← T(q, q, q)
 * Call inside tf.tidy.
 */
export function fcKernelForward(inp: KernelInputs, arch: FcArch, kernel: KipKernel): KernelForward {
  const w2 = arch.wStd * arch.wStd
  const b2 = arch.bStd == null ? 0 : arch.bStd * arch.bStd
  const act = differentiableActivation(arch.activation)
  const trackNtk = kernel === 'ntk'
  const affine = (t: tf.Tensor2D): tf.Tensor2D => (b2 === 0 ? tf.mul(t, w2) : tf.add(tf.mul(t, w2), b2)) as tf.Tensor2D
  const hidden = arch.width === 'inf' ? 0 : arch.width
  let s = inp.s0
  let q1 = inp.qRows
  let q2 = inp.qCols
  let ntk: tf.Tensor2D | null = null
  let width = inp.d
  const dense = (): void => {
    const sNew = affine(s)
    if (trackNtk) {
      if (arch.parameterization === 'ntk') {
        ntk = ntk ? (tf.add(sNew, tf.mul(ntk, w2)) as tf.Tensor2D) : sNew
      } else {
        let t = tf.mul(s, width) as tf.Tensor2D
        if (ntk) t = tf.add(t, tf.mul(ntk, w2)) as tf.Tensor2D
        if (arch.bStd != null) t = tf.add(t, 1) as tf.Tensor2D
        ntk = t
      }
    }
    s = sNew
    q1 = affine(q1)
    q2 = affine(q2)
    width = hidden
  }
  const tape: LayerTape[] = []
  for (let l = 0; l < arch.depth; l++) {
    dense()
    const { t, tDot } = act.dual(s, q1, q2, inp.pin)
    tape.push({ s, q1, q2, ntk, tDot: trackNtk ? tDot : null })
    if (ntk) ntk = tf.mul(ntk, tDot) as tf.Tensor2D
    s = t
    q1 = act.diag(q1)
    q2 = act.diag(q2)
  }
  dense()
  return { k: trackNtk ? ntk! : s, tape }
}

export interface KernelInputGrads {
  gs0: tf.Tensor2D
  gqRows: tf.Tensor2D
  gqCols: tf.Tensor2D
}

/** ∂/∂(Σ⁰, q_rows, q_cols) of Σ G ⊙ K: the forward recursion run backwards, layer by layer. */
export function fcKernelBackward(inp: KernelInputs, fwd: KernelForward, g: tf.Tensor2D, arch: FcArch, kernel: KipKernel): KernelInputGrads {
  const w2 = arch.wStd * arch.wStd
  const act = differentiableActivation(arch.activation)
  const standard = arch.parameterization === 'standard'
  const hidden = arch.width === 'inf' ? 0 : arch.width
  let gS: tf.Tensor2D | null = kernel === 'nngp' ? g : null
  let gN: tf.Tensor2D | null = kernel === 'ntk' ? g : null
  let gQ1: tf.Tensor2D | null = null
  let gQ2: tf.Tensor2D | null = null
  const add = (a: tf.Tensor2D | null, b: tf.Tensor2D | null): tf.Tensor2D | null => (a && b ? (tf.add(a, b) as tf.Tensor2D) : (a ?? b))
  const scale = (a: tf.Tensor2D | null, v: number): tf.Tensor2D | null => (a && v !== 1 ? (tf.mul(a, v) as tf.Tensor2D) : a)
  // Dense backwards: from (Σ_new, Θ_new, q_new) to (Σ_old, Θ_old, q_old); `first` has Θ_old = 0.
  const denseBack = (nIn: number): void => {
    if (standard) {
      // Θ_new = n_in Σ_old + σ_w² Θ_old (+1)
      gS = add(scale(gS, w2), scale(gN, nIn))
      gN = scale(gN, w2)
    } else {
      // Θ_new = Σ_new + σ_w² Θ_old
      gS = scale(add(gS, gN), w2)
      gN = scale(gN, w2)
    }
    gQ1 = scale(gQ1, w2)
    gQ2 = scale(gQ2, w2)
  }
  denseBack(arch.depth === 0 ? inp.d : hidden)
  for (let l = arch.depth - 1; l >= 0; l--) {
    const t = fwd.tape[l]!
    // Θ_out = Θ_in · Ṫ: gradient to Θ_in and to Ṫ
    let gTd: tf.Tensor2D | null = null
    if (gN && t.ntk && t.tDot) {
      gTd = tf.mul(gN, t.ntk) as tf.Tensor2D
      gN = tf.mul(gN, t.tDot) as tf.Tensor2D
    }
    const gT = gS ?? (tf.zerosLike(t.s) as tf.Tensor2D)
    const dual = act.dualVjp(t.s, t.q1, t.q2, inp.pin, gT, gTd)
    const d1 = gQ1 ? act.diagDerivative(t.q1) : 0
    const d2 = gQ2 ? act.diagDerivative(t.q2) : 0
    gQ1 = add(dual.gq1, gQ1 ? (tf.mul(gQ1, d1) as tf.Tensor2D) : null)
    gQ2 = add(dual.gq2, gQ2 ? (tf.mul(gQ2, d2) as tf.Tensor2D) : null)
    gS = dual.gs
    // the first hidden Dense has Θ_old = 0; its input width is d
    denseBack(l === 0 ? inp.d : hidden)
  }
  return {
    gs0: gS ?? (tf.zerosLike(inp.s0) as tf.Tensor2D),
    gqRows: gQ1 ?? (tf.zerosLike(inp.qRows) as tf.Tensor2D),
    gqCols: gQ2 ?? (tf.zerosLike(inp.qCols) as tf.Tensor2D),
  }
}
