import * as tf from '@tensorflow/tfjs-core'
import type { FcArch, KernelPlan } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'
import { differentiableActivation } from '../activations/differentiable'
import { checkTensorPlan } from '../layers/plan-tensor'
import { activationKernelMatrix, activationKernelMatrixVjp, type ActivationTape } from '../layers/activation'
import { denseKernelMatrix, denseKernelMatrixVjp, denseVariances, type DenseMatrixOptions } from '../layers/dense'

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

export interface KernelForward {
  k: tf.Tensor2D
  /** per hidden layer: what its activation's VJP needs */
  tape: ActivationTape[]
}

/** Dense options of the FC network's layers; `fanIn` for the standard parameterization. */
function denseOptions(arch: FcArch, fanIn: number): DenseMatrixOptions {
  return { wStd: arch.wStd, bStd: arch.bStd ?? null, ...(arch.parameterization === 'standard' ? { standardFanIn: fanIn } : {}) }
}

/**
 * The analytic FC kernel, keeping what its backward pass needs: depth × (Dense → activation) → Dense, each
 * step the layer module's rule on whole matrices of pairs (layers/dense.ts, layers/activation.ts: the rules of
 * neural-tangents' stax; Jacot, Gabriel & Hongler 2018; Lee et al. 2018). Call inside tf.tidy.
 */
export function fcKernelForward(inp: KernelInputs, arch: FcArch, kernel: KipKernel): KernelForward {
  const act = differentiableActivation(arch.activation)
  const trackNtk = kernel === 'ntk'
  const hidden = arch.width === 'inf' ? 0 : arch.width
  let s = inp.s0
  let q1 = inp.qRows
  let q2 = inp.qCols
  let ntk: tf.Tensor2D | null = null
  const tape: ActivationTape[] = []
  const dense = (fanIn: number): void => {
    const o = denseOptions(arch, fanIn)
    const next = denseKernelMatrix(o, s, ntk, trackNtk)
    s = next.nngp
    ntk = next.ntk
    q1 = denseVariances(o, q1)
    q2 = denseVariances(o, q2)
  }
  for (let l = 0; l < arch.depth; l++) {
    dense(l === 0 ? inp.d : hidden)
    const next = activationKernelMatrix(act, s, q1, q2, inp.pin, ntk)
    tape.push(next.tape)
    s = next.nngp
    ntk = next.ntk
    q1 = act.diag(q1)
    q2 = act.diag(q2)
  }
  dense(arch.depth === 0 ? inp.d : hidden)
  return { k: trackNtk ? ntk! : s, tape }
}

export interface KernelInputGrads {
  gs0: tf.Tensor2D
  gqRows: tf.Tensor2D
  gqCols: tf.Tensor2D
}

/** ∂/∂(Σ⁰, q_rows, q_cols) of Σ G ⊙ K: the layers' VJPs in reverse order. */
export function fcKernelBackward(inp: KernelInputs, fwd: KernelForward, g: tf.Tensor2D, arch: FcArch, kernel: KipKernel): KernelInputGrads {
  const act = differentiableActivation(arch.activation)
  const hidden = arch.width === 'inf' ? 0 : arch.width
  const w2 = arch.wStd * arch.wStd
  let gS: tf.Tensor2D | null = kernel === 'nngp' ? g : null
  let gN: tf.Tensor2D | null = kernel === 'ntk' ? g : null
  let gQ1: tf.Tensor2D | null = null
  let gQ2: tf.Tensor2D | null = null
  const denseBack = (fanIn: number): void => {
    const back = denseKernelMatrixVjp(denseOptions(arch, fanIn), gS, gN)
    gS = back.gS
    gN = back.gN
    // q′ = σ_w² q + σ_b²
    if (gQ1) gQ1 = tf.mul(gQ1, w2) as tf.Tensor2D
    if (gQ2) gQ2 = tf.mul(gQ2, w2) as tf.Tensor2D
  }
  denseBack(arch.depth === 0 ? inp.d : hidden)
  for (let l = arch.depth - 1; l >= 0; l--) {
    const back = activationKernelMatrixVjp(act, fwd.tape[l]!, inp.pin, { gS, gN, gQ1, gQ2 })
    gS = back.gS
    gN = back.gN
    gQ1 = back.gQ1
    gQ2 = back.gQ2
    // the first hidden Dense has Θ_old = 0; its input width is d
    denseBack(l === 0 ? inp.d : hidden)
  }
  return {
    gs0: gS ?? (tf.zerosLike(inp.s0) as tf.Tensor2D),
    gqRows: gQ1 ?? (tf.zerosLike(inp.qRows) as tf.Tensor2D),
    gqCols: gQ2 ?? (tf.zerosLike(inp.qCols) as tf.Tensor2D),
  }
}
