import { createHash } from 'node:crypto'
import type { PredictMetrics, PredictJobResult } from '../../../../shared/jobs/results'
import { predictInfiniteWidth, checkPredictInputs, type PredictOutput } from '../../ntk/predict'
import { buildFeatureMap } from '../../features/build'
import { featureRidge } from '../../features/ridge'
import { chooseApprox } from '../../features/auto'
import { interpolationWarning } from '../../features/interpolation'
import { analyticArchOf } from '../../ntk/kernel-arch'
import { isNetKernelArch } from '../../../../shared/arch'
import { UserError } from '../../../../shared/errors'
import type { JobRunner } from '../../core/job'
import type { Matrix } from '../../core/matrix'
import { accuracy as accuracyOf, argmaxRows, binaryAccuracy, meanSquaredError } from '../../core/metrics'

function mse(pred: Float32Array, off: number, y: Matrix): number {
  return meanSquaredError(pred, y.data, y.rows * y.cols, off)
}

function accuracy(pred: Float32Array, off: number, y: Matrix): number {
  return y.cols === 1 ? binaryAccuracy(pred, y.data, y.rows, off) : accuracyOf(pred, argmaxRows(y.data, y.rows, y.cols), y.cols, off)
}

// Infinite-width NTK/NNGP predictions (docs/math.md §3) on the test points: t = ∞ by Cholesky with float64
// refinement (optionally with the GP predictive variance), or gradient flow at the given times.
export const run: JobRunner<'predict'> = async (spec, ctx) => {
  const started = performance.now()
  const [a, b, c] = [await ctx.data.loadWithHash(spec.xTrain), await ctx.data.loadWithHash(spec.yTrain), await ctx.data.loadWithHash(spec.xTest)]
  const [xTrain, yTrain, xTest] = [a.matrix, b.matrix, c.matrix]
  const yTest = spec.yTest ? await ctx.data.load(spec.yTest) : undefined
  checkPredictInputs(xTrain, yTrain, xTest, yTest)
  const arch = analyticArchOf(spec.arch, xTrain)
  if (spec.approx && isNetKernelArch(spec.arch)) {
    throw new UserError('approx_needs_fc', 'kernel approximation by features (--approx) is implemented for FC networks only', 'Drop --approx to use the exact kernel of the ARCH.json network, or use --depth/--activation.')
  }
  ctx.recordDatasetHash(createHash('sha256').update([a.hash, b.hash, c.hash].join(':')).digest('hex'))
  ctx.throwIfCancelled()

  const yieldNow = async (): Promise<void> => {
    await ctx.yield()
    ctx.throwIfCancelled()
  }
  let approx: PredictJobResult['approx']
  let auto: PredictJobResult['auto']
  let out: PredictOutput
  let method = spec.approx?.method
  if (spec.approx && method === 'auto' && !isNetKernelArch(spec.arch)) {
    auto = chooseApprox({ n: xTrain.rows, nTest: xTest.rows, d: xTrain.cols, arch: spec.arch, kind: spec.kernel, features: spec.approx.features })
    ctx.progress(0, auto.reason)
    method = auto.use === 'rf' ? 'rf' : undefined
  }
  if (spec.approx && (method === 'rf' || method === 'nystrom')) {
    const seed = spec.approx.seed ?? spec.seed
    ctx.progress(0, method === 'nystrom' ? 'landmark kernel and eigendecomposition' : 'drawing the random map')
    if (isNetKernelArch(spec.arch)) throw new Error('unreachable: refused above')
    const map = await buildFeatureMap({ method, arch: spec.arch, kind: spec.kernel, x: xTrain, features: spec.approx.features, seed, workers: spec.workers, signal: ctx.signal })
    try {
      const r = await featureRidge({
        map,
        xTrain,
        yTrain,
        xTest,
        diagReg: spec.diagReg,
        ...(spec.times ? { times: spec.times } : {}),
        learningRate: spec.learningRate,
        variance: spec.variance,
        solver: spec.approx.solver,
        workers: spec.workers,
        progress: (f, msg) => ctx.progress(0.05 + 0.95 * f, msg),
        yieldNow,
      })
      approx = { method, requested: spec.approx.features, features: r.features, seed, solver: r.solver, featureSeconds: r.featureSeconds, solveSeconds: r.solveSeconds }
      out = r
      const warning = method === 'rf' ? interpolationWarning(xTrain.rows, r.features) : null
      if (warning) ctx.log('warn', warning)
    } finally {
      map.dispose()
    }
  } else out = await predictInfiniteWidth({
    xTrain,
    yTrain,
    xTest,
    arch,
    kernel: spec.kernel,
    ...(spec.times ? { times: spec.times } : {}),
    learningRate: spec.learningRate,
    diagReg: spec.diagReg,
    variance: spec.variance,
    tileSize: spec.tileSize,
    workers: spec.workers,
    signal: ctx.signal,
    ...(ctx.remote ? { remote: ctx.remote } : {}),
    progress: (f, msg) => ctx.progress(f, msg),
    yieldNow,
  })
  ctx.throwIfCancelled()

  const times = spec.times ?? [null]
  const metrics: PredictMetrics[] = times.map((t, ti) => {
    const row: PredictMetrics = { t, trainMse: mse(out.train, ti * out.n * out.k, yTrain) }
    ctx.metric('train_mse', ti, row.trainMse)
    if (yTest) {
      row.testMse = mse(out.test, ti * out.m * out.k, yTest)
      row.testAccuracy = accuracy(out.test, ti * out.m * out.k, yTest)
      ctx.metric('test_mse', ti, row.testMse)
      ctx.metric('test_accuracy', ti, row.testAccuracy)
    }
    return row
  })
  if (out.solve && out.solve.relResidual > 1e-6) {
    ctx.log('warn', `the solve reached only a relative residual of ${out.solve.relResidual.toExponential(2)}: the kernel is ill-conditioned in float32; a larger diag_reg (e.g. ${Math.max(spec.diagReg * 10, 1e-6)}) gives a more trustworthy result`)
  }
  if (out.eigen && out.eigen.clippedNegative > 0) {
    ctx.log('warn', `${out.eigen.clippedNegative} eigenvalue(s) of the kernel were negative (rounding) and were clipped at 0`)
  }

  const meta = { kernel: spec.kernel, arch: spec.arch, times: spec.times ?? null, diagReg: spec.diagReg, ...(approx ? { approx } : {}), ...(auto ? { auto } : {}) }
  const artifacts = [ctx.artifacts.saveArray('predictions', out.test, out.testShape, meta)]
  if (out.variance) artifacts.push(ctx.artifacts.saveArray('variance', out.variance, [out.m], meta))
  if (spec.trainPredictions) artifacts.push(ctx.artifacts.saveArray('train-predictions', out.train, out.trainShape, meta))
  ctx.progress(1, 'done')
  const result: PredictJobResult = {
    nTrain: out.n,
    nTest: out.m,
    outputs: out.k,
    kernel: spec.kernel,
    times: spec.times ?? null,
    diagReg: spec.diagReg,
    ...(out.solve ? { solve: out.solve } : {}),
    ...(out.eigen ? { eigen: out.eigen } : {}),
    metrics,
    ...(approx ? { approx } : {}),
    ...(auto ? { auto } : {}),
    seconds: (performance.now() - started) / 1000,
    artifacts,
  }
  return result
}
