import * as tf from '@tensorflow/tfjs-core'
import type { FcArch } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'
import { eigh } from '../linalg/eigh'
import { Xoshiro128 } from '../core/random'
import { computeAnalyticKernels } from '../ntk/analytic'
import type { FeatureKind, FeatureMap, Points } from './types'

// Nyström features (Williams & Seeger, "Using the Nyström Method to Speed Up Kernel Machines", NIPS 2001):
// with landmarks L and K(L, L) = V diag(w) Vᵀ,
//   Φ(x) = K(x, L) V diag(w)^(−½),   so   Φ(x)·Φ(x') = K(x, L) K(L, L)⁺ K(L, x'),
// which equals K(x, x') whenever x or x' is a landmark (exact on the whole set when L = all points). It
// works for every activation the analytic engine has, since it only evaluates the analytic kernel.
// Directions with w < RANK_TOL · max w are dropped (a float32 kernel's eigenvalues are only known to about
// 1e-7 of the largest one; inverting below that amplifies rounding).

const RANK_TOL = 1e-6

export interface NystromOptions {
  arch: FcArch
  kind: FeatureKind
  /** the points the landmarks are drawn from (the training set) */
  x: Points
  /** number of landmarks (all points when ≥ n) */
  features: number
  seed: number
  workers?: number
  signal?: AbortSignal
  onStep?: (fraction: number) => Promise<void> | void
}

/** `count` distinct row indices of [0, n) in ascending order, seeded (partial Fisher–Yates). */
export function landmarkIndices(n: number, count: number, seed: number): Int32Array {
  if (count >= n) return Int32Array.from({ length: n }, (_, i) => i)
  const rng = new Xoshiro128(seed >>> 0)
  const perm = Int32Array.from({ length: n }, (_, i) => i)
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(n - i)
    const t = perm[i]!
    perm[i] = perm[j]!
    perm[j] = t
  }
  return perm.slice(0, count).sort()
}

function rowsOf(x: Points, idx: Int32Array): Float32Array {
  const d = x.cols
  const out = new Float32Array(idx.length * d)
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!
    for (let c = 0; c < d; c++) out[i * d + c] = x.data[r * d + c]!
  }
  return out
}

export async function nystromFeatureMap(o: NystromOptions): Promise<FeatureMap & { landmarks: Int32Array; eigenvalues: Float64Array }> {
  const { arch, kind, x } = o
  if (!Number.isInteger(o.features) || o.features < 1) {
    throw new UserError('bad_features', `--features ${o.features}: need an integer ≥ 1 (the number of landmarks)`, 'e.g. --features 1000')
  }
  const d = x.cols
  const idx = landmarkIndices(x.rows, o.features, o.seed)
  const l = rowsOf(x, idx)
  const M = idx.length
  const kll = (await computeAnalyticKernels({ data: l, rows: M, cols: d }, null, arch, { kernels: [kind], workers: o.workers ?? 0, signal: o.signal }))[kind]!
  await o.onStep?.(0.2)
  const eig = await eigh(kll, M, { onStep: (f) => o.onStep?.(0.2 + 0.8 * f) })
  const wMax = eig.values[M - 1]!
  if (!(wMax > 0)) {
    throw new UserError('kernel_not_psd', `the ${kind.toUpperCase()} of the landmarks has no positive eigenvalue (largest ${wMax})`, 'Check the architecture and the inputs (all-zero rows give a zero kernel without bias).')
  }
  const keep: number[] = []
  for (let i = M - 1; i >= 0; i--) if (eig.values[i]! > RANK_TOL * wMax) keep.push(i)
  const r = keep.length
  // P = V_keep diag(w_keep)^(−½), M × r, largest eigenvalue first
  const p = new Float32Array(M * r)
  for (let j = 0; j < r; j++) {
    const col = keep[j]!
    const s = 1 / Math.sqrt(eig.values[col]!)
    for (let i = 0; i < M; i++) p[i * r + j] = eig.vectors[i * M + col]! * s
  }
  const proj = tf.tensor2d(p, [M, r])
  const landmarks: Points = { data: l, rows: M, cols: d }
  return {
    method: 'nystrom',
    kind,
    arch,
    inDim: d,
    dim: r,
    landmarks: idx,
    eigenvalues: eig.values,
    // K(x, L) blocks are computed on the worker pool; large blocks amortise its start-up
    blockRows: Math.max(256, Math.min(16384, Math.floor((1 << 24) / M))),
    async apply(xb, rows) {
      const k = (await computeAnalyticKernels({ data: xb, rows, cols: d }, landmarks, arch, { kernels: [kind], workers: o.workers ?? 0, signal: o.signal }))[kind]!
      const f = tf.tidy(() => tf.matMul(tf.tensor2d(k, [rows, M]), proj))
      const out = (await f.data()) as Float32Array
      f.dispose()
      return out
    },
    dispose() {
      proj.dispose()
    },
  }
}
