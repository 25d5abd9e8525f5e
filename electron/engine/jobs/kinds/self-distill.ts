import { analyticArchOf } from '../../ntk/kernel-arch'
import { createHash } from 'node:crypto'
import { UserError } from '../../../../shared/errors'
import type { SelfDistillReport } from '../../../../shared/jobs/results'
import { checkLabSize, loadLabData } from '../../lab/data'
import { runSelfDistill } from '../../distill/self-distill/run'
import type { JobRunner } from '../../core/job'
import type { Matrix } from '../../core/matrix'

const MAX_TRAIN = 3000

// Kernel self-distillation (Borup & Andersen 2021) on a project dataset or on arrays: curves per step for each
// α and the optimal schedule, the λ/α limits, and the per-eigenvalue shrinkage (distill/self-distill/).
export const run: JobRunner<'self-distill'> = async (spec, ctx) => {
  const started = performance.now()
  let xTrain: Matrix
  let yTrain: Matrix
  let xTest: Matrix
  let yTest: Matrix | undefined
  if (spec.data) {
    const d = await loadLabData(ctx, spec.data)
    ;({ xTrain, yTrain, xTest, yTest } = d)
  } else {
    if (!spec.xTrain || !spec.yTrain || !spec.xTest) throw new UserError('missing_data', 'a self-distill job needs either data (a project dataset) or xTrain, yTrain and xTest', 'Pick a dataset on the Distill page, or pass --x-train, --y-train and --x-test to ntkw self-distill.')
    xTrain = await ctx.data.load(spec.xTrain)
    yTrain = await ctx.data.load(spec.yTrain)
    xTest = await ctx.data.load(spec.xTest)
    yTest = spec.yTest ? await ctx.data.load(spec.yTest) : undefined
    const refs = [spec.xTrain, spec.yTrain, spec.xTest, ...(spec.yTest ? [spec.yTest] : [])]
    const hashes = await Promise.all(refs.map((r) => ctx.data.hash(r)))
    ctx.recordDatasetHash(createHash('sha256').update(hashes.join(':')).digest('hex'))
  }
  checkLabSize(xTrain.rows, MAX_TRAIN, 'self-distillation')
  ctx.throwIfCancelled()
  const out = await runSelfDistill({
    xTrain,
    yTrain,
    xTest,
    ...(yTest ? { yTest } : {}),
    arch: analyticArchOf(spec.arch, xTrain),
    kernel: spec.kernel,
    diagReg: spec.diagReg,
    alphas: spec.alphas,
    steps: spec.steps,
    optimal: spec.optimal,
    validationFraction: spec.validationFraction,
    labelNoise: spec.labelNoise,
    seed: spec.seed,
    signal: ctx.signal,
    progress: (f, msg) => ctx.progress(f, msg),
    yieldNow: async () => {
      await ctx.yield()
      ctx.throwIfCancelled()
    },
  })
  for (const c of out.curves) {
    const tag = c.alpha === null ? 'optimal' : `α=${c.alpha}`
    c.trainMse.forEach((v, t) => ctx.metric(`train_mse ${tag}`, t + 1, v))
    c.testMse?.forEach((v, t) => ctx.metric(`test_mse ${tag}`, t + 1, v))
    c.testAccuracy?.forEach((v, t) => ctx.metric(`test_accuracy ${tag}`, t + 1, v))
  }
  const { predictions, ...summary }: { predictions: Float32Array } & SelfDistillReport = out
  const artifacts = spec.saveSummary ? [ctx.artifacts.saveJson('self-distill', summary)] : []
  if (spec.savePredictions) artifacts.push(ctx.artifacts.saveArray('predictions', predictions, [out.steps, out.m, out.k], { kernel: spec.kernel, alpha: spec.alphas[0], diagReg: spec.diagReg, steps: spec.steps }))
  if (out.spectrum.clippedNegative > 0) ctx.log('warn', `${out.spectrum.clippedNegative} eigenvalue(s) of the kernel were negative (rounding) and were clipped at 0`)
  const opt = out.curves.find((c) => c.alpha === null)
  if (opt) ctx.log('info', `optimal α per step: ${opt.alphaPerStep.slice(1).map((a) => a.toFixed(3)).join(', ')}`)
  ctx.progress(1, 'done')
  return {
    n: out.n,
    m: out.m,
    k: out.k,
    validation: out.validation,
    lambda: out.lambda,
    steps: out.steps,
    finalTestMse: Object.fromEntries(out.curves.map((c) => [c.alpha === null ? 'optimal' : String(c.alpha), c.testMse?.at(-1) ?? null])),
    seconds: (performance.now() - started) / 1000,
    artifacts,
  }
}
