import type { KernelPlan, NetKernelArch } from '../../../shared/arch'
import { compilePlan, newPairState, pairPass, selfPass, type CompiledPlan } from '../layers/plan'
import type { PairState } from '../layers/types'
import type { KernelName, TileKernels, TileTask } from './tile'

// Tiles of the convolutional (spatial) kernels: every pair of a tile goes through the layer modules' rules
// (layers/plan.ts) in float64 scratch that stays in cache (one pair's state is P or P² numbers), and the
// tile is stored in float32 like the FC kernel's. Plain typed-array loops, not tfjs: a pair's work is many
// small box filters and an entry-wise dual map per position, where per-op tensor dispatch would dominate;
// measured against neural-tangents' jit-compiled kernel_fn in the bench (bench/ntk-conv.ts).

/** The architecture of a kernel job that is not a plain FC network: an ARCH.json read as a kernel plan. */
export interface SpatialArch {
  plan: KernelPlan
  /** the ARCH.json it was planned from: what travels to `ntkw worker` processes, which plan it again */
  source?: NetKernelArch
}

/**
 * Per-point variances of the activation steps (selfPass), computed once per point per thread on demand:
 * every tile with that point reuses them.
 */
export class VarianceCache {
  private readonly byPoint = new Map<number, Float64Array[]>()
  constructor(
    private readonly c: CompiledPlan,
    private readonly state: PairState,
    private readonly x: Float32Array,
    private readonly d: number,
  ) {}

  of(point: number): Float64Array[] {
    let v = this.byPoint.get(point)
    if (!v) {
      v = this.c.activationPositions.map((p) => new Float64Array(p))
      selfPass(this.c, this.state, this.x.subarray(point * this.d, (point + 1) * this.d), v, 0)
      this.byPoint.set(point, v)
    }
    return v
  }
}

/** What one thread keeps for a spatial kernel job. */
export class SpatialTiler {
  readonly compiled: CompiledPlan
  private readonly state: PairState
  private readonly rowVars: VarianceCache
  private readonly colVars: VarianceCache
  constructor(
    plan: KernelPlan,
    private readonly x: Float32Array,
    private readonly x2: Float32Array,
    private readonly d: number,
    private readonly kernels: readonly KernelName[],
  ) {
    this.compiled = compilePlan(plan)
    this.state = newPairState(this.compiled, kernels.includes('ntk'))
    const selfState = newPairState(this.compiled, false)
    this.rowVars = new VarianceCache(this.compiled, selfState, x, d)
    this.colVars = x2 === x ? this.rowVars : new VarianceCache(this.compiled, selfState, x2, d)
  }

  /** One tile; on the diagonal of a self-kernel only the upper triangle is computed and mirrored. */
  tile(t: TileTask, selfDiagonal: boolean, signal?: AbortSignal): TileKernels {
    const { x, x2, d, state, compiled } = this
    const nngp = this.kernels.includes('nngp') ? new Float32Array(t.rows * t.cols) : null
    const ntk = this.kernels.includes('ntk') ? new Float32Array(t.rows * t.cols) : null
    for (let r = 0; r < t.rows; r++) {
      if (signal?.aborted) break
      const a = t.row0 + r
      const av = this.rowVars.of(a)
      const xa = x.subarray(a * d, (a + 1) * d)
      for (let c = selfDiagonal ? r : 0; c < t.cols; c++) {
        const b = t.col0 + c
        pairPass(compiled, state, xa, x2.subarray(b * d, (b + 1) * d), av, this.colVars.of(b))
        const k = r * t.cols + c
        if (nngp) nngp[k] = state.nngp[0]!
        if (ntk) ntk[k] = state.ntk![0]!
        if (selfDiagonal && c !== r) {
          const m = c * t.cols + r
          if (nngp) nngp[m] = state.nngp[0]!
          if (ntk) ntk[m] = state.ntk![0]!
        }
      }
    }
    const out: TileKernels = {}
    if (nngp) out.nngp = nngp
    if (ntk) out.ntk = ntk
    return out
  }
}
