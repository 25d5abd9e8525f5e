import * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../../shared/errors'
import type { WidthSweepResult } from '../../../../shared/jobs/results'
import { computeAnalyticKernels } from '../../ntk/analytic'
import { meanOverSamples } from '../../ntk/empirical'
import { empiricalSample } from '../../ntk/empirical-sample'
import { analyticArchOf } from '../../ntk/kernel-arch'
import { isNetKernelArch, withChannels, type FiniteKernelArch } from '../../../../shared/arch'
import { deriveSeed } from '../../core/random'
import { startRemoteSamples } from '../../core/remote-tiles'
import { checkLabSize, loadLabData } from '../../lab/data'
import { logLogFit } from '../../../../shared/fit'
import type { JobRunner } from '../../core/job'

const MAX_POINTS = 1024

/** ‖A − B‖_F / ‖B‖_F in float64. */
function relFrobenius(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0
  let den = 0
  for (let i = 0; i < b.length; i++) {
    const r = a[i]! - b[i]!
    num += r * r
    den += b[i]! * b[i]!
  }
  return Math.sqrt(num / den)
}

// Width sweep (docs/math.md §2): err(w) = ‖Θ̂_w − Θ_∞‖_F / ‖Θ_∞‖_F for several seeds per width, and the
// least-squares slope of log err against log w (theory: −½). An ARCH.json network (always NTK
// parameterization) is swept over channel counts: w filters in every conv2d and w units in every dense layer.
export const run: JobRunner<'width-sweep'> = async (spec, ctx) => {
  const arch = spec.arch
  if (!isNetKernelArch(arch) && arch.parameterization !== 'ntk') {
    throw new UserError('needs_ntk_parameterization', 'a width sweep compares against the infinite-width limit, which exists in NTK parameterization', 'Set the parameterization to ntk.')
  }
  const d = await loadLabData(ctx, spec.data)
  const x = d.xTrain
  checkLabSize(x.rows, MAX_POINTS, 'the width sweep')
  const analytic = isNetKernelArch(arch) ? analyticArchOf(arch, x) : { ...arch, width: 'inf' as const }
  ctx.progress(0.02, 'analytic NTK')
  const inf = await computeAnalyticKernels(x, null, analytic, { kernels: ['ntk'], workers: 1, signal: ctx.signal })
  const thetaInf = inf.ntk!
  const widths = [...spec.widths].sort((a, b) => a - b)
  // one finite network per (width, seed): w filters in every conv2d and w units in every dense layer
  const archAt = (w: number): FiniteKernelArch => (isNetKernelArch(arch) ? { net: withChannels(arch.net, w), wStd: arch.wStd, bStd: arch.bStd } : { ...arch, width: w })
  const units = widths.flatMap((w) => Array.from({ length: spec.seedsPerWidth }, (_, s) => ({ width: w, arch: archAt(w), seed: deriveSeed(spec.seed, w * 1000 + s) })))
  const shape = x.shape ?? [x.cols]
  const xf = x.data instanceof Float32Array ? x.data : Float32Array.from(x.data)
  // through --redis / Settings ▸ Compute: each (width, seed) is one queue job; the loop below consumes the
  // kernels in its own order, so the numbers are those of the local run
  const remote = ctx.remote
    ? startRemoteSamples(ctx.remote, { x: xf, xRows: x.rows, x2: null, x2Rows: x.rows, d: x.cols, shape, samples: units, outDim: 1, outputs: 'trace' }, ctx.signal)
    : null
  // Cost of one sample grows with the width: weight progress by it.
  const total = widths.reduce((s, w) => s + w * spec.seedsPerWidth, 0)
  let done = 0
  const xt = tf.tensor2d(xf, [x.rows, x.cols])
  const errors: number[][] = []
  let finished = false
  try {
    for (const w of widths) {
      const row: number[] = []
      for (let s = 0; s < spec.seedsPerWidth; s++) {
        ctx.throwIfCancelled()
        ctx.progress(0.05 + (0.95 * done) / total, `width ${w}, seed ${s + 1}/${spec.seedsPerWidth}`)
        const i = errors.length * spec.seedsPerWidth + s
        const unit = units[i]!
        const k = await meanOverSamples({ seed: unit.seed, samples: 1 }, remote
          ? async () => tf.tensor2d(await remote.get(i), [x.rows, x.rows])
          : (seed) => empiricalSample(unit.arch, shape, xt, undefined, seed, { outDim: 1, outputs: 'trace' }))
        const err = relFrobenius(k.dataSync(), thetaInf)
        k.dispose()
        row.push(err)
        ctx.metric('rel_error', w, err)
        done += w
        await ctx.yield()
      }
      const mean = row.reduce((a, b) => a + b, 0) / row.length
      ctx.metric('rel_error_mean', w, mean)
      errors.push(row)
    }
    await remote?.done
    finished = true
  } finally {
    xt.dispose()
    if (!finished) remote?.stop()
  }
  const means = errors.map((r) => r.reduce((a, b) => a + b, 0) / r.length)
  const stds = errors.map((r, i) => Math.sqrt(r.reduce((a, b) => a + (b - means[i]!) ** 2, 0) / Math.max(1, r.length - 1)))
  const allW = widths.flatMap((w, i) => errors[i]!.map(() => w))
  const fit = logLogFit(allW, errors.flat()) ?? { slope: NaN, intercept: NaN, r2: NaN }
  const result: WidthSweepResult = { points: x.rows, widths, errors, mean: means, std: stds, fit, idealSlope: -0.5 }
  ctx.artifacts.saveJson('width_sweep', result)
  ctx.log('info', `fitted slope ${fit.slope.toFixed(3)} (ideal −0.5), r² ${fit.r2.toFixed(3)}`)
  ctx.progress(1, 'done')
  return result
}
