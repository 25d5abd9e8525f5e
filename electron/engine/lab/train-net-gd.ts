import * as tf from '@tensorflow/tfjs-core'
import type { KernelPlan } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'
import { ensureGradients } from '../core/tf-gradients'
import { ensureWasmTrainingKernels } from '../runtime/wasm-training-kernels'
import { disposeFiniteNet, finiteForward, initFiniteNet, netInput, type FiniteNet } from '../layers/finite-net'
import { kernelDrift } from '../nn/train'
import { empiricalNetNtk } from '../ntk/empirical-net'

// Full-batch gradient descent on a finite ARCH.json network (conv, pooling, flatten, dense: the layer
// modules' forwards, NTK parameterization), for training vs theory with layered networks. The objective is
// the one the closed-form dynamics describe (docs/math.md §3): L = ‖f(X) − Y‖² / (2NK), θ ← θ − η ∇L.

export interface TrainNetGdOptions {
  plan: KernelPlan
  seed: number
  xTrain: tf.Tensor2D
  yTrain: tf.Tensor2D
  xTest: tf.Tensor2D
  learningRate: number
  steps: number
  /** steps whose outputs are recorded (0 = the initial network) */
  recordAt: readonly number[]
  /** empirical-NTK drift on the first `driftPoints` training points every `driftEvery` steps (0: none) */
  driftEvery: number
  driftPoints: number
  onDrift?: (step: number, value: number) => void
  onStep?: (done: number, total: number) => Promise<void>
}

export interface TrainNetGdResult {
  outputs: { step: number; train: Float32Array; test: Float32Array }[]
  drift: { step: number; value: number }[]
}

export async function trainNetGd(o: TrainNetGdOptions): Promise<TrainNetGdResult> {
  ensureGradients()
  ensureWasmTrainingKernels() // a conv weight's gradient on wasm
  const n = o.xTrain.shape[0]
  const k = o.yTrain.shape[1]
  const net = initFiniteNet(o.plan, o.seed, k)
  if (net.outDim !== k) {
    disposeFiniteNet(net)
    throw new UserError('bad_arch', `the network ends in ${net.outDim} outputs but the targets have ${k} columns`, 'End the network with a readout (or a dense layer of one unit per class).')
  }
  const vars = toVariables(net)
  const x = tf.tidy(() => netInput(net, o.xTrain))
  const xt = tf.tidy(() => netInput(net, o.xTest))
  const xDrift = o.driftEvery > 0 ? tf.slice(o.xTrain, [0, 0], [Math.min(n, o.driftPoints), -1]) : null
  const record = new Set(o.recordAt)
  const out: TrainNetGdResult = { outputs: [], drift: [] }
  const scale = 1 / (2 * n * k)
  let k0: tf.Tensor | null = null
  try {
    if (xDrift) k0 = empiricalNetNtk(net, xDrift)
    for (let t = 0; ; t++) {
      if (record.has(t)) {
        const [tr, te] = tf.tidy(() => [finiteForward(net, x), finiteForward(net, xt)])
        const train = (await tr!.data()) as Float32Array
        const test = (await te!.data()) as Float32Array
        tr!.dispose()
        te!.dispose()
        if (!train.every(Number.isFinite)) throw new UserError('diverged', `gradient descent diverged at step ${t} (outputs are not finite)`, 'Lower the learning rate (blank: the automatic N·K/λ_max).')
        out.outputs.push({ step: t, train, test })
      }
      if (k0 && xDrift && t > 0 && (t % o.driftEvery === 0 || t === o.steps)) {
        const kt = empiricalNetNtk(net, xDrift)
        const value = kernelDrift(k0, kt)
        kt.dispose()
        out.drift.push({ step: t, value })
        o.onDrift?.(t, value)
      }
      if (t === o.steps) break
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.mul(tf.sum(tf.square(tf.sub(finiteForward(net, x), o.yTrain))), scale) as tf.Scalar, vars)
        for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, o.learningRate)))
      })
      await o.onStep?.(t + 1, o.steps)
    }
    return out
  } finally {
    k0?.dispose()
    xDrift?.dispose()
    x.dispose()
    xt.dispose()
    disposeFiniteNet(net)
  }
}

/** The network's weights as trainable variables, in place (the drawn tensors are disposed). */
function toVariables(net: FiniteNet): tf.Variable[] {
  const vars: tf.Variable[] = []
  for (const s of net.steps) {
    if (!s.params) continue
    for (const key of ['w', 'b'] as const) {
      const t = s.params[key]
      if (!t) continue
      const v = tf.variable(t, true)
      t.dispose()
      s.params[key] = v
      vars.push(v)
    }
  }
  return vars
}
