import * as tf from '@tensorflow/tfjs-core'
// The baseline differentiates with tfjs autodiff, whose gradient functions only the union package
// registers (tfjs-core's Node bundle has none); the engine itself never needs them.
import '@tensorflow/tfjs'
import { initBackend } from '../electron/engine/runtime/backend'
import { fcKernelForward, type KernelInputs } from '../electron/engine/kip/kernel'
import { krrLossGrad } from '../electron/engine/kip/krr-adjoint'
import { kipValueAndGrad, rowVariances } from '../electron/engine/kip/objective'
import { FcArch } from '../shared/arch'
import { QUICK, timeMs, type BenchResult } from './types'

// Seconds per KIP step (loss + ∂L/∂X_s, ∂L/∂y_s) at |s| = 100, 1000 targets, d = 784, depth-3 ReLU NTK,
// against a straightforward tfjs implementation in the same run: K_ts and K_ss as two separate kernel
// evaluations (tfjs matMul with transposeB), the same float64 solve and adjoint, and ∂L/∂X_s by tfjs
// autodiff of Σ G ⊙ K through both kernels (tf.grad recomputes the forward pass).

const arch = FcArch.parse({ depth: 3, activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.1 })
const cfg = { arch, kernel: 'ntk' as const, diagReg: 1e-6 }

function straightforwardStep(xt: tf.Tensor2D, yt: Float64Array, xs: Float32Array, ys: Float64Array, c: number): { loss: number; gX: Float32Array } {
  const nt = xt.shape[0]
  const d = xt.shape[1]
  const ns = xs.length / d
  const kernel = (a: tf.Tensor2D, b: tf.Tensor2D, self: boolean): tf.Tensor2D => {
    const s0 = tf.mul(tf.matMul(a, b, false, true), 1 / d) as tf.Tensor2D
    const qa = tf.mul(tf.sum(tf.mul(a, a), 1, true), 1 / d) as tf.Tensor2D
    const qb = tf.reshape(tf.mul(tf.sum(tf.mul(b, b), 1), 1 / d), [1, b.shape[0]]) as tf.Tensor2D
    const inp: KernelInputs = { s0, qRows: qa, qCols: qb, pin: self ? tf.eye(b.shape[0]) : null, d }
    return fcKernelForward(inp, arch, 'ntk').k
  }
  return tf.tidy(() => {
    const xsT = tf.tensor2d(xs, [ns, d])
    const kts = kernel(xt, xsT, false).dataSync() as Float32Array
    const kss = kernel(xsT, xsT, true).dataSync() as Float32Array
    const adj = krrLossGrad(kts, kss, ys, yt, nt, ns, c, cfg.diagReg)
    const gts = tf.tensor2d(Float32Array.from(adj.gKts), [nt, ns])
    const gss = tf.tensor2d(Float32Array.from(adj.gKss), [ns, ns])
    const g = tf.grad((x: tf.Tensor) => tf.add(tf.sum(tf.mul(kernel(xt, x as tf.Tensor2D, false), gts)), tf.sum(tf.mul(kernel(x as tf.Tensor2D, x as tf.Tensor2D, true), gss))))(xsT)
    return { loss: adj.loss, gX: (g.dataSync() as Float32Array).slice() }
  }) as unknown as { loss: number; gX: Float32Array }
}

export async function run(): Promise<BenchResult[]> {
  const backend = await initBackend()
  const ns = 100
  const nt = QUICK ? 200 : 1000
  const d = 784
  const c = 10
  const xt = tf.randomNormal([nt, d], 0, 1, 'float32', 1) as tf.Tensor2D
  const qt = rowVariances(xt)
  const xs = tf.tidy(() => tf.randomNormal([ns, d], 0, 1, 'float32', 2).dataSync() as Float32Array)
  const ys = new Float64Array(ns * c).fill(-1 / c)
  for (let i = 0; i < ns; i++) ys[i * c + (i % c)] = 1 - 1 / c
  const yt = new Float64Array(nt * c).fill(-1 / c)
  for (let i = 0; i < nt; i++) yt[i * c + (i % c)] = 1 - 1 / c
  try {
    const ours = kipValueAndGrad({ x: xt, q: qt, y: yt }, xs, ys, c, cfg)
    const base = straightforwardStep(xt, yt, xs, ys, c)
    let num = 0
    let den = 0
    for (let i = 0; i < ours.gX.length; i++) {
      num += (ours.gX[i]! - base.gX[i]!) ** 2
      den += base.gX[i]! ** 2
    }
    const repeats = QUICK ? 2 : 5
    const tOurs = await timeMs(() => kipValueAndGrad({ x: xt, q: qt, y: yt }, xs, ys, c, cfg), repeats)
    const tBase = await timeMs(() => straightforwardStep(xt, yt, xs, ys, c), repeats)
    return [
      {
        name: `kip step (|s| ${ns}, ${nt} targets, d ${d}, depth-3 ReLU NTK)`,
        value: tOurs / 1000,
        unit: 's/step',
        baseline: { name: 'straightforward tfjs: two kernel passes, transposeB matmul, tf.grad autodiff', value: tBase / 1000 },
        ratio: tBase / tOurs,
        meta: { backend: backend.active, gradientRelDiff: Math.sqrt(num / den), loss: ours.loss, baselineLoss: base.loss },
      },
    ]
  } finally {
    tf.dispose([xt, qt])
  }
}
