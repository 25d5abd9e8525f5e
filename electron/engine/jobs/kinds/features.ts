import type { FeaturesJobResult } from '../../../../shared/jobs/results'
import { assertFiniteArray } from '../../core/finite'
import { buildFeatureMap } from '../../features/build'
import type { JobRunner } from '../../core/job'

// Φ (n × m′, float32) with ΦΦᵀ ≈ K (random features or Nyström), streamed to the 'features' artifact block
// by block, so memory holds one block of features besides the map.
export const run: JobRunner<'features'> = async (spec, ctx) => {
  const started = performance.now()
  const x = await ctx.data.load(spec.x)
  ctx.recordDatasetHash(await ctx.data.hash(spec.x))
  ctx.throwIfCancelled()
  ctx.progress(0, spec.method === 'nystrom' ? 'landmark kernel and eigendecomposition' : 'drawing the random map')
  const map = await buildFeatureMap({ method: spec.method, arch: spec.arch, kind: spec.kernel, x, features: spec.features, seed: spec.seed, workers: spec.workers, signal: ctx.signal })
  const writer = ctx.artifacts.openTiled('features', x.rows, map.dim, { method: spec.method, kernel: spec.kernel, arch: spec.arch, requested: spec.features, seed: spec.seed })
  try {
    for (let r0 = 0; r0 < x.rows; r0 += map.blockRows) {
      const rows = Math.min(map.blockRows, x.rows - r0)
      const src = x.data.subarray(r0 * x.cols, (r0 + rows) * x.cols)
      const phi = await map.apply(src instanceof Float32Array ? src : Float32Array.from(src), rows)
      assertFiniteArray(phi, `the features of points ${r0}…`, 'Scale the inputs down, or lower --w-std / --b-std / --depth.', map.dim)
      writer.writeTile(r0, 0, rows, map.dim, phi)
      ctx.progress(0.1 + (0.9 * (r0 + rows)) / x.rows, 'features')
      await ctx.yield()
      ctx.throwIfCancelled()
    }
  } catch (e) {
    writer.abort()
    map.dispose()
    throw e
  }
  const artifact = writer.close()
  map.dispose()
  ctx.progress(1, 'done')
  return {
    n: x.rows,
    inDim: x.cols,
    requested: spec.features,
    dim: map.dim,
    method: spec.method,
    kernel: spec.kernel,
    seed: spec.seed,
    seconds: (performance.now() - started) / 1000,
    artifacts: [artifact],
  } satisfies FeaturesJobResult
}
