import { accuracy as accuracyOf } from '../../core/metrics'
import type { EfficiencyCurve, EfficiencyReport, LowRankStudy } from '../../../../shared/jobs/results'
import type { JobRunner } from '../../core/job'
import type { Matrix } from '../../core/matrix'
import { buildFeatureMap } from '../../features/build'
import { featuresOfAll, relativeKernelError } from '../../features/error'
import { featureRidge } from '../../features/ridge'
import { chooseRidge } from '../../features/ridge-choice'
import { loadLabData, toF64 } from '../../lab/data'
import { labKernels } from '../../lab/kernels'
import { gpPosterior } from '../../ntk/gp'
import { predictInfiniteWidth } from '../../ntk/predict'
import { checkLowRankStudy, lowRankStudy } from '../../lab/low-rank-study'

const MAX_TRAIN = 4000

function rows(m: Matrix, count: number): Matrix {
  return { data: m.data.subarray(0, count * m.cols), rows: count, cols: m.cols }
}

// Efficiency experiment (docs/math.md §5): error of the feature maps against the exact kernel and kernel
// regression accuracy against m, per method; then exact vs approximate regression time over n.
export const run: JobRunner<'lab-efficiency'> = async (spec, ctx) => {
  const d = await loadLabData(ctx, spec.data, { maxTrain: MAX_TRAIN, what: 'the efficiency experiment' })
  const { n, m: nt, k: K } = d
  if (spec.lowRank) checkLowRankStudy(spec.arch)
  const arch = { ...spec.arch, width: 'inf' as const }
  const yieldNow = async (): Promise<void> => {
    await ctx.yield()
    ctx.throwIfCancelled()
  }
  let t0 = performance.now()
  const { train, cross } = await labKernels(ctx, d.xTrain, d.xTest, arch, [spec.kernel], 0, 0.2)
  const kTrain = train[spec.kernel]!
  const gp = await gpPosterior({ kTrain, n, kCross: cross[spec.kernel]!, m: nt, y: toF64(d.yTrain), k: K }, { diagReg: spec.diagReg, onStep: yieldNow })
  const exact = { accuracy: d.classTest ? accuracyOf(gp.mean, d.classTest, K) : null, seconds: (performance.now() - t0) / 1000 }
  ctx.metric('exact_accuracy', 0, exact.accuracy ?? NaN)

  const curves: EfficiencyCurve[] = []
  const jobs = spec.methods.flatMap((method) => spec.features.filter((m) => method === 'rf' || m <= n).map((m) => ({ method, m })))
  let done = 0
  for (const method of spec.methods) {
    const curve: EfficiencyCurve = { method, m: [], dim: [], error: [], accuracy: [], seconds: [], ridge: [] }
    for (const m of spec.features) {
      if (method === 'nystrom' && m > n) continue
      ctx.progress(0.2 + ((spec.lowRank ? 0.5 : 0.6) * done) / jobs.length, `${method}, m = ${m}`)
      t0 = performance.now()
      const map = await buildFeatureMap({ method, arch, kind: spec.kernel, x: d.xTrain, features: m, seed: spec.seed, signal: ctx.signal })
      try {
        const phi = await featuresOfAll(map, d.xTrain, yieldNow)
        const err = relativeKernelError(phi, n, map.dim, kTrain)
        const ridge = spec.featureRidge === 'auto' ? (await chooseRidge(phi, n, map.dim, d.yTrain.data, K, { onStep: yieldNow })).diagReg : spec.diagReg
        const r = await featureRidge({ map, xTrain: d.xTrain, yTrain: d.yTrain, xTest: d.xTest, diagReg: ridge, learningRate: 1, variance: false, yieldNow })
        const acc = d.classTest ? accuracyOf(r.test, d.classTest, K) : null
        curve.m.push(m)
        curve.dim.push(map.dim)
        curve.error.push(err)
        curve.accuracy.push(acc)
        curve.seconds.push((performance.now() - t0) / 1000)
        curve.ridge!.push(ridge)
        ctx.metric(`error_${method}`, m, err)
        if (acc !== null) ctx.metric(`accuracy_${method}`, m, acc)
      } finally {
        map.dispose()
      }
      done++
    }
    curves.push(curve)
  }

  let lowRank: LowRankStudy | undefined
  if (spec.lowRank) {
    const lr = spec.lowRank
    lowRank = await lowRankStudy({
      arch: spec.arch, width: lr.width, ranks: lr.ranks, xTrain: d.xTrain, yTrain: d.yTrain, xTest: d.xTest, classTest: d.classTest,
      // the study compares with the NTK whatever kernel the rest of the experiment uses
      ...(spec.kernel === 'ntk' ? { fullLimit: kTrain } : {}),
      diagReg: spec.diagReg,
      seed: spec.seed,
      onStep: async (i, total, what) => {
        ctx.progress(0.7 + (0.1 * i) / total, `low-rank layers: ${what}`)
        await yieldNow()
      },
    })
    for (const p of lowRank.points) {
      ctx.metric('lowrank_distance', p.rank, p.distance)
      if (p.accuracy !== null) ctx.metric('lowrank_accuracy', p.rank, p.accuracy)
    }
  }

  const sizes = [...new Set(spec.timingSizes.map((s) => Math.min(s, n)))].sort((a, b) => a - b)
  const timing: EfficiencyReport['timing'] = { n: [], exactSeconds: [], approxSeconds: [], exactBytes: [], approxBytes: [], method: spec.timingMethod, features: spec.timingFeatures, crossover: null }
  for (const [i, s] of sizes.entries()) {
    ctx.progress(0.8 + (0.2 * i) / sizes.length, `timing n = ${s}`)
    const xs = rows(d.xTrain, s)
    const ys = rows(d.yTrain, s)
    t0 = performance.now()
    await predictInfiniteWidth({ xTrain: xs, yTrain: ys, xTest: d.xTest, arch, kernel: spec.kernel, learningRate: 1, diagReg: spec.diagReg, variance: false, signal: ctx.signal, yieldNow })
    const exactS = (performance.now() - t0) / 1000
    t0 = performance.now()
    const map = await buildFeatureMap({ method: spec.timingMethod, arch, kind: spec.kernel, x: xs, features: spec.timingFeatures, seed: spec.seed, signal: ctx.signal })
    let dim = map.dim
    try {
      const r = await featureRidge({ map, xTrain: xs, yTrain: ys, xTest: d.xTest, diagReg: spec.diagReg, learningRate: 1, variance: false, solver: 'primal', yieldNow })
      dim = r.features
    } finally {
      map.dispose()
    }
    const approxS = (performance.now() - t0) / 1000
    timing.n.push(s)
    timing.exactSeconds.push(exactS)
    timing.approxSeconds.push(approxS)
    timing.exactBytes.push(8 * s * s)
    timing.approxBytes.push(4 * (dim * dim + Math.min(s, 1024) * dim + s * dim))
    ctx.metric('seconds_exact', s, exactS)
    ctx.metric('seconds_approx', s, approxS)
  }
  // crossover: where log(approx/exact) changes sign, interpolated on log n
  for (let i = 0; i < timing.n.length; i++) {
    const r = Math.log(timing.approxSeconds[i]! / timing.exactSeconds[i]!)
    if (r > 0) continue
    if (i === 0) timing.crossover = timing.n[0]!
    else {
      const r0 = Math.log(timing.approxSeconds[i - 1]! / timing.exactSeconds[i - 1]!)
      const l0 = Math.log(timing.n[i - 1]!)
      const l1 = Math.log(timing.n[i]!)
      timing.crossover = Math.exp(l0 + ((l1 - l0) * r0) / (r0 - r))
    }
    break
  }
  const result: EfficiencyReport = { n, nTest: nt, kernel: spec.kernel, diagReg: spec.diagReg, curves, exact, timing, ...(lowRank ? { lowRank } : {}) }
  ctx.artifacts.saveJson('efficiency', result)
  ctx.progress(1, 'done')
  return {
    n,
    nTest: nt,
    exactAccuracy: exact.accuracy,
    crossover: timing.crossover,
    curves: curves.map((c) => ({ method: c.method, m: c.m, error: c.error, accuracy: c.accuracy })),
    ...(lowRank ? { lowRank: { width: lowRank.width, ranks: lowRank.points.map((p) => p.rank), distance: lowRank.points.map((p) => p.distance), accuracy: lowRank.points.map((p) => p.accuracy), full: lowRank.full } } : {}),
  }
}
