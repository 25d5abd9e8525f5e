import { isNetKernelArch, planKernel, type KernelArch } from '../../../shared/arch'
import type { Matrix } from '../core/matrix'
import type { AnalyticArch } from './analytic'

/**
 * A job's kernel architecture for its points: an FcArch as is, an ARCH.json planned for the data's row shape
 * (an (n, h, w, c) array is read as is; flat rows are reshaped by the file's "input"). Throws the plan's
 * UserError naming the layer before any work starts.
 */
export function analyticArchOf(arch: KernelArch, x: Pick<Matrix, 'cols' | 'shape'>): AnalyticArch {
  if (!isNetKernelArch(arch)) return arch
  return { plan: planKernel(arch.net, { wStd: arch.wStd, bStd: arch.bStd }, x.shape ?? [x.cols]), source: arch }
}
