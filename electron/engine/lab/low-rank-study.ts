import * as tf from '@tensorflow/tfjs-core'
import type { FcArch } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'
import type { LowRankPoint, LowRankStudy } from '../../../shared/jobs/results'
import { accuracy as accuracyOf } from '../core/metrics'
import type { Matrix } from '../core/matrix'
import { disposeLowRankMlp, initLowRankMlp, lowRankEmpiricalNtk, lowRankParameterCount } from '../nn/low-rank'
import { parameterCount, type FiniteFcArch } from '../nn/mlp'
import { computeAnalyticKernels } from '../ntk/analytic'
import { empiricalKernel } from '../ntk/empirical'
import { gpPosterior } from '../ntk/gp'
import { lowRankLimitNtk } from '../ntk/low-rank-limit'

// Low-rank layers against full width (Ailon & Shit, "Efficient NTK using Dimensionality Reduction", 2022;
// docs/math.md §5). Per rank r, one network of the given width whose hidden weights are c·U Vᵀ:
//   distance  ‖Θ̂_r − Θ_lim‖_F / ‖Θ_lim‖_F on the training points, Θ_lim the factorised network's analytic
//             limit (ntk/low-rank-limit.ts); the full network's Θ̂ is compared with the NTK of §1;
//   accuracy  of kernel regression with Θ̂_r itself (t = ∞, relative diag_reg, f₀ = 0 as in §3): what the
//             linearised network predicts after training to convergence;
//   params and the seconds its empirical kernel took.

export interface LowRankStudyRequest {
  arch: FcArch
  width: number
  ranks: number[]
  xTrain: Matrix
  yTrain: Matrix
  xTest: Matrix
  classTest: Int32Array | null
  /** the NTK of §1 of the training points, when the caller has it already (else computed here) */
  fullLimit?: Float32Array
  diagReg: number
  seed: number
  onStep?: (done: number, total: number, what: string) => Promise<void>
}

function relDistance(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0
  let den = 0
  for (let i = 0; i < ref.length; i++) {
    num += (a[i]! - ref[i]!) ** 2
    den += ref[i]! ** 2
  }
  return Math.sqrt(num / den)
}

function tensorOf(m: Matrix): tf.Tensor2D {
  const n = m.rows * m.cols
  return tf.tensor2d(m.data instanceof Float32Array ? m.data.subarray(0, n) : Float32Array.from(m.data.subarray(0, n)), [m.rows, m.cols])
}

/** Refuses architectures the study cannot run, before the experiment spends time on anything else. */
export function checkLowRankStudy(arch: FcArch): void {
  if (arch.parameterization !== 'ntk') throw new UserError('low_rank_parameterization', 'low-rank layers are implemented in the NTK parameterization', 'Use parameterization ntk, or leave the low-rank ranks blank.')
  if (arch.depth < 1) throw new UserError('low_rank_depth', 'a network of depth 0 has no hidden layer to factorise', 'Use depth ≥ 1, or leave the low-rank ranks blank.')
}

export async function lowRankStudy(req: LowRankStudyRequest): Promise<LowRankStudy> {
  const { xTrain, yTrain, xTest, width } = req
  checkLowRankStudy(req.arch)
  const fullLimit = req.fullLimit ?? (await computeAnalyticKernels(xTrain, null, { ...req.arch, width: 'inf' }, { kernels: ['ntk'] })).ntk!
  const arch: FiniteFcArch = { ...req.arch, width }
  const n = xTrain.rows
  const nt = xTest.rows
  const d = xTrain.cols
  const K = yTrain.cols
  const y = Float64Array.from(yTrain.data.subarray(0, n * K))
  const limit = lowRankLimitNtk(xTrain, null, req.arch)
  const xt = tensorOf(xTrain)
  const xs = tensorOf(xTest)
  const total = req.ranks.length + 1
  // kernel regression with an empirical kernel, in the lab's conventions
  const regress = async (kTrain: Float32Array, kCross: Float32Array): Promise<number | null> => {
    if (!req.classTest) return null
    const gp = await gpPosterior({ kTrain, n, kCross, m: nt, y, k: K }, { diagReg: req.diagReg, what: 'the empirical NTK of the training points' })
    return accuracyOf(gp.mean, req.classTest, K)
  }
  try {
    const points: LowRankPoint[] = []
    for (const [i, rank] of [...new Set(req.ranks)].sort((a, b) => a - b).entries()) {
      await req.onStep?.(i, total, `rank ${rank}`)
      const t0 = performance.now()
      const net = initLowRankMlp(arch, d, K, rank, req.seed)
      let kTrain: Float32Array
      let kCross: Float32Array
      try {
        const a = lowRankEmpiricalNtk(net, xt)
        const b = lowRankEmpiricalNtk(net, xs, xt)
        kTrain = (await a.data()) as Float32Array
        kCross = (await b.data()) as Float32Array
        tf.dispose([a, b])
      } finally {
        disposeLowRankMlp(net)
      }
      const seconds = (performance.now() - t0) / 1000
      points.push({ rank, params: lowRankParameterCount(arch, d, K, rank), distance: relDistance(kTrain, limit), accuracy: await regress(kTrain, kCross), seconds })
    }
    await req.onStep?.(total - 1, total, 'full width')
    const t0 = performance.now()
    const a = await empiricalKernel(arch, xt, undefined, { seed: req.seed, outDim: K })
    const b = await empiricalKernel(arch, xs, xt, { seed: req.seed, outDim: K })
    const kTrain = (await a.data()) as Float32Array
    const kCross = (await b.data()) as Float32Array
    tf.dispose([a, b])
    const seconds = (performance.now() - t0) / 1000
    const full = { params: parameterCount(arch, d, K), distance: relDistance(kTrain, fullLimit), accuracy: await regress(kTrain, kCross), seconds }
    return { width, points, full, limitGap: relDistance(fullLimit, limit) }
  } finally {
    tf.dispose([xt, xs])
  }
}
