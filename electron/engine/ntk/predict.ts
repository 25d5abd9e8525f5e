import type { AnalyticArch } from './analytic'
import { UserError } from '../../../shared/errors'
import type { Matrix } from '../core/matrix'
import { eigh } from '../linalg/eigh'
import { checkFiniteMatrix } from '../linalg/spd'
import { computeAnalyticKernels, type KernelName } from './analytic'
import { gradientFlowPredictions } from './dynamics'
import { gpPosterior } from './gp'
import { assertFiniteArray } from '../core/finite'
import type { RemoteTiles } from '../core/remote-tiles'

// Infinite-width predictions from the analytic kernels: t = ∞ (GP / kernel regression, Cholesky) or
// gradient flow at given times (eigendecomposition), f₀ = 0 (the infinite ensemble mean).

export interface PredictRequest {
  xTrain: Matrix
  yTrain: Matrix
  xTest: Matrix
  arch: AnalyticArch
  kernel: KernelName
  /** absent: t = ∞ */
  times?: number[]
  learningRate: number
  diagReg: number
  variance: boolean
  tileSize?: number
  workers?: number
  signal?: AbortSignal
  progress?: (fraction: number, message: string) => void
  yieldNow?: () => Promise<void>
  /** the train×train and test×train tiles go to `ntkw worker` processes */
  remote?: RemoteTiles
}

export interface PredictOutput {
  n: number
  m: number
  k: number
  /** (m, k) at t = ∞, or (times, m, k) */
  test: Float32Array
  testShape: number[]
  train: Float32Array
  trainShape: number[]
  variance?: Float32Array
  solve?: { shift: number; relResidual: number; initialRelResidual: number; iterations: number; varianceClipped: number }
  eigen?: { min: number; max: number; clippedNegative: number }
}

function asF64(m: Matrix): Float64Array {
  return Float64Array.from(m.data.subarray(0, m.rows * m.cols))
}

export function checkPredictInputs(xTrain: Matrix, yTrain: Matrix, xTest: Matrix, yTest?: Matrix): void {
  if (yTrain.rows !== xTrain.rows) {
    throw new UserError('row_mismatch', `x-train has ${xTrain.rows} rows but y-train has ${yTrain.rows}`, 'Each training point needs one label row: y-train must have shape [n] or [n, K] with n = rows of x-train.')
  }
  if (xTest.cols !== xTrain.cols) {
    throw new UserError('dim_mismatch', `x-train has ${xTrain.cols} features but x-test has ${xTest.cols}`, 'Train and test points must have the same number of columns (features).')
  }
  if (yTest && yTest.rows !== xTest.rows) {
    throw new UserError('row_mismatch', `x-test has ${xTest.rows} rows but y-test has ${yTest.rows}`, 'y-test must have one label row per test point.')
  }
  if (yTest && yTest.cols !== yTrain.cols) {
    throw new UserError('dim_mismatch', `y-train has ${yTrain.cols} outputs but y-test has ${yTest.cols}`, 'Use the same label encoding (e.g. one-hot with the same classes) for train and test.')
  }
  checkFiniteMatrix(yTrain.data, yTrain.rows, yTrain.cols, 'y-train')
}

/** K(x*, x*) for each test point, from diagonal blocks of the test–test kernel (never the full m×m). */
async function testDiagonal(xTest: Matrix, req: PredictRequest): Promise<Float32Array> {
  const m = xTest.rows
  const d = xTest.cols
  const out = new Float32Array(m)
  const chunk = 256
  for (let r0 = 0; r0 < m; r0 += chunk) {
    const rows = Math.min(chunk, m - r0)
    const block: Matrix = { data: xTest.data.subarray(r0 * d, (r0 + rows) * d), rows, cols: d }
    const k = await computeAnalyticKernels(block, null, req.arch, { kernels: [req.kernel], workers: 1, signal: req.signal })
    const kk = k[req.kernel]!
    for (let i = 0; i < rows; i++) out[r0 + i] = kk[i * rows + i]!
  }
  return out
}

export async function predictInfiniteWidth(req: PredictRequest): Promise<PredictOutput> {
  const { xTrain, yTrain, xTest } = req
  checkPredictInputs(xTrain, yTrain, xTest)
  if (req.variance && req.times) {
    throw new UserError('variance_needs_t_inf', 'the predictive variance is the GP posterior at t = ∞', 'Drop --t (or times) to get the variance, or drop --var.')
  }
  const n = xTrain.rows
  const m = xTest.rows
  const k = yTrain.cols
  const progress = req.progress ?? (() => {})
  const kopts = { kernels: [req.kernel], tileSize: req.tileSize, workers: req.workers, signal: req.signal, ...(req.remote ? { remote: req.remote } : {}) }
  progress(0, 'kernel train×train')
  const kt = await computeAnalyticKernels(xTrain, null, req.arch, { ...kopts, progress: (f) => progress(0.35 * f, 'kernel train×train') })
  const kc = await computeAnalyticKernels(xTest, xTrain, req.arch, { ...kopts, progress: (f) => progress(0.35 + 0.25 * f, 'kernel test×train') })
  const kTrain = kt[req.kernel]!
  const kCross = kc[req.kernel]!
  checkFiniteMatrix(kTrain, n, n, `the ${req.kernel.toUpperCase()} of the training inputs`)
  checkFiniteMatrix(kCross, m, n, `the test–train ${req.kernel.toUpperCase()}`)
  const y = asF64(yTrain)
  const what = `the ${req.kernel.toUpperCase()} of the training inputs`

  if (!req.times) {
    const kTestDiag = req.variance ? await testDiagonal(xTest, req) : undefined
    progress(0.65, 'Cholesky solve')
    let blocks = 0
    const gp = await gpPosterior(
      { kTrain, n, kCross, m, y, k },
      {
        diagReg: req.diagReg,
        ...(kTestDiag ? { kTestDiag } : {}),
        what,
        onStep: async () => {
          progress(Math.min(0.95, 0.65 + 0.002 * ++blocks), 'Cholesky solve')
          await req.yieldNow?.()
        },
      },
    )
    const out: PredictOutput = {
      n,
      m,
      k,
      test: Float32Array.from(gp.mean),
      testShape: [m, k],
      train: Float32Array.from(gp.trainMean),
      trainShape: [n, k],
      solve: { shift: gp.shift, relResidual: gp.relResidual, initialRelResidual: gp.initialRelResidual, iterations: gp.refineIterations, varianceClipped: gp.varianceClipped ?? 0 },
    }
    if (gp.variance) out.variance = Float32Array.from(gp.variance)
    checkOutputs(out)
    return out
  }

  // finite t: Θ + εI keeps the same eigenvectors, the regulariser shifts λ
  progress(0.6, 'eigendecomposition')
  const eig = await eigh(kTrain, n, {
    onStep: async (f) => {
      progress(0.6 + 0.35 * f, 'eigendecomposition')
      await req.yieldNow?.()
    },
  })
  const mean = kTrain.reduce((s, v, i) => (i % (n + 1) === 0 ? s + v : s), 0) / n
  const shift = req.diagReg * mean
  let clippedNegative = 0
  for (let i = 0; i < n; i++) {
    eig.values[i] = eig.values[i]! + shift
    if (eig.values[i]! < 0) clippedNegative++
  }
  const dyn = gradientFlowPredictions({ eig, y, k, kCross, m, times: req.times, learningRate: req.learningRate })
  const nt = req.times.length
  const out: PredictOutput = {
    n,
    m,
    k,
    test: dyn.test,
    testShape: nt === 1 ? [m, k] : [nt, m, k],
    train: dyn.train,
    trainShape: nt === 1 ? [n, k] : [nt, n, k],
    eigen: { min: eig.values[0]!, max: eig.values[n - 1]!, clippedNegative },
  }
  checkOutputs(out)
  return out
}

function checkOutputs(o: PredictOutput): void {
  for (const [name, arr] of [['test predictions', o.test], ['train predictions', o.train], ['variance', o.variance]] as const) {
    if (!arr) continue
    assertFiniteArray(arr, `the ${name}`, 'The kernel is too ill-conditioned for these settings: increase --diag-reg (e.g. 1e-4) or lower --lr/--t.')
  }
}
