import { isNetKernelArch, type KernelArch } from '../../../shared/arch'
import { computeAnalyticKernels } from '../ntk/analytic'
import { analyticArchOf } from '../ntk/kernel-arch'
import type { KernelName } from '../ntk/analytic'
import type { JobContext } from '../core/job'
import type { Matrix } from '../core/matrix'

/** Analytic train×train and test×train kernels for a lab experiment, progress mapped into [from, to]. */
export async function labKernels(
  ctx: JobContext,
  xTrain: Matrix,
  xTest: Matrix,
  arch: KernelArch,
  kernels: KernelName[],
  from: number,
  to: number,
): Promise<{ train: Record<string, Float32Array>; cross: Record<string, Float32Array> }> {
  const mid = from + ((to - from) * xTrain.rows) / (xTrain.rows + xTest.rows)
  // an ARCH.json network is planned for the data's rows before any work (a bad layer is named here)
  const infArch = isNetKernelArch(arch) ? analyticArchOf(arch, xTrain) : { ...arch, width: 'inf' as const }
  const train = await computeAnalyticKernels(xTrain, null, infArch, {
    kernels,
    signal: ctx.signal,
    progress: (f) => ctx.progress(from + (mid - from) * f, 'kernel of the training points'),
  })
  ctx.throwIfCancelled()
  const cross = await computeAnalyticKernels(xTest, xTrain, infArch, {
    kernels,
    signal: ctx.signal,
    progress: (f) => ctx.progress(mid + (to - mid) * f, 'kernel between test and training points'),
  })
  ctx.throwIfCancelled()
  const pick = (k: typeof train): Record<string, Float32Array> => Object.fromEntries(kernels.map((name) => [name, k[name]!]))
  return { train: pick(train), cross: pick(cross) }
}

/** Limits of an in-memory experiment (bigger kernels go through the streamed 'kernel' job). */
/** The largest learning rate for which discrete GD follows gradient flow closely: half the stability limit. */
export function autoLearningRate(lambdaMax: number, n: number, k: number): number {
  // GD on ‖f − y‖²/(2NK) is stable for η < 2NK/λ_max; half of that keeps discretisation error small.
  return lambdaMax > 0 ? (n * k) / lambdaMax : 1
}
