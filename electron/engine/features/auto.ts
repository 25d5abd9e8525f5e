import { totalmem } from 'node:os'
import type { FcArch } from '../../../shared/arch'
import type { FeatureKind } from './types'
import type { GemmInfo } from '../../../shared/backend'
import { gemmInfo } from '../blas/gemm'
import { randomFeatureLayers, randomFeatureSizes } from './random-features'
import { nearInterpolation } from './interpolation'

// `--approx auto`: the exact kernel where it is cheaper, random features where they pay off. Both paths are
// priced in seconds with one cost model whose rates depend on the engine's GEMM (docs/performance.md "Exact
// or random features"):
//   exact:  kernel  2·n·N·d flops of Gram matmul + depth·n·N entries of elementwise recursion,
//           solve   n³/3 flops (blocked Cholesky) + refinement, memory ≈ 3 n² floats (K, factor, work);
//   rf:     map     Σ_layers 2·N·dz·m₁ flops (z·W) + N·(p₁ log p₁ + p₂ log p₂) butterflies (TensorSRHT)
//                   + N·Σ_layers (dz + m₁ + m_s + dim ψ) feature entries written by the map's own loops,
//           solve   min(n·m′² + m′³/3, 2·n·N·m′ + n³/3) flops (primal: the upper half of ΦᵀΦ, gram-stream.ts;
//           or dual n×n),
// with N = n + n_test. Memory decides first: when the exact path's n² floats do not fit in half the RAM,
// features are the only way. Then time, except that features whose m′ is near n are not chosen while the
// exact kernel fits: there the feature regression sits at its interpolation peak (interpolation.ts).

export interface AutoRates {
  gemmFlopsPerSecond: number
  recursionSecondsPerEntryLayer: number
  butterflySeconds: number
  featureEntrySeconds: number
}

/**
 * Rates per GEMM provider, per thread-second.
 * tfjs: measured on wasm, one thread (matmul 18 GFLOP/s, the recursion, a butterfly); its feature loops were
 *       not priced separately then.
 * mlas: fitted to the user + system CPU seconds of 18 whole `ntkw predict` runs (exact at n = 2 000 / 4 000 /
 *       8 000, features at m = 2 048 … 8 192; MNIST, 1 000 test rows), which the model then matches within
 *       ≈ 15 %: the GEMM's 60 GFLOP/s is its throughput inside those runs (copies included), and the exact
 *       path's 45 ns per entry and layer covers the recursion with the refinement and assembly around it.
 */
export const AUTO_RATES: Record<GemmInfo['provider'], AutoRates> = {
  tfjs: { gemmFlopsPerSecond: 18e9, recursionSecondsPerEntryLayer: 2.3e-8, butterflySeconds: 1e-9, featureEntrySeconds: 0 },
  mlas: { gemmFlopsPerSecond: 60e9, recursionSecondsPerEntryLayer: 4.5e-8, butterflySeconds: 1e-9, featureEntrySeconds: 3e-8 },
}

/** the rates of this thread's GEMM */
export const currentRates = (): AutoRates => AUTO_RATES[gemmInfo().provider]

export interface AutoChoice {
  use: 'exact' | 'rf'
  /** one sentence: what was chosen and why, with the estimates */
  reason: string
  exactSeconds: number
  rfSeconds: number
  exactBytes: number
  rfBytes: number
}

const log2 = (p: number): number => Math.log2(Math.max(p, 1))
const nextPow2 = (n: number): number => 2 ** Math.ceil(log2(n))

export function estimateExact(o: { n: number; nTest: number; d: number; depth: number }, rates: AutoRates = currentRates()): { seconds: number; bytes: number } {
  const big = o.n + o.nTest
  const { gemmFlopsPerSecond: r, recursionSecondsPerEntryLayer: e } = rates
  const kernel = (2 * o.n * big * o.d) / r + o.n * big * Math.max(o.depth, 1) * e
  const solve = (o.n ** 3 / 3 + 6 * o.n * o.n) / r
  return { seconds: kernel + solve, bytes: 4 * (3 * o.n * o.n + o.n * o.nTest) }
}

export function estimateRf(o: { n: number; nTest: number; d: number; arch: FcArch; kind: FeatureKind; features: number }, rates: AutoRates = currentRates()): { seconds: number; bytes: number; dim: number } {
  const big = o.n + o.nTest
  const { dim } = randomFeatureSizes({ arch: o.arch, kind: o.kind, inDim: o.d, features: o.features })
  const { gemmFlopsPerSecond: r, butterflySeconds: b, featureEntrySeconds: f } = rates
  let map = 0
  for (const l of randomFeatureLayers({ arch: o.arch, kind: o.kind, inDim: o.d, features: o.features })) {
    map += (2 * big * l.dz * l.m1) / r + big * (l.dz + l.m1 + l.ms + l.dPsi) * f
    if (o.kind === 'ntk') {
      const p1 = nextPow2(l.dPsi)
      const p2 = nextPow2(l.m1)
      map += big * (p1 * log2(p1) + p2 * log2(p2)) * b
    }
  }
  // ΦᵀΦ (or ΦΦᵀ and the test rows' cross products) are full matmuls, then the Cholesky of the smaller side
  const primal = o.n * dim * dim + dim ** 3 / 3
  const dual = 2 * o.n * big * dim + o.n ** 3 / 3
  const solve = Math.min(primal, dual) / r
  const bytes = 4 * (primal <= dual ? 2 * dim * dim + Math.min(o.n * dim, 1 << 27) : 3 * o.n * o.n + big * dim)
  return { seconds: map + solve, bytes, dim }
}

const fmtS = (s: number): string => (s < 10 ? s.toFixed(1) : s.toFixed(0)) + ' s'
const fmtB = (b: number): string => (b / 2 ** 30 >= 1 ? `${(b / 2 ** 30).toFixed(1)} GiB` : `${(b / 2 ** 20).toFixed(0)} MiB`)

/** Exact or random features for a predict request, and why (memory first, then the estimated time). */
export function chooseApprox(o: { n: number; nTest: number; d: number; arch: FcArch; kind: FeatureKind; features: number; memoryBytes?: number; rates?: AutoRates }): AutoChoice {
  const rates = o.rates ?? currentRates()
  const exact = estimateExact({ n: o.n, nTest: o.nTest, d: o.d, depth: o.arch.depth }, rates)
  const rf = estimateRf(o, rates)
  const budget = (o.memoryBytes ?? totalmem()) / 2
  const est = `exact ≈ ${fmtS(exact.seconds)} and ${fmtB(exact.bytes)}, random features (m = ${o.features}) ≈ ${fmtS(rf.seconds)} and ${fmtB(rf.bytes)}`
  const base = { exactSeconds: exact.seconds, rfSeconds: rf.seconds, exactBytes: exact.bytes, rfBytes: rf.bytes }
  if (exact.bytes > budget && rf.bytes <= exact.bytes) {
    return { use: 'rf', reason: `random features: the exact n × n kernel needs more than half the memory (${est})`, ...base }
  }
  if (rf.seconds < exact.seconds) {
    if (nearInterpolation(o.n, rf.dim)) {
      return { use: 'exact', reason: `exact kernel: random features are estimated faster, but m′ = ${rf.dim} features for n = ${o.n} training points sit at the feature regression's interpolation peak (${est})`, ...base }
    }
    return { use: 'rf', reason: `random features: estimated faster than the exact kernel (${est})`, ...base }
  }
  return { use: 'exact', reason: `exact kernel: estimated faster than random features at n = ${o.n} (${est})`, ...base }
}

/** The smallest training-set size at which Auto chooses m features (memory to spare), or null below maxN. */
export function rfCrossover(o: { d: number; nTest: number; arch: FcArch; kind: FeatureKind; features: number; maxN?: number; rates?: AutoRates }): number | null {
  const maxN = o.maxN ?? 1_000_000
  const rates = o.rates ?? currentRates()
  for (let n = 500; n <= maxN; n = Math.ceil(n * 1.05)) {
    if (chooseApprox({ ...o, n, memoryBytes: Number.MAX_VALUE, rates }).use === 'rf') return n
  }
  return null
}
