import { UserError } from '../../../../shared/errors'
import type { SelfDistillCurve, SelfDistillReport } from '../../../../shared/jobs/results'
import type { Matrix } from '../../core/matrix'
import { accuracy, argmaxRows, meanSquaredError } from '../../core/metrics'
import { shuffle, uniformStream } from '../../core/random'
import { computeAnalyticKernels, isSpatialArch, type AnalyticArch, type KernelName } from '../../ntk/analytic'
import { constantAlphaWeights, crossTimes, dualCoefficients, optimalSchedule, ridgeDual, spectralProblem, trainPredictions, type SpectralProblem } from './solve'
import { trainShrinkage } from './shrinkage'

// The self-distillation experiment: S steps for several constant α plus the per-step optimal α, all from one
// eigendecomposition of the training kernel; metrics per step, the λ/α ridge limit of each α, and the
// per-eigenvalue shrinkage curves b^(τ)(d).

export interface SelfDistillInput {
  xTrain: Matrix
  yTrain: Matrix
  xTest: Matrix
  yTest?: Matrix
  arch: AnalyticArch
  kernel: KernelName
  diagReg: number
  alphas: number[]
  steps: number
  optimal: boolean
  validationFraction: number
  /** share of training rows whose one-hot label is replaced by a random class (seeded) */
  labelNoise?: number
  seed: number
  signal?: AbortSignal
  progress?: (fraction: number, message: string) => void
  yieldNow?: () => Promise<void>
}

export interface SelfDistillOutput extends SelfDistillReport {
  /** test predictions (steps, m, k) of the first constant α */
  predictions: Float32Array
}

/** class per row for one-hot targets (null for a single output column: regression) */
function classesOf(y: Matrix): Int32Array | null {
  return y.cols < 2 ? null : argmaxRows(y.data, y.rows, y.cols)
}

function mse(f: Float64Array, y: ArrayLike<number>): number {
  return meanSquaredError(f, y, f.length)
}

function rowsOf(m: Matrix, idx: ArrayLike<number>): Matrix & { data: Float32Array } {
  const out = new Float32Array(idx.length * m.cols)
  for (let i = 0; i < idx.length; i++) out.set(m.data.subarray(idx[i]! * m.cols, (idx[i]! + 1) * m.cols), i * m.cols)
  return { data: out, rows: idx.length, cols: m.cols }
}

export function checkSelfDistillInputs(inp: Pick<SelfDistillInput, 'xTrain' | 'yTrain' | 'xTest' | 'yTest'>): void {
  const { xTrain, yTrain, xTest, yTest } = inp
  if (yTrain.rows !== xTrain.rows) throw new UserError('row_mismatch', `x-train has ${xTrain.rows} rows but y-train has ${yTrain.rows}`, 'y-train needs one row per training point: shape [n] or [n, K].')
  if (xTest.cols !== xTrain.cols) throw new UserError('dim_mismatch', `x-train has ${xTrain.cols} features but x-test has ${xTest.cols}`, 'Train and test points must have the same columns.')
  if (yTest && yTest.rows !== xTest.rows) throw new UserError('row_mismatch', `x-test has ${xTest.rows} rows but y-test has ${yTest.rows}`, 'y-test needs one row per test point.')
  if (yTest && yTest.cols !== yTrain.cols) throw new UserError('dim_mismatch', `y-train has ${yTrain.cols} outputs but y-test has ${yTest.cols}`, 'Use the same label encoding for train and test.')
  if (xTrain.rows < 2) throw new UserError('too_few_points', `${xTrain.rows} training point(s)`, 'Self-distillation needs at least 2 training points.')
}

export async function runSelfDistill(inp: SelfDistillInput): Promise<SelfDistillOutput> {
  checkSelfDistillInputs(inp)
  const progress = inp.progress ?? (() => {})
  const k = inp.yTrain.cols
  // validation rows for the optimal α: a seeded random subset of the training rows, removed from the fit
  const all = Int32Array.from({ length: inp.xTrain.rows }, (_, i) => i)
  let fitIdx: Int32Array = all
  let valIdx = new Int32Array(0)
  if (inp.optimal) {
    const v = Math.round(inp.validationFraction * inp.xTrain.rows)
    if (v < 1 || inp.xTrain.rows - v < 2) throw new UserError('too_few_points', `${inp.xTrain.rows} training points leave no validation rows for the optimal α`, 'Use more training points, a larger validation fraction, or turn the optimal schedule off.')
    const perm = shuffle(Int32Array.from(all), uniformStream(inp.seed ^ 0x5eed))
    valIdx = Int32Array.from(perm.subarray(0, v)).sort()
    fitIdx = Int32Array.from(perm.subarray(v)).sort()
  }
  const yTrain = inp.labelNoise ? withLabelNoise(inp.yTrain, inp.labelNoise, inp.seed) : inp.yTrain
  const xFit = rowsOf(inp.xTrain, fitIdx)
  const yFit = rowsOf(yTrain, fitIdx)
  const n = xFit.rows
  const m = inp.xTest.rows
  const r = valIdx.length
  const xOther: Matrix = r > 0 ? { data: concat(inp.xTest.data, rowsOf(inp.xTrain, valIdx).data), rows: m + r, cols: inp.xTest.cols } : inp.xTest
  const infArch = isSpatialArch(inp.arch) ? inp.arch : { ...inp.arch, width: 'inf' as const }
  progress(0, 'kernel of the training points')
  const kTrain = (await computeAnalyticKernels(xFit, null, infArch, { kernels: [inp.kernel], signal: inp.signal, progress: (f) => progress(0.25 * f, 'kernel of the training points') }))[inp.kernel]!
  const kOther = (await computeAnalyticKernels(xOther, xFit, infArch, { kernels: [inp.kernel], signal: inp.signal, progress: (f) => progress(0.25 + 0.15 * f, 'kernel between test and training points') }))[inp.kernel]!
  const kTest = kOther.subarray(0, m * n)
  const kVal = kOther.subarray(m * n, (m + r) * n)
  const y = Float64Array.from(yFit.data)
  const sp = await spectralProblem(kTrain, n, y, k, inp.diagReg, { yieldNow: inp.yieldNow, progress: (f, msg) => progress(0.4 + 0.45 * f, msg) })

  const classFit = classesOf(yFit)
  const yTest = inp.yTest ? Float64Array.from(inp.yTest.data) : null
  const classTest = inp.yTest ? classesOf(inp.yTest) : null
  const steps = inp.steps
  const predictions = new Float32Array(steps * m * k)

  const evaluate = (weights: Float64Array[], alpha: number | null, alphaPerStep: number[], savePredictions: boolean): SelfDistillCurve => {
    const c: SelfDistillCurve = { alpha, alphaPerStep, trainMse: [], testMse: yTest ? [] : null, trainAccuracy: classFit ? [] : null, testAccuracy: classTest ? [] : null }
    weights.forEach((w, t) => {
      const tr = trainPredictions(sp, w)
      c.trainMse.push(mse(tr, y))
      if (classFit) c.trainAccuracy!.push(accuracy(tr, classFit, k))
      const te = crossTimes(kTest, m, n, dualCoefficients(sp, w), k)
      if (savePredictions) predictions.set(Float32Array.from(te), t * m * k)
      if (yTest) c.testMse!.push(mse(te, yTest))
      if (classTest) c.testAccuracy!.push(accuracy(te, classTest, k))
    })
    return c
  }

  const curves: SelfDistillCurve[] = []
  for (const [i, alpha] of inp.alphas.entries()) {
    progress(0.85 + (0.1 * i) / inp.alphas.length, `α = ${alpha}`)
    await inp.yieldNow?.()
    const curve = evaluate(constantAlphaWeights(sp, alpha, steps), alpha, [1, ...Array<number>(steps - 1).fill(alpha)], i === 0)
    if (alpha > 0) {
      const lim = crossTimes(kTest, m, n, ridgeDual(sp, sp.lambda / alpha), k)
      curve.limitTestMse = yTest ? mse(lim, yTest) : null
      curve.limitTestAccuracy = classTest ? accuracy(lim, classTest, k) : null
    }
    curves.push(curve)
  }
  if (inp.optimal) {
    progress(0.95, 'optimal α per step')
    const sched = optimalSchedule(sp, Float32Array.from(kVal), Float64Array.from(rowsOf(yTrain, valIdx).data), r, steps)
    curves.push({ ...evaluate(sched.weights, null, sched.alphas, false), alphaRaw: sched.raw })
  }
  progress(1, 'done')
  return { n, m, k, validation: r, lambda: sp.lambda, diagReg: inp.diagReg, kernel: inp.kernel, steps, curves, shrinkage: shrinkageCurves(sp, inp.alphas, steps), spectrum: { min: sp.d[0]!, max: sp.d[n - 1]!, clippedNegative: sp.clippedNegative }, predictions }
}

/** One-hot targets with a seeded share of rows relabelled to a uniformly random class (possibly the same one). */
function withLabelNoise(y: Matrix, share: number, seed: number): Matrix {
  const k = y.cols
  const oneHot = k >= 2 && Array.prototype.every.call(y.data, (v: number) => v === 0 || v === 1)
  if (!oneHot) throw new UserError('label_noise_needs_classes', 'label noise replaces class labels, but these targets are not one-hot rows', 'Use a classification dataset (one-hot targets), or set the label noise to 0.')
  const rand = uniformStream((seed ^ 0x6e015e) >>> 0)
  const out = Float32Array.from(y.data)
  for (let i = 0; i < y.rows; i++) {
    if (rand() >= share) continue
    const c = Math.min(k - 1, Math.floor(rand() * k))
    out.fill(0, i * k, (i + 1) * k)
    out[i * k + c] = 1
  }
  return { data: out, rows: y.rows, cols: k }
}

function concat(a: Float32Array | Float64Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

/** b^(τ)(d) on a log grid spanning the kernel's spectrum, for a few τ and every α (chart data, small). */
function shrinkageCurves(sp: SpectralProblem, alphas: number[], steps: number): SelfDistillOutput['shrinkage'] {
  let lo = Infinity
  for (const d of sp.d) if (d > 0) lo = Math.min(lo, d)
  const hi = sp.d[sp.n - 1]!
  const from = Math.min(lo, sp.lambda / 100)
  const pts = 80
  const eigenvalues = Array.from({ length: pts }, (_, i) => from * Math.pow(hi / from, i / (pts - 1)))
  const taus: (number | 'inf')[] = [...new Set([1, 2, 3, 5, 10, steps].filter((t) => t <= steps))]
  taus.push('inf')
  return {
    eigenvalues,
    lambda: sp.lambda,
    taus,
    byAlpha: alphas.map((alpha) => ({
      alpha,
      curves: taus.map((t) => eigenvalues.map((d) => (t === 'inf' ? (alpha * d) / (alpha * d + sp.lambda) : trainShrinkage(d, sp.lambda, alpha, t)))),
    })),
  }
}
