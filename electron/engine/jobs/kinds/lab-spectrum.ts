import type { SpectrumReport } from '../../../../shared/jobs/results'
import { eigh } from '../../linalg/eigh'
import { gradientFlowPredictions } from '../../ntk/dynamics'
import { loadLabData, toF64 } from '../../lab/data'
import { accuracy as accuracyOf, mseObjective } from '../../core/metrics'
import { autoLearningRate, labKernels } from '../../lab/kernels'
import { logSpace } from '../../lab/fit'
import type { JobRunner } from '../../core/job'

const MAX_TRAIN = 3000

// Spectrum and early stopping (docs/math.md §3): with Θ = V diag(λ) Vᵀ, the residual along eigendirection i
// decays as e^{−η λᵢ t/(N K)} |(Vᵀy)ᵢ|: large-λ modes are learnt first. Label energy (Vᵀy)ᵢ² against λᵢ
// shows which modes carry the labels; the test loss over t (f₀ = 0) marks the best stopping time.
export const run: JobRunner<'lab-spectrum'> = async (spec, ctx) => {
  const d = await loadLabData(ctx, spec.data, { maxTrain: MAX_TRAIN, what: 'the spectrum experiment' })
  const { n, m, k: K } = d
  const { train, cross } = await labKernels(ctx, d.xTrain, d.xTest, spec.arch, [spec.kernel], 0, 0.3)
  ctx.progress(0.3, 'eigendecomposition')
  const eig = await eigh(Float32Array.from(train[spec.kernel]!), n, { onStep: (f) => { ctx.progress(0.3 + 0.5 * f, 'eigendecomposition'); return ctx.yield() } })
  ctx.throwIfCancelled()
  const y = toF64(d.yTrain)
  const yTest = toF64(d.yTest)
  // Descending order: index 0 is the largest eigenvalue.
  const order = Array.from({ length: n }, (_, i) => n - 1 - i)
  const lambda = order.map((i) => Math.max(eig.values[i]!, 0))
  const energy = order.map((i) => {
    let e = 0
    for (let q = 0; q < K; q++) {
      let g = 0
      for (let r = 0; r < n; r++) g += eig.vectors[r * n + i]! * y[r * K + q]!
      e += g * g
    }
    return e
  })
  const totalEnergy = energy.reduce((a, b) => a + b, 0)
  const lr = spec.learningRate ?? autoLearningRate(lambda[0]!, n, K)
  const c = lr / (n * K)
  const times = logSpace(spec.tMin, Math.max(spec.tMax, spec.tMin * 1.01), spec.timePoints)

  // Modes shown: ranks spread log-uniformly over the spectrum (always the top one).
  const ranks = [...new Set(logSpace(1, n, spec.modes).map((r) => Math.min(n, Math.round(r)) - 1))]
  const modes = ranks.map((r) => ({
    rank: r + 1,
    lambda: lambda[r]!,
    energyFraction: totalEnergy > 0 ? energy[r]! / totalEnergy : 0,
    residual: times.map((t) => Math.exp(-c * lambda[r]! * t) * Math.sqrt(energy[r]!)),
  }))

  ctx.progress(0.85, 'dynamics')
  const dyn = gradientFlowPredictions({ eig, y, k: K, kCross: cross[spec.kernel]!, m, times, learningRate: lr })
  const trainLoss: number[] = []
  const testLoss: number[] = []
  const testAccuracy: number[] = []
  times.forEach((t, i) => {
    const tr = mseObjective(dyn.train.subarray(i * n * K, (i + 1) * n * K), y, n * K)
    const te = mseObjective(dyn.test.subarray(i * m * K, (i + 1) * m * K), yTest, m * K)
    trainLoss.push(tr)
    testLoss.push(te)
    ctx.metric('train_loss', t, tr)
    ctx.metric('test_loss', t, te)
    if (d.classTest) {
      const a = accuracyOf(dyn.test, d.classTest, K, i * m * K)
      testAccuracy.push(a)
      ctx.metric('test_accuracy', t, a)
    }
  })
  let best = 0
  for (let i = 1; i < times.length; i++) if (testLoss[i]! < testLoss[best]!) best = i
  const result: SpectrumReport = {
    n,
    m,
    k: K,
    kernel: spec.kernel,
    learningRate: lr,
    eigenvalues: lambda,
    labelEnergy: energy,
    times,
    modes,
    trainLoss,
    testLoss,
    testAccuracy: d.classTest ? testAccuracy : null,
    tStar: times[best]!,
    minTestLoss: testLoss[best]!,
    finalTestLoss: testLoss.at(-1)!,
  }
  ctx.artifacts.saveJson('spectrum', result)
  ctx.log('info', `best stopping time t* = ${times[best]!.toPrecision(3)} (test loss ${testLoss[best]!.toPrecision(4)} vs ${testLoss.at(-1)!.toPrecision(4)} at the end)`)
  ctx.progress(1, 'done')
  return { n, m, k: K, kernel: spec.kernel, learningRate: lr, tStar: result.tStar, minTestLoss: result.minTestLoss, finalTestLoss: result.finalTestLoss, lambdaMax: lambda[0]!, lambdaMin: lambda[n - 1]! }
}
