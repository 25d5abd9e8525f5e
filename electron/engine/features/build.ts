import type { FcArch } from '../../../shared/arch'
import { nystromFeatureMap } from './nystrom'
import { randomFeatureMap } from './random-features'
import type { FeatureKind, FeatureMap, FeatureMethod, Points } from './types'

/** The map of a CLI/job request: random features, or Nyström with landmarks drawn from `x`. */
export async function buildFeatureMap(o: {
  method: FeatureMethod
  arch: FcArch
  kind: FeatureKind
  /** the training points (Nyström draws its landmarks here; rf reads only the dimension) */
  x: Points
  features: number
  seed: number
  workers?: number
  signal?: AbortSignal
}): Promise<FeatureMap> {
  if (o.method === 'rf') return randomFeatureMap({ arch: o.arch, kind: o.kind, inDim: o.x.cols, features: o.features, seed: o.seed })
  return nystromFeatureMap({ arch: o.arch, kind: o.kind, x: o.x, features: o.features, seed: o.seed, workers: o.workers, signal: o.signal })
}
