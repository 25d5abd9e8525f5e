import * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../../shared/errors'
import type { TrainVsTheoryResult, TrainVsTheoryWidth } from '../../../../shared/jobs/results'
import { eigh } from '../../linalg/eigh'
import { gradientFlowPredictions } from '../../ntk/dynamics'
import { trainMlp } from '../../nn/train'
import { empiricalNtk } from '../../ntk/empirical'
import { disposeMlp } from '../../nn/mlp'
import { loadLabData, toF64 } from '../../lab/data'
import { accuracy as accuracyOf, mseObjective } from '../../core/metrics'
import { autoLearningRate, labKernels } from '../../lab/kernels'
import { trainNetGd } from '../../lab/train-net-gd'
import { isNetKernelArch, planKernel, withChannels, type FcArch } from '../../../../shared/arch'
import { logSteps } from '../../lab/fit'
import type { JobRunner } from '../../core/job'

const MAX_TRAIN = 2000

// Training vs theory: for each width, a finite network trained by full-batch GD on MSE, and the
// closed-form NTK prediction of the same run (docs/math.md §3) started from that network's own f₀, so the
// curves share their starting point; plus the infinite-ensemble prediction (f₀ = 0) and kernel drift.
export const run: JobRunner<'train-vs-theory'> = async (spec, ctx) => {
  const arch = spec.arch
  if (!isNetKernelArch(arch) && arch.parameterization !== 'ntk') {
    throw new UserError('needs_ntk_parameterization', 'the closed-form dynamics use the infinite-width NTK, which exists in NTK parameterization', 'Set the parameterization to ntk.')
  }
  const d = await loadLabData(ctx, spec.data, { maxTrain: MAX_TRAIN, what: 'training vs theory' })
  const { n, m, k: K } = d
  // a layered network is planned per width (channels) against the rows; its kernel plan is checked here first
  const planAt = isNetKernelArch(arch) ? (w: number) => planKernel(withChannels(arch.net, w), { wStd: arch.wStd, bStd: arch.bStd }, d.xTrain.shape ?? [d.xTrain.cols]) : null
  const { train, cross } = await labKernels(ctx, d.xTrain, d.xTest, arch, ['ntk'], 0, 0.1)
  ctx.progress(0.1, 'eigendecomposition of the NTK')
  const eig = await eigh(Float32Array.from(train.ntk!), n, { onStep: () => ctx.yield() })
  ctx.throwIfCancelled()
  const lambdaMax = eig.values[n - 1]!
  const lr = spec.learningRate ?? autoLearningRate(lambdaMax, n, K)
  if (lr * lambdaMax / (n * K) >= 2) {
    throw new UserError('unstable_learning_rate', `learning rate ${lr} is above the stability limit 2NK/λ_max = ${(2 * n * K / lambdaMax).toPrecision(3)} of gradient descent on this kernel`, `Use a learning rate below ${(2 * n * K / lambdaMax).toPrecision(3)}, e.g. ${autoLearningRate(lambdaMax, n, K).toPrecision(3)}.`)
  }
  const evalSteps = [0, ...logSteps(spec.steps, spec.evalPoints)]
  const y = toF64(d.yTrain)
  const yTest = toF64(d.yTest)
  const emitTheory = (label: string, f0Train?: Float64Array, f0Test?: Float64Array): { train: number[]; test: number[] } => {
    // Discrete steps: the networks are trained by GD with this step size, not by gradient flow.
    const dyn = gradientFlowPredictions({ eig, y, k: K, kCross: cross.ntk!, m, times: evalSteps, learningRate: lr, f0Train, f0Test, discrete: true })
    const out = { train: [] as number[], test: [] as number[] }
    evalSteps.forEach((t, i) => {
      const tr = mseObjective(dyn.train.subarray(i * n * K, (i + 1) * n * K), y, n * K)
      const te = mseObjective(dyn.test.subarray(i * m * K, (i + 1) * m * K), yTest, m * K)
      out.train.push(tr)
      out.test.push(te)
      ctx.metric(`theory_train_loss/${label}`, t, tr)
      ctx.metric(`theory_test_loss/${label}`, t, te)
      if (d.classTest) ctx.metric(`theory_test_accuracy/${label}`, t, accuracyOf(dyn.test, d.classTest, K, i * m * K))
    })
    return out
  }
  const infinite = emitTheory('inf')

  const xTr = tf.tensor2d(Float32Array.from(d.xTrain.data), [n, d.xTrain.cols])
  const yTr = tf.tensor2d(Float32Array.from(d.yTrain.data), [n, K])
  const xTe = tf.tensor2d(Float32Array.from(d.xTest.data), [m, d.xTest.cols])
  const yTe = tf.tensor2d(Float32Array.from(d.yTest.data), [m, K])
  const widths = [...spec.widths].sort((a, b) => a - b)
  const totalWork = widths.reduce((s, w) => s + w, 0)
  let workDone = 0
  const perWidth: TrainVsTheoryWidth[] = []
  try {
    for (const w of widths) {
      const label = `w=${w}`
      const span = (0.85 * w) / totalWork
      const start = 0.15 + (0.85 * workDone) / totalWork
      const onStep = async (done: number, total: number): Promise<void> => {
        if (done % 5 === 0 || done === total) {
          ctx.progress(start + (span * done) / total, `width ${w}: step ${done}/${total}`)
          ctx.throwIfCancelled()
          await ctx.yield()
        }
      }
      const driftEvery = spec.driftPoints > 0 ? Math.max(1, Math.floor(spec.steps / 30)) : 0
      const onDrift = (step: number, value: number): void => ctx.metric(`kernel_drift/${label}`, step, value)
      // FC: the MLP stack (hand-written backward pass); layered: the layer modules' forwards, differentiated
      const res: { outputs: { step: number; train: Float32Array; test: Float32Array | null }[]; drift: { value: number }[] | undefined; dispose: () => void } = planAt
        ? await trainNetGd({ plan: planAt(w), seed: spec.seed, xTrain: xTr, yTrain: yTr, xTest: xTe, learningRate: lr, steps: spec.steps, recordAt: evalSteps, driftEvery, driftPoints: Math.min(spec.driftPoints, n), onDrift, onStep }).then((r) => ({ ...r, dispose: () => undefined }))
        : await trainMlp({
            arch: { ...(arch as FcArch), width: w },
            xTrain: xTr,
            yTrain: yTr,
            xTest: xTe,
            yTest: yTe,
            optimizer: 'gd',
            loss: 'mse',
            learningRate: lr,
            steps: spec.steps,
            seed: spec.seed,
            evalEvery: spec.steps + 1,
            kernelEvery: driftEvery,
            kernel: empiricalNtk,
            kernelPoints: Math.min(spec.driftPoints, n),
            recordOutputsAt: evalSteps,
            classification: Boolean(d.classTrain),
            onMetric: (name, step, value) => {
              if (name === 'kernel_drift') onDrift(step, value)
            },
            onStep,
          }).then((r) => ({ outputs: r.outputs, drift: r.curves.kernel_drift, dispose: () => disposeMlp(r.net) }))
      try {
        const trainCurve: number[] = []
        const testCurve: number[] = []
        for (const o of res.outputs) {
          const tr = mseObjective(o.train, y, n * K)
          const te = mseObjective(o.test!, yTest, m * K)
          trainCurve.push(tr)
          testCurve.push(te)
          ctx.metric(`train_loss/${label}`, o.step, tr)
          ctx.metric(`test_loss/${label}`, o.step, te)
          if (d.classTest) ctx.metric(`test_accuracy/${label}`, o.step, accuracyOf(o.test!, d.classTest, K))
        }
        const first = res.outputs.find((o) => o.step === 0)!
        const theory = emitTheory(label, Float64Array.from(first.train), Float64Array.from(first.test!))
        // How far the finite network is from its linearisation over the run, relative to the starting loss
        // (relative to the current loss it would blow up as both curves approach 0).
        const gap = Math.max(...trainCurve.map((v, i) => Math.abs(v - theory.train[i]!))) / Math.max(theory.train[0]!, 1e-30)
        const drift = res.drift
        perWidth.push({
          width: w,
          finalTrainLoss: trainCurve.at(-1)!,
          finalTestLoss: testCurve.at(-1)!,
          theoryFinalTrainLoss: theory.train.at(-1)!,
          theoryFinalTestLoss: theory.test.at(-1)!,
          maxRelativeGap: gap,
          finalKernelDrift: drift?.at(-1)?.value ?? null,
        })
      } finally {
        res.dispose()
      }
      workDone += w
    }
  } finally {
    xTr.dispose()
    yTr.dispose()
    xTe.dispose()
    yTe.dispose()
  }
  const result: TrainVsTheoryResult = { n, m, k: K, learningRate: lr, steps: spec.steps, evalSteps, widths: perWidth, infinite: { finalTrainLoss: infinite.train.at(-1)!, finalTestLoss: infinite.test.at(-1)! } }
  ctx.artifacts.saveJson('train_vs_theory', result)
  ctx.progress(1, 'done')
  return result
}
