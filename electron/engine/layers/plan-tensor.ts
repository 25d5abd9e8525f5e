import * as tf from '@tensorflow/tfjs-core'
import { activationUsage, KIP_ACTIVATION_NAMES, kipPlanRefusal, type KernelPlan, type KernelStep } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'
import { differentiableActivation } from '../activations/differentiable'
import { activationKernelTf } from './activation'
import { conv2dKernelTf } from './conv2d'
import { denseKernelTf } from './dense'
import { flattenKernelTf } from './flatten'
import { inputCovarianceTf } from './input'
import type { PairBatch, PairBatchRule } from './types'

// A KernelPlan through the layer modules' tensor rules (PairBatch): the same kernel as plan.ts computes pair
// by pair in float64, here for all pairs of two point sets at once in tfjs ops, so tfjs differentiates it
// in the points (KIP's support images). Only plans whose state stays on the spatial diagonal (no pooling):
// O(B·P) per layer for B pairs of P positions.

/** Refuses plans the tensor rules cannot follow, naming the layer (shared/arch/kip-plan.ts, as the KIP page). */
export function checkTensorPlan(plan: KernelPlan): void {
  const refusal = kipPlanRefusal(plan)
  if (refusal) throw refusal
  for (const s of plan.steps) {
    if (s.op !== 'activation') continue
    try {
      differentiableActivation(s.activation) // the name passed: its parameters must too
    } catch {
      throw new UserError('bad_arch', `layer ${s.layer + 1} (activation): activation ${s.activation.name} has no gradient-safe dual map for KIP with these parameters`, `Use one of: ${activationUsage(KIP_ACTIVATION_NAMES)}.`)
    }
  }
}

function ruleOf(step: KernelStep): PairBatchRule {
  switch (step.op) {
    case 'conv':
      return conv2dKernelTf({ size: step.size, padding: step.padding, wStd: step.wStd, bStd: step.bStd })
    case 'dense':
      return denseKernelTf({ wStd: step.wStd, bStd: step.bStd })
    case 'activation':
      return activationKernelTf(differentiableActivation(step.activation))
    case 'flatten':
      return flattenKernelTf()
    default:
      throw new Error(`${step.op} has no tensor rule`)
  }
}

const input3 = (plan: KernelPlan): [number, number, number] => (plan.input.length === 3 ? (plan.input as [number, number, number]) : [1, 1, plan.input.reduce((a, b) => a * b, 1)])

/** The points [n, d] with themselves through the plan: each activation step's variances, [n, P] each. */
function selfVariances(plan: KernelPlan, rules: PairBatchRule[], x: tf.Tensor2D): tf.Tensor2D[] {
  const [h, w, c] = input3(plan)
  const x3 = tf.reshape(x, [x.shape[0], h * w, c]) as tf.Tensor3D
  let s: PairBatch = { h, w, nngp: inputCovarianceTf(x3, x3), ntk: null }
  const out: tf.Tensor2D[] = []
  plan.steps.forEach((step, i) => {
    if (step.op === 'activation') out.push(s.nngp)
    if (i < plan.steps.length - 1) s = rules[i]!(s, null)
  })
  return out
}

/**
 * K(xa, xb) [na, nb] (NTK or NNGP) of the plan, differentiable in xa and xb. `pin` [na, nb]: 1 where the
 * row point is the column point (a self-kernel's diagonal), whose correlations are exactly 1. Call in tf.tidy.
 */
export function tensorKernel(plan: KernelPlan, xa: tf.Tensor2D, xb: tf.Tensor2D, kernel: 'ntk' | 'nngp', pin: tf.Tensor2D | null): tf.Tensor2D {
  checkTensorPlan(plan)
  const rules = plan.steps.map(ruleOf)
  const [h, w, c] = input3(plan)
  const na = xa.shape[0]
  const nb = xb.shape[0]
  const B = na * nb
  const varA = selfVariances(plan, rules, xa)
  const varB = xb === xa ? varA : selfVariances(plan, rules, xb)
  const rowsOf = (t: tf.Tensor, inner: number[]): tf.Tensor => tf.reshape(tf.tile(tf.expandDims(t, 1), [1, nb, ...inner.map(() => 1)]), [B, ...inner])
  const colsOf = (t: tf.Tensor, inner: number[]): tf.Tensor => tf.reshape(tf.tile(tf.expandDims(t, 0), [na, 1, ...inner.map(() => 1)]), [B, ...inner])
  const a3 = rowsOf(tf.reshape(xa, [na, h * w, c]), [h * w, c]) as tf.Tensor3D
  const b3 = colsOf(tf.reshape(xb, [nb, h * w, c]), [h * w, c]) as tf.Tensor3D
  const nngp0 = inputCovarianceTf(a3, b3)
  let s: PairBatch = { h, w, nngp: nngp0, ntk: kernel === 'ntk' ? (tf.zerosLike(nngp0) as tf.Tensor2D) : null }
  const pinB = pin ? (tf.reshape(pin, [B, 1]) as tf.Tensor2D) : null
  let k = 0
  plan.steps.forEach((step, i) => {
    if (step.op === 'activation') {
      const p = varA[k]!.shape[1]
      s = rules[i]!(s, { row: rowsOf(varA[k]!, [p]) as tf.Tensor2D, col: colsOf(varB[k]!, [p]) as tf.Tensor2D, pin: pinB })
      k++
    } else s = rules[i]!(s, null)
  })
  return tf.reshape(kernel === 'ntk' ? s.ntk! : s.nngp, [na, nb]) as tf.Tensor2D
}
