import type { KernelPlan, KernelStep } from '../../../shared/arch'
import { activationKernel as activationModule } from '../activations/index'
import { activationKernel } from './activation'
import { avgpool2dKernel } from './avgpool2d'
import { conv2dKernel } from './conv2d'
import { denseKernel } from './dense'
import { flattenKernel, toDiagonalKernel } from './flatten'
import { globalAvgPoolKernel } from './globalavgpool'
import { inputCovariance } from './input'
import type { PairRule, PairState, PairVariances } from './types'

// A KernelPlan (shared/arch/kernel-plan.ts) compiled to the layer modules' pair rules. Up to the last
// pooling layer each pair carries the full P×P covariance; from there on only the diagonal (toDiagonal), so
// a network without pooling costs O(P·F²) per pair and layer and one with pooling O(P²·F²) up to it.

export interface CompiledStep {
  rule: PairRule
  /** index among the activation steps (their variances are recorded by the self pass), else −1 */
  activation: number
  /** positions h·w entering the step */
  positions: number
}

export interface CompiledPlan {
  steps: CompiledStep[]
  /** the input's [h, w, c] ([1, 1, d] for a flat input) */
  input: [number, number, number]
  /** the input state carries the full covariance */
  fullInput: boolean
  /** entries of the largest state of one pair */
  capacity: number
  /** positions entering each activation step (the length of its variance vector per point) */
  activationPositions: number[]
}

function ruleOf(step: KernelStep): PairRule {
  switch (step.op) {
    case 'conv':
      return conv2dKernel({ size: step.size, padding: step.padding, wStd: step.wStd, bStd: step.bStd })
    case 'dense':
      return denseKernel({ wStd: step.wStd, bStd: step.bStd })
    case 'activation':
      return activationKernel(activationModule(step.activation))
    case 'avgpool':
      return avgpool2dKernel(step.pool)
    case 'globalavgpool':
      return globalAvgPoolKernel()
    case 'flatten':
      return flattenKernel()
  }
}

const positionsOf = (shape: number[]): number => (shape.length === 3 ? shape[0]! * shape[1]! : 1)

export function compilePlan(plan: KernelPlan): CompiledPlan {
  const input: [number, number, number] = plan.input.length === 3 ? (plan.input as [number, number, number]) : [1, 1, plan.input.reduce((a, b) => a * b, 1)]
  let lastPool = -1
  plan.steps.forEach((s, i) => {
    if (s.op === 'avgpool' || s.op === 'globalavgpool') lastPool = i
  })
  const steps: CompiledStep[] = []
  const activationPositions: number[] = []
  let full = lastPool >= 0
  let capacity = 1
  const grow = (shape: number[], isFull: boolean): void => {
    const p = positionsOf(shape)
    capacity = Math.max(capacity, isFull ? p * p : p)
  }
  grow(plan.input, full)
  plan.steps.forEach((s, i) => {
    const positions = positionsOf(s.inShape)
    let activation = -1
    if (s.op === 'activation') {
      activation = activationPositions.length
      activationPositions.push(positions)
    }
    steps.push({ rule: ruleOf(s), activation, positions })
    grow(s.outShape, full)
    if (i === lastPool) {
      full = false
      if (s.outShape.length === 3) steps.push({ rule: toDiagonalKernel(), activation: -1, positions: positionsOf(s.outShape) })
    }
  })
  return { steps, input, fullInput: lastPool >= 0, capacity, activationPositions }
}

/** Scratch for one thread's pairs: the state buffers at the plan's capacity. */
export function newPairState(c: CompiledPlan, withNtk: boolean): PairState {
  const n = c.capacity
  return {
    h: 0,
    w: 0,
    full: false,
    nngp: new Float64Array(n),
    nngpAlt: new Float64Array(n),
    ntk: withNtk ? new Float64Array(n) : null,
    ntkAlt: withNtk ? new Float64Array(n) : null,
    tmp: new Float64Array(2 * n), // a separable pass over Σ and Θ together
  }
}

function reset(c: CompiledPlan, s: PairState, a: Float32Array, b: Float32Array): void {
  s.h = c.input[0]
  s.w = c.input[1]
  s.full = c.fullInput
  inputCovariance(s, a, b, c.input[2])
}

/**
 * The point with itself through the plan: records, for each activation step, the variances q_i(x) of its
 * positions (written into `out[k]` at `offset[k]`), which every pair with this point needs. Returns Σ(x, x).
 */
export function selfPass(c: CompiledPlan, s: PairState, x: Float32Array, out: Float64Array[], point: number): number {
  const ntk = s.ntk
  s.ntk = null
  try {
    reset(c, s, x, x)
    for (const step of c.steps) {
      if (step.activation >= 0) {
        const p = step.positions
        const dst = out[step.activation]!
        const o = point * p
        for (let i = 0; i < p; i++) dst[o + i] = s.full ? s.nngp[i * p + i]! : s.nngp[i]!
      }
      step.rule(s, null)
    }
    return s.nngp[0]!
  } finally {
    s.ntk = ntk
  }
}

/**
 * The pair (a, b) through the plan; `rowVar`/`colVar` are the two points' recorded variances per activation
 * step (selfPass). Leaves the output NNGP in s.nngp[0] and the NTK in s.ntk[0].
 */
export function pairPass(c: CompiledPlan, s: PairState, a: Float32Array, b: Float32Array, rowVar: Float64Array[], colVar: Float64Array[]): void {
  reset(c, s, a, b)
  const v: PairVariances = { row: rowVar[0]!, col: colVar[0]! }
  for (const step of c.steps) {
    if (step.activation >= 0) {
      v.row = rowVar[step.activation]!
      v.col = colVar[step.activation]!
      step.rule(s, v)
    } else {
      step.rule(s, null)
    }
  }
}
