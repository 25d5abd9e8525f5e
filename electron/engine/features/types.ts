import type { FcArch } from '../../../shared/arch'

/** Row-major points (the engine's Matrix shape; kept structural so this folder imports nothing from jobs/). */
export interface Points {
  data: Float32Array | Float64Array
  rows: number
  cols: number
}

export type FeatureKind = 'ntk' | 'nngp'
export type FeatureMethod = 'rf' | 'nystrom'

/**
 * φ: R^d → R^dim with φ(x)·φ(x') ≈ K(x, x'). The map is fixed at construction (seeded random draws, or the
 * landmarks), so train and test points mapped by one instance get compatible features.
 */
export interface FeatureMap {
  readonly method: FeatureMethod
  readonly kind: FeatureKind
  readonly arch: FcArch
  /** input dimension d */
  readonly inDim: number
  /** feature dimension m′ (may differ from the requested m: bias column, dropped Nyström directions) */
  readonly dim: number
  /** φ of `rows` consecutive points (rows × d, row-major) → rows × dim */
  apply(x: Float32Array, rows: number): Promise<Float32Array>
  /** a good number of rows per apply() call (memory ≈ rows · dim · a few floats) */
  readonly blockRows: number
  dispose(): void
}
