import * as tf from '@tensorflow/tfjs-core'
import type { Blocks } from '../layers/blocks'
import type { KernelPlan } from '../../../shared/arch'
import { ensureGradients } from '../core/tf-gradients'
import { disposeFiniteNet, finiteForward, initFiniteNet, netInput, paramSteps, stepEmpirical, type FiniteNet } from '../layers/finite-net'
import { meanOverSamples, type EmpiricalKernelOptions, type EmpiricalNtkOptions } from './empirical'

// Empirical NTK of an ARCH.json network (conv, pooling, flatten, dense; docs/math.md §9):
//   Θ̂(x, x′) = Σ_layers Σ_{p ∈ layer} ∂f(x)/∂p ∂f(x′)/∂p,
// each layer's term from its module (layers/conv2d.ts, layers/dense.ts) given its input h and the per-example
// sensitivity G = ∂f_k/∂z of its output. G comes from one reverse pass per output unit k through the layer
// modules' forwards: zero probes added to every conv/dense output, f_k summed over the examples (each
// example's f depends only on its own z), differentiated with respect to the probes.
export function empiricalNetNtk(net: FiniteNet, x: tf.Tensor2D, x2?: tf.Tensor2D, opts: EmpiricalNtkOptions = {}): tf.Tensor {
  ensureGradients()
  const outputs = opts.outputs ?? 'trace'
  const bl: Blocks = { n: x.shape[0], n2: x2 ? x2.shape[0] : x.shape[0], same: !x2 }
  const withParams = paramSteps(net)
  const K = net.outDim
  const inputs: tf.Tensor[] = []
  const perOutput: tf.Tensor2D[] = []
  const all = tf.tidy(() => netInput(net, x2 ? tf.concat([x, x2], 0) : x))
  try {
    const N = all.shape[0]!
    finiteForward(net, all, undefined, inputs).dispose()
    const probes = withParams.map((i) => tf.zeros([N, ...net.steps[i]!.step.outShape]))
    try {
      for (let k = 0; k < K; k++) {
        perOutput.push(
          tf.tidy(() => {
            const fk = (...p: tf.Tensor[]): tf.Scalar => {
              const out = finiteForward(net, all, p)
              return tf.sum(K === 1 ? out : tf.slice(out, [0, k], [N, 1]))
            }
            const gs = tf.grads(fk)(probes)
            const terms = withParams.map((i, l) => stepEmpirical(net, i, inputs[l]!, gs[l]!, bl))
            return tf.addN(terms) as tf.Tensor2D
          }),
        )
      }
    } finally {
      for (const p of probes) p.dispose()
    }
    if (outputs === 'per-output') return tf.stack(perOutput)
    return K === 1 ? perOutput.pop()! : tf.tidy(() => tf.mul(tf.addN(perOutput), 1 / K))
  } finally {
    for (const t of perOutput) t.dispose()
    for (const t of inputs) t.dispose()
    all.dispose()
  }
}

/** E over seeds of Θ̂(x, x2) for finite networks of `plan` (mean of `samples` empirical NTKs). */
export async function empiricalNetKernel(plan: KernelPlan, x: tf.Tensor2D, x2: tf.Tensor2D | undefined, opts: EmpiricalKernelOptions): Promise<tf.Tensor> {
  return meanOverSamples(opts, (seed) => {
    const net = initFiniteNet(plan, seed, opts.outDim)
    try {
      return empiricalNetNtk(net, x, x2, { outputs: opts.outputs ?? 'trace' })
    } finally {
      disposeFiniteNet(net)
    }
  })
}
