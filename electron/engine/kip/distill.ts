import * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../shared/errors'
import { assertFiniteArray } from '../core/finite'
import type { Matrix } from '../core/matrix'
import { adam } from '../nn/optimizers'
import { deriveSeed, Xoshiro128 } from '../core/random'
import { krrAccuracy } from './evaluate'
import { checkKipArch, type KipArch, type KipKernel } from './kernel'
import { kipValueAndGrad, rowVariances } from './objective'
import { balancedBatch, centredOneHot, indexClasses, realSupport } from './sampling'

export interface KipOptions {
  /** training points n×d and their integer labels (n values) */
  x: Matrix
  labels: ArrayLike<number>
  test?: { x: Matrix; labels: ArrayLike<number> }
  perClass: number
  kernel: KipKernel
  arch: KipArch
  diagReg: number
  steps: number
  learningRate: number
  batch: number
  learnLabels: boolean
  init: 'real' | 'noise'
  seed: number
  /** test accuracy and a support snapshot every this many steps (and at 0 and the end) */
  evalEvery: number
  /** true: stop after the current step (the support set so far is returned) */
  stopRequested?: () => boolean
  onStep?: (step: number, loss: number) => void | Promise<void>
  onSnapshot?: (s: KipSnapshot) => void | Promise<void>
}

export interface KipSnapshot {
  step: number
  /** ns×d support points (class-major: class 0's perClass rows first) */
  x: Float32Array
  /** ns×C labels kernel regression uses (learned with learnLabels) */
  y: Float32Array
  /** KRR test accuracy of the support set, when a test set was given */
  testAccuracy: number | null
}

export interface KipResult {
  final: KipSnapshot
  supportClasses: Int32Array
  classes: number
  d: number
  stepsDone: number
  stopped: boolean
  /** KRR test accuracy at step 0 (the initial support set: random real images with init 'real') */
  initialAccuracy: number | null
  losses: number[]
  /** mean wall time of an optimisation step (seconds), excluding evaluation */
  secondsPerStep: number
}

function checkFinite(m: Matrix, what: string): void {
  assertFiniteArray(m.data, what, 'Remove or impute those values (e.g. a recipe with scaling) before distilling.', m.cols, m.rows * m.cols)
}

function checkOptions(o: KipOptions): void {
  if (o.x.rows !== o.labels.length) {
    throw new UserError('shape_mismatch', `x has ${o.x.rows} rows but y has ${o.labels.length} labels`, 'Pass one integer label per row of x.')
  }
  checkFinite(o.x, 'x')
  if (o.test) {
    if (o.test.x.cols !== o.x.cols) throw new UserError('dim_mismatch', `x has ${o.x.cols} features but the test x has ${o.test.x.cols}`, 'Both must have the same columns.')
    if (o.test.x.rows !== o.test.labels.length) throw new UserError('shape_mismatch', `the test x has ${o.test.x.rows} rows but the test y has ${o.test.labels.length} labels`, 'Pass one integer label per test row.')
    checkFinite(o.test.x, 'the test x')
  }
  if (!(o.diagReg >= 0)) throw new UserError('bad_flag', `diag_reg must be ≥ 0 (got ${o.diagReg})`, 'e.g. --diag-reg 1e-6')
  if (!(o.learningRate > 0)) throw new UserError('bad_flag', `the learning rate must be > 0 (got ${o.learningRate})`, 'e.g. --lr 0.01')
  checkKipArch(o.arch, o.kernel)
}

/** Initial support points: real samples (seeded, k per class) or Gaussian noise with the data's mean and std. */
function initialSupport(o: KipOptions, classes: number, idx: ReturnType<typeof indexClasses>, rng: Xoshiro128): Float32Array {
  const d = o.x.cols
  const ns = o.perClass * classes
  const xs = new Float32Array(ns * d)
  if (o.init === 'real') {
    const rows = realSupport(idx, o.perClass, rng)
    rows.forEach((r, i) => {
      for (let k = 0; k < d; k++) xs[i * d + k] = o.x.data[r * d + k]!
    })
    return xs
  }
  realSupport(idx, o.perClass, rng) // same per-class size check as real samples
  let mean = 0
  let sq = 0
  const n = o.x.rows * d
  for (let i = 0; i < n; i++) {
    mean += o.x.data[i]!
    sq += o.x.data[i]! ** 2
  }
  mean /= n
  const std = Math.sqrt(Math.max(sq / n - mean * mean, 1e-12))
  for (let i = 0; i < xs.length; i++) xs[i] = mean + std * rng.normal()
  return xs
}

/**
 * Kernel Inducing Points (Nguyen, Chen & Lee, "Dataset Meta-Learning from Kernel Ridge-Regression",
 * ICLR 2021): Adam on the support points (and labels) against the KRR loss of class-balanced target
 * batches drawn from the training data.
 */
export async function runKip(o: KipOptions): Promise<KipResult> {
  checkOptions(o)
  const idx = indexClasses(o.labels)
  const classes = idx.classes
  const d = o.x.cols
  const ns = o.perClass * classes
  const initRng = new Xoshiro128(deriveSeed(o.seed, 1))
  const batchRng = new Xoshiro128(deriveSeed(o.seed, 2))
  const supportClasses = new Int32Array(ns)
  for (let i = 0; i < ns; i++) supportClasses[i] = Math.floor(i / o.perClass)
  const cfg = { arch: o.arch, kernel: o.kernel, diagReg: o.diagReg }

  const xData = o.x.data instanceof Float32Array ? o.x.data.subarray(0, o.x.rows * d) : Float32Array.from(o.x.data.subarray(0, o.x.rows * d))
  const xAll = tf.tensor2d(xData, [o.x.rows, d])
  const qAll = rowVariances(xAll)
  const yAll = centredOneHot(o.labels, classes)
  const testX = o.test ? tf.tensor2d(o.test.x.data instanceof Float32Array ? o.test.x.data.subarray(0, o.test.x.rows * d) : Float32Array.from(o.test.x.data), [o.test.x.rows, d]) : null
  let params: tf.Tensor[] = [tf.tensor2d(initialSupport(o, classes, idx, initRng), [ns, d]), tf.tensor2d(Float32Array.from(centredOneHot(supportClasses, classes)), [ns, classes])]
  const opt = adam(o.learningRate)
  const losses: number[] = []
  let stepSeconds = 0
  const snapshot = async (step: number, evaluate = true): Promise<KipSnapshot> => {
    const x = (params[0]!.dataSync() as Float32Array).slice()
    const y = (params[1]!.dataSync() as Float32Array).slice()
    const testAccuracy = evaluate && testX && o.test ? krrAccuracy(x, y, classes, { x: testX, labels: o.test.labels }, cfg) : null
    if (!evaluate) return { step, x, y, testAccuracy }
    const s = { step, x, y, testAccuracy }
    await o.onSnapshot?.(s)
    return s
  }
  try {
    const first = await snapshot(0)
    let last = first
    let step = 0
    let stopped = false
    while (step < o.steps) {
      if (o.stopRequested?.()) {
        stopped = true
        break
      }
      const t0 = performance.now()
      const rows = balancedBatch(idx, o.batch, batchRng)
      const yt = new Float64Array(rows.length * classes)
      rows.forEach((r, i) => yt.set(yAll.subarray(r * classes, (r + 1) * classes), i * classes))
      const rowsT = tf.tensor1d(rows, 'int32')
      const xt = tf.gather(xAll, rowsT) as tf.Tensor2D
      const qt = tf.gather(qAll, rowsT) as tf.Tensor2D
      rowsT.dispose()
      let out
      try {
        out = kipValueAndGrad({ x: xt, q: qt, y: yt }, params[0]!.dataSync() as Float32Array, Float64Array.from(params[1]!.dataSync()), classes, cfg)
      } finally {
        tf.dispose([xt, qt])
      }
      const grads = [tf.tensor2d(out.gX, [ns, d]), o.learnLabels ? tf.tensor2d(Float32Array.from(out.gY), [ns, classes]) : null]
      const updated = opt.step(o.learnLabels ? params : [params[0]!], grads.filter((g): g is tf.Tensor2D => g !== null))
      tf.dispose(grads.filter((g): g is tf.Tensor2D => g !== null))
      tf.dispose(params.slice(0, updated.length))
      params = [...updated, ...params.slice(updated.length)]
      step++
      stepSeconds += (performance.now() - t0) / 1000
      losses.push(out.loss)
      await o.onStep?.(step, out.loss)
      if (step % o.evalEvery === 0 || step === o.steps) last = await snapshot(step)
    }
    // a stop must finish quickly (the host kills the engine soon after a cancel): no evaluation then
    if (last.step !== step) last = await snapshot(step, !stopped)
    return {
      final: last,
      supportClasses,
      classes,
      d,
      stepsDone: step,
      stopped,
      initialAccuracy: first.testAccuracy,
      losses,
      secondsPerStep: step > 0 ? stepSeconds / step : 0,
    }
  } finally {
    opt.dispose()
    tf.dispose([xAll, qAll, ...params])
    testX?.dispose()
  }
}
