import type { LabKernelSide } from '../../../../shared/jobs/results'
import { eigh } from '../../linalg/eigh'
import { gpPosterior } from '../../ntk/gp'
import { loadLabData, toF64 } from '../../lab/data'
import { accuracy as accuracyOf, meanSquaredError } from '../../core/metrics'
import { blockAverage, classBoundaries, classOrder } from '../../lab/heatmap'
import { labKernels } from '../../lab/kernels'
import type { JobRunner } from '../../core/job'

const MAX_TRAIN = 6000
const MAX_SPECTRUM = 3000

// Kernel experiment: NTK and NNGP of the same architecture, each used for kernel regression at t = ∞
// (docs/math.md §3, f₀ = 0), with class-sorted heatmaps and spectra for the charts.
export const run: JobRunner<'lab-kernel'> = async (spec, ctx) => {
  const d = await loadLabData(ctx, spec.data, { maxTrain: MAX_TRAIN, what: 'the kernel experiment' })
  const { n, m } = d
  const names = ['ntk', 'nngp'] as const
  const { train, cross } = await labKernels(ctx, d.xTrain, d.xTest, spec.arch, [...names], 0, 0.45)
  const y = toF64(d.yTrain)
  const yTest = toF64(d.yTest)
  const order = classOrder(d.classTrain, n)
  const sides: Partial<Record<(typeof names)[number], LabKernelSide>> = {}
  for (const [i, name] of names.entries()) {
    const base = 0.45 + i * 0.275
    const kTrain = train[name]!
    ctx.progress(base, `${name.toUpperCase()} kernel regression`)
    const gp = await gpPosterior({ kTrain, n, kCross: cross[name]!, m, y, k: d.k }, { diagReg: spec.diagReg, what: `the ${name.toUpperCase()} of the training points`, onStep: () => ctx.yield() })
    ctx.throwIfCancelled()
    const testMse = meanSquaredError(gp.mean, yTest, m * d.k)
    const trainMse = meanSquaredError(gp.trainMean, y, n * d.k)
    const testAccuracy = d.classTest ? accuracyOf(gp.mean, d.classTest, d.k) : null
    ctx.metric(`test_mse_${name}`, 0, testMse)
    if (testAccuracy !== null) ctx.metric(`test_accuracy_${name}`, 0, testAccuracy)

    const heat = blockAverage(kTrain, n, n, order, order, spec.heatmapSize)
    ctx.artifacts.saveArray(`heatmap_${name}`, heat.data, [heat.rows, heat.cols], {
      kernel: name,
      sortedByClass: Boolean(d.classTrain),
      boundaries: classBoundaries(d.classTrain, order, heat.rows),
      points: n,
    })

    ctx.progress(base + 0.12, `${name.toUpperCase()} spectrum`)
    const ns = Math.min(n, MAX_SPECTRUM)
    const sub = ns === n ? Float32Array.from(kTrain) : leadingBlock(kTrain, n, ns)
    const eig = await eigh(sub, ns, { onStep: () => ctx.yield() })
    ctx.throwIfCancelled()
    const desc = Float64Array.from(eig.values).reverse()
    ctx.artifacts.saveArray(`spectrum_${name}`, desc, [ns], { kernel: name, points: ns, of: n })
    let s1 = 0
    let s2 = 0
    for (const v of desc) {
      const l = Math.max(v, 0)
      s1 += l
      s2 += l * l
    }
    const side: LabKernelSide = {
      testAccuracy,
      testMse,
      trainMse,
      shift: gp.shift,
      relResidual: gp.relResidual,
      lambdaMax: desc[0]!,
      lambdaMin: desc[ns - 1]!,
      effectiveRank: s2 > 0 ? (s1 * s1) / s2 : 0,
    }
    sides[name] = side
    ctx.log('info', `${name}: test MSE ${testMse.toFixed(5)}${testAccuracy !== null ? `, accuracy ${(100 * testAccuracy).toFixed(1)} %` : ''}`)
  }
  ctx.progress(1, 'done')
  return { n, m, k: d.k, classes: d.classTrain ? Math.max(...d.classTrain) + 1 : null, ntk: sides.ntk!, nngp: sides.nngp! }
}

function leadingBlock(k: Float32Array, n: number, s: number): Float32Array {
  const out = new Float32Array(s * s)
  for (let i = 0; i < s; i++) out.set(k.subarray(i * n, i * n + s), i * s)
  return out
}
