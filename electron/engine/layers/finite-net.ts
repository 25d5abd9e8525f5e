import * as tf from '@tensorflow/tfjs-core'
import type { KernelPlan, KernelStep } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'
import { activationKernel as activationModule } from '../activations/index'
import type { ActivationKernel } from '../activations/types'
import { Xoshiro128 } from '../core/random'
import { activationForward } from './activation'
import { avgpool2dForward } from './avgpool2d'
import type { Blocks } from './blocks'
import { conv2dEmpirical, conv2dForward } from './conv2d'
import { denseEmpirical, denseForward } from './dense'
import { flattenForward } from './flatten'
import { globalAvgPoolForward } from './globalavgpool'
import type { LayerParams } from './types'

// The finite network of a KernelPlan (the ARCH.json the analytic kernel reads, with the file's filters and
// units), built from the same layer modules as the kernel rules: each step's finite forward, and for the
// steps with parameters (conv, dense) their empirical NTK term beside it. Weights W, b ~ N(0, 1) drawn in
// step order from the seeded PRNG (NTK parameterization: the forwards scale by σ_w/√fan-in and σ_b), so the
// same plan and seed give the same network on every backend.

export interface FiniteStep {
  step: KernelStep
  /** conv and dense steps: their weights */
  params: LayerParams | null
  act: ActivationKernel | null
}

export interface FiniteNet {
  plan: KernelPlan
  steps: FiniteStep[]
  outDim: number
}

const size = (s: number[]): number => s.reduce((a, b) => a * b, 1)

/**
 * Draws the network. `outDim`: units of the final dense step (the readout; absent: as the plan says).
 * Steps without channels are refused (every conv/dense step of a plan carries its filters/units).
 */
export function initFiniteNet(plan: KernelPlan, seed: number, outDim?: number): FiniteNet {
  const rng = new Xoshiro128(seed)
  const last = plan.steps.length - 1
  const steps = plan.steps.map((step, i): FiniteStep => {
    if (step.op === 'activation') return { step, params: null, act: activationModule(step.activation) }
    if (step.op !== 'conv' && step.op !== 'dense') return { step, params: null, act: null }
    const units = i === last && step.op === 'dense' && outDim !== undefined ? outDim : step.channels
    if (units === undefined || units < 1) throw new UserError('bad_arch', `step ${i + 1} (${step.op}) has no channel count`, 'Give every conv2d layer "filters" and every dense layer "units".')
    const s = i === last && units !== step.channels ? { ...step, channels: units, outShape: [units] } : step
    if (step.op === 'conv') {
      const shape = [step.size[0], step.size[1], step.inShape[2]!, units]
      const w = tf.tensor4d(rng.normals(size(shape)), shape as [number, number, number, number])
      const b = step.bStd === null ? undefined : tf.tensor1d(rng.normals(units))
      return { step: s, params: b ? { w, b } : { w }, act: null }
    }
    const nIn = size(step.inShape)
    const w = tf.tensor2d(rng.normals(nIn * units), [nIn, units])
    const b = step.bStd === null ? undefined : tf.tensor1d(rng.normals(units))
    return { step: s, params: b ? { w, b } : { w }, act: null }
  })
  const tail = steps[last]!.step
  return { plan, steps, outDim: size(tail.outShape) }
}

export function disposeFiniteNet(net: FiniteNet): void {
  for (const s of net.steps) {
    s.params?.w?.dispose()
    s.params?.b?.dispose()
  }
}

export function finiteParamCount(net: FiniteNet): number {
  return net.steps.reduce((a, s) => a + (s.params?.w?.size ?? 0) + (s.params?.b?.size ?? 0), 0)
}

/** Steps holding parameters (conv, dense), by index into net.steps. */
export function paramSteps(net: FiniteNet): number[] {
  return net.steps.flatMap((s, i) => (s.params ? [i] : []))
}

/** Rows [N, d] as the network's input [N, ...plan.input]. */
export function netInput(net: FiniteNet, x: tf.Tensor2D): tf.Tensor {
  const want = size(net.plan.input)
  if (x.shape[1] !== want) throw new UserError('bad_shape', `the points have ${x.shape[1]} values but the network's input [${net.plan.input.join(', ')}] holds ${want}`, 'Make ARCH.json "input" match the data.')
  return tf.reshape(x, [x.shape[0], ...net.plan.input])
}

/**
 * The forward pass. `probes` (one per parameter step, shaped like its output) are added to the outputs of
 * the conv/dense steps: the gradient with respect to a probe is ∂f/∂z of that step, per example. `inputs`,
 * when given, receives each parameter step's input (kept; the caller disposes them).
 */
export function finiteForward(net: FiniteNet, x: tf.Tensor, probes?: tf.Tensor[], inputs?: tf.Tensor[]): tf.Tensor2D {
  return tf.tidy(() => {
    let h = x
    let p = 0
    for (const { step, params, act } of net.steps) {
      switch (step.op) {
        case 'conv':
          if (inputs) inputs.push(tf.keep(h))
          h = conv2dForward({ size: step.size, padding: step.padding, wStd: step.wStd, bStd: step.bStd }, params!, h as tf.Tensor4D)
          break
        case 'dense':
          if (h.rank !== 2) h = flattenForward(h)
          if (inputs) inputs.push(tf.keep(h))
          h = denseForward({ wStd: step.wStd, bStd: step.bStd }, params!, h as tf.Tensor2D)
          break
        case 'activation':
          h = activationForward(act!, h)
          break
        case 'avgpool':
          h = avgpool2dForward(step.pool, h as tf.Tensor4D)
          break
        case 'globalavgpool':
          h = globalAvgPoolForward(h as tf.Tensor4D)
          break
        case 'flatten':
          h = flattenForward(h)
          break
      }
      if (params && probes) h = tf.add(h, probes[p++]!)
    }
    return (h.rank === 2 ? h : flattenForward(h)) as tf.Tensor2D
  })
}

/** The empirical NTK term of parameter step `i` from its input h and sensitivity g (layer modules). */
export function stepEmpirical(net: FiniteNet, i: number, h: tf.Tensor, g: tf.Tensor, bl: Blocks): tf.Tensor2D {
  const { step } = net.steps[i]!
  if (step.op === 'conv') return conv2dEmpirical({ size: step.size, padding: step.padding, wStd: step.wStd, bStd: step.bStd }, h as tf.Tensor4D, g as tf.Tensor4D, bl)
  if (step.op === 'dense') return denseEmpirical({ wStd: step.wStd, bStd: step.bStd }, h as tf.Tensor2D, tf.reshape(g, [g.shape[0]!, -1]) as tf.Tensor2D, bl)
  throw new Error(`step ${i} (${step.op}) has no parameters`)
}
