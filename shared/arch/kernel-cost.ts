import type { KernelPlan } from './kernel-plan'

// An up-front estimate of a spatial kernel's work and memory, shown before Run (GUI) and by `--dry-run`
// (CLI). Per pair and layer (docs/math.md, convolutional kernels): a conv is a separable box filter, O(P·F)
// on the spatial diagonal and O(P²·F) on the full covariance, for Σ and Θ; an activation evaluates its dual
// map once per tracked entry; pooling reads each entry once. A self-kernel computes each pair once.

export interface KernelCost {
  /** point pairs computed (a self-kernel: n(n + 1)/2) */
  pairs: number
  /** entries of one pair's state at its largest (P or P²) */
  pairEntries: number
  /** dual-map evaluations over all pairs (the dominant cost) */
  dualEvaluations: number
  /** box-filter and pooling additions over all pairs */
  additions: number
  /** estimated seconds on `threads` threads */
  seconds: number
  threads: number
  /** bytes held: inputs, per-point variances, each thread's pair scratch, tiles in flight */
  bytes: number
}

/**
 * ns per dual map, per addition on the spatial diagonal, and per addition on the full P×P covariance (strided
 * over rows of the covariance, so slower per entry). Fitted on a 2-core machine, one thread, Node 20, to
 * whole kernels of n = 300 points: 3 × conv 3×3 + flatten on 28×28 (2.66 s) and 2 × conv 3×3 + global average
 * pooling on 8×8 (16.3 s); the earlier single pair of constants was 1.7× and 3× low on those.
 */
export const COST_NS = { dual: 10, addition: 1.2, fullAddition: 2.6 } as const

export function estimateKernelCost(plan: KernelPlan, n1: number, n2: number | null, opts: { threads?: number; kernels?: number; tileSize?: number } = {}): KernelCost {
  const threads = Math.max(1, opts.threads ?? 1)
  const kernels = opts.kernels ?? 2
  const pairs = n2 === null ? (n1 * (n1 + 1)) / 2 : n1 * n2
  const positions = (shape: number[]): number => (shape.length === 3 ? shape[0]! * shape[1]! : 1)
  let lastPool = -1
  plan.steps.forEach((s, i) => {
    if (s.op === 'avgpool' || s.op === 'globalavgpool') lastPool = i
  })
  let dual = 0
  let adds = 0
  let fullAdds = 0
  let pairEntries = 1
  let selfDual = 0
  plan.steps.forEach((s, i) => {
    const full = i <= lastPool
    const pIn = positions(s.inShape)
    const pOut = positions(s.outShape)
    const entriesIn = full ? pIn * pIn : pIn
    const entriesOut = full ? pOut * pOut : pOut
    pairEntries = Math.max(pairEntries, entriesIn, entriesOut)
    const add = s.op === 'conv' ? kernels * (entriesIn * s.size[1] + entriesOut * s.size[0]) : s.op === 'activation' ? 0 : kernels * entriesIn
    if (full) fullAdds += add
    else adds += add
    if (s.op === 'activation') {
      dual += entriesIn
      selfDual += entriesIn
    }
  })
  const inputEntries = plan.input.reduce((a, b) => a * b, 1)
  const points = n1 + (n2 ?? 0)
  const dualEvaluations = pairs * dual + points * selfDual
  const additions = pairs * (adds + fullAdds)
  const seconds = (dualEvaluations * COST_NS.dual + pairs * (adds * COST_NS.addition + fullAdds * COST_NS.fullAddition)) / 1e9 / threads
  const activationPositions = plan.steps.filter((s) => s.op === 'activation').reduce((a, s) => a + positions(s.inShape), 0)
  const tile = opts.tileSize ?? 64
  const bytes =
    points * inputEntries * 4 + // inputs (float32, shared between threads)
    threads * points * activationPositions * 8 + // per-point variances, cached per thread
    threads * 5 * pairEntries * 8 + // each thread's pair scratch (Σ, Θ, their alternates, a pass buffer)
    threads * 4 * tile * tile * kernels * 4 // tiles in flight
  return { pairs, pairEntries, dualEvaluations, additions, seconds, threads, bytes }
}

/** "80,200 pairs, ≈ 12 s on 2 threads, ≈ 16 MiB working memory": how the CLI and the GUI state an estimate. */
export function formatKernelCost(c: KernelCost): string {
  const s = c.seconds < 1 ? '< 1 s' : c.seconds < 120 ? `≈ ${c.seconds.toFixed(0)} s` : `≈ ${(c.seconds / 60).toFixed(0)} min`
  const mb = c.bytes / 2 ** 20
  return `${c.pairs.toLocaleString('en-US')} pairs, ${s} on ${c.threads} thread${c.threads > 1 ? 's' : ''}, ≈ ${mb < 10 ? mb.toFixed(1) : mb.toFixed(0)} MiB working memory`
}
