import { nystromFeatureMap, type NystromOptions } from './nystrom'
import { randomFeatureMap } from './random-features'
import type { FeatureMap, FeatureMethod } from './types'

/** The map of a CLI/job request: random features, or Nyström with landmarks drawn from `x` (rf reads only its dimension). */
export async function buildFeatureMap(o: Omit<NystromOptions, 'onStep'> & { method: FeatureMethod }): Promise<FeatureMap> {
  if (o.method === 'rf') return randomFeatureMap({ arch: o.arch, kind: o.kind, inDim: o.x.cols, features: o.features, seed: o.seed })
  return nystromFeatureMap({ arch: o.arch, kind: o.kind, x: o.x, features: o.features, seed: o.seed, workers: o.workers, signal: o.signal })
}
