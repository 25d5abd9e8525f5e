import type { FcArch, KernelPlan } from '../../../shared/arch'
import * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../shared/errors'
import { assertFiniteArray } from '../core/finite'
import { ensureGradients } from '../core/tf-gradients'
import { tensorKernel } from '../layers/plan-tensor'
import { SpatialTiler } from '../ntk/spatial'
import { fcKernelBackward, fcKernelForward, isPlanArch, type KernelInputs, type KipArch, type KipKernel } from './kernel'
import { krrLossGrad } from './krr-adjoint'

export interface KipObjectiveConfig {
  arch: KipArch
  kernel: KipKernel
  /** relative diagonal regularisation r: ε = r · trace(K_ss)/|s| */
  diagReg: number
}

/** A target batch resident on the backend: points [nt, d], their variances [nt, 1], labels nt×C. */
export interface TargetBatch {
  x: tf.Tensor2D
  q: tf.Tensor2D
  y: ArrayLike<number>
}

export interface KipValueGrad {
  loss: number
  /** ∂L/∂X_s, ns×d */
  gX: Float32Array
  /** ∂L/∂y_s, ns×C */
  gY: Float64Array
}

/** q = ‖x‖²/d of each row as [n, 1]. */
export function rowVariances(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.mul(tf.sum(tf.mul(x, x), 1, true), 1 / x.shape[1]) as tf.Tensor2D)
}

/**
 * KIP loss and gradients (Nguyen, Chen & Lee, "Dataset Meta-Learning from Kernel Ridge-Regression",
 * ICLR 2021). One kernel evaluation covers both blocks: the stacked rows R = [X_t; X_s] against X_s,
 * Σ⁰ = R X_sᵀ/d. The solve and its adjoint run in float64 JS (krr-adjoint.ts); tfjs autodiff carries
 * ∂L/∂K back through the elementwise kernel recursion to ∂L/∂Σ⁰ and ∂L/∂q_s, and the Gram step is
 * differentiated by hand with explicitly transposed operands (tfjs's matMul gradient uses the transposed
 * matmul path, ~11× slower on wasm):
 *   ∂L/∂X_s = (Gᵀ R + G_ss X_s)/d + 2 diag(g_q) X_s / d.
 */
export function kipValueAndGrad(target: TargetBatch, xs: Float32Array, ys: Float64Array, c: number, cfg: KipObjectiveConfig): KipValueGrad {
  if (isPlanArch(cfg.arch)) return planValueAndGrad(target, xs, ys, c, cfg, cfg.arch.plan)
  const nt = target.x.shape[0]
  const d = target.x.shape[1]
  const ns = xs.length / d
  let loss = 0
  let gY: Float64Array = new Float64Array(0)
  const gX = tf.tidy(() => {
    const xsT = tf.tensor2d(xs, [ns, d])
    const r = tf.concat([target.x, xsT], 0) as tf.Tensor2D
    const s0 = tf.mul(tf.matMul(r, tf.transpose(xsT)), 1 / d) as tf.Tensor2D
    const sss = tf.slice(s0, [nt, 0], [ns, ns])
    // q_s is read off the Gram diagonal, so Σ⁰ᵢᵢ = qᵢ bit for bit on the K_ss diagonal.
    const qCols = tf.reshape(tf.sum(tf.mul(sss, tf.eye(ns)), 0), [1, ns]) as tf.Tensor2D
    const inp: KernelInputs = {
      s0,
      qRows: tf.concat([target.q, tf.reshape(qCols, [ns, 1])], 0) as tf.Tensor2D,
      qCols,
      pin: tf.concat([tf.zeros([nt, ns]), tf.eye(ns)], 0) as tf.Tensor2D,
      d,
    }
    checkDistinct(sss.dataSync() as Float32Array, ns, cfg.diagReg)
    const arch = cfg.arch as FcArch
    const fwd = fcKernelForward(inp, arch, cfg.kernel)
    const kv = fwd.k.dataSync() as Float32Array
    assertFiniteArray(kv, 'the kernel', 'Scale the inputs down, or lower --w-std / --b-std / --depth: the kernel overflowed float32.', ns)
    const adj = krrLossGrad(kv.subarray(0, nt * ns), kv.subarray(nt * ns), ys, target.y, nt, ns, c, cfg.diagReg)
    loss = adj.loss
    gY = adj.gYs
    const gK = new Float32Array((nt + ns) * ns)
    for (let i = 0; i < nt * ns; i++) gK[i] = adj.gKts[i]!
    for (let i = 0; i < ns * ns; i++) gK[nt * ns + i] = adj.gKss[i]!
    const g = fcKernelBackward(inp, fwd, tf.tensor2d(gK, [nt + ns, ns]), arch, cfg.kernel)
    // Σ⁰ = R X_sᵀ/d with R = [X_t; X_s]; q_s = ‖x_s‖²/d enters as a column variance and as the last
    // ns row variances.
    const gq = tf.add(tf.reshape(g.gqCols, [ns, 1]), tf.slice(g.gqRows, [nt, 0], [ns, 1]))
    const fromCols = tf.matMul(tf.transpose(g.gs0), r)
    const fromRows = tf.matMul(tf.slice(g.gs0, [nt, 0], [ns, ns]), xsT)
    const fromQ = tf.mul(tf.mul(gq, 2), xsT)
    return tf.mul(tf.add(tf.add(fromCols, fromRows), fromQ), 1 / d)
  })
  const out = (gX.dataSync() as Float32Array).slice()
  gX.dispose()
  assertFiniteArray(out, 'the KIP gradient', 'Lower --lr, or raise --diag-reg; check the inputs are standardised.', d)
  return { loss, gX: out, gY }
}

// Squared distances below this fraction of the points' variances are float32 rounding: the two support
// points are the same point, and K_ss is singular up to the regulariser.
const DUPLICATE_REL = 1e-6

/** Rejects support sets with (numerically) identical points: K_ss would be singular. */
export function checkDistinct(sss: Float32Array, ns: number, diagReg: number): void {
  for (let i = 0; i < ns; i++) {
    const qi = sss[i * ns + i]!
    for (let j = 0; j < i; j++) {
      const qj = sss[j * ns + j]!
      const dist = qi + qj - 2 * sss[i * ns + j]!
      if (dist <= DUPLICATE_REL * (qi + qj)) {
        throw new UserError(
          'singular_support',
          `support points ${j} and ${i} are identical, so the support kernel K_ss is singular (diag_reg ${diagReg} only hides it)`,
          'Remove duplicate rows from the data, or initialise from noise (--init noise), or use another --seed.',
        )
      }
    }
  }
}

/**
 * KIP with an ARCH.json kernel: the kernel values from the layer modules' float64 pair rules (as
 * `ntkw kernel --arch`), the KRR adjoint as above, and ∂L/∂X_s = ∂/∂X_s Σ G ⊙ K([X_t; X_s], X_s) by tfjs
 * autodiff through the same modules' tensor rules (layers/plan-tensor.ts), with G = ∂L/∂K held fixed.
 */
function planValueAndGrad(target: TargetBatch, xs: Float32Array, ys: Float64Array, c: number, cfg: KipObjectiveConfig, plan: KernelPlan): KipValueGrad {
  const nt = target.x.shape[0]
  const d = target.x.shape[1]
  const ns = xs.length / d
  const xt = target.x.dataSync() as Float32Array
  checkDistinct(gramOf(xs, ns, d), ns, cfg.diagReg)
  const rows = new Float32Array((nt + ns) * d)
  rows.set(xt.subarray(0, nt * d))
  rows.set(xs, nt * d)
  const kv = new SpatialTiler(plan, rows, xs, d, [cfg.kernel]).tile({ row0: 0, rows: nt + ns, col0: 0, cols: ns }, false)[cfg.kernel]!
  assertFiniteArray(kv, 'the kernel', 'Scale the inputs down, or lower --w-std / --b-std: the kernel overflowed float32.', ns)
  const adj = krrLossGrad(kv.subarray(0, nt * ns), kv.subarray(nt * ns), ys, target.y, nt, ns, c, cfg.diagReg)
  const gK = new Float32Array((nt + ns) * ns)
  gK.set(adj.gKts.subarray(0, nt * ns))
  gK.set(adj.gKss.subarray(0, ns * ns), nt * ns)
  ensureGradients()
  const gX = tf.tidy(() => {
    const g = tf.tensor2d(gK, [nt + ns, ns])
    const pin = tf.concat([tf.zeros([nt, ns]), tf.eye(ns)], 0) as tf.Tensor2D
    const f = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(g, tensorKernel(plan, tf.concat([target.x, x], 0) as tf.Tensor2D, x as tf.Tensor2D, cfg.kernel, pin)))
    return tf.grad(f)(tf.tensor2d(xs, [ns, d]))
  })
  const out = (gX.dataSync() as Float32Array).slice()
  gX.dispose()
  assertFiniteArray(out, 'the KIP gradient', 'Lower --lr, or raise --diag-reg; check the inputs are standardised.', d)
  return { loss: adj.loss, gX: out, gY: adj.gYs }
}

/** X Xᵀ/d of ns points in float32, for the duplicate check. */
function gramOf(x: Float32Array, n: number, d: number): Float32Array {
  const g = new Float32Array(n * n)
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0
      for (let k = 0; k < d; k++) s += x[i * d + k]! * x[j * d + k]!
      g[i * n + j] = g[j * n + i] = s / d
    }
  return g
}

/** K(X_a, X_s) with the same differentiable recursion (no gradient): for evaluation and tests. */
export function kipKernel(xa: tf.Tensor2D, xs: tf.Tensor2D, cfg: Pick<KipObjectiveConfig, 'arch' | 'kernel'>, self = false): Float32Array {
  if (isPlanArch(cfg.arch)) {
    const a = xa.dataSync() as Float32Array
    const b = self ? a : (xs.dataSync() as Float32Array)
    const d = xa.shape[1]
    return new SpatialTiler(cfg.arch.plan, a, b, d, [cfg.kernel]).tile({ row0: 0, rows: xa.shape[0], col0: 0, cols: xs.shape[0] }, self)[cfg.kernel]!
  }
  const arch = cfg.arch
  return tf.tidy(() => {
    const d = xa.shape[1]
    const s0 = tf.mul(tf.matMul(xa, tf.transpose(xs)), 1 / d) as tf.Tensor2D
    const n = xs.shape[0]
    const qCols = self ? (tf.reshape(tf.sum(tf.mul(s0, tf.eye(n)), 0), [1, n]) as tf.Tensor2D) : (tf.reshape(rowVariances(xs), [1, n]) as tf.Tensor2D)
    const qRows = self ? (tf.reshape(qCols, [n, 1]) as tf.Tensor2D) : rowVariances(xa)
    const k = fcKernelForward({ s0, qRows, qCols, pin: self ? tf.eye(n) : null, d }, arch, cfg.kernel).k
    return (k.dataSync() as Float32Array).slice()
  })
}
