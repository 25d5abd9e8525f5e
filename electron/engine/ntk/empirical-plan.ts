// What the layerwise empirical NTK (ntk/empirical.ts) computes its Gram products on and which large arrays it
// allocates, without tfjs: ntk/empirical-prefetch.ts prepares that memory on a worker thread.

/** a panel of the self kernel has at least this many rows (and there are at most MAX_PANELS) */
export const PANEL_ROWS = 250
export const MAX_PANELS = 4

export interface Panel {
  /** first row of the panel's two row sets in the forward pass (x's rows, then x2's) */
  a0: number
  b0: number
  rows: number
  cols: number
  /** where the panel sits in the n × n2 kernel */
  row0: number
  col0: number
  /** a panel of the self kernel (row0 = col0): only its values on and above the diagonal are kept */
  upper: boolean
}

/**
 * The panels of the kernel that are computed: x against x2, or row panels of x against itself, each against
 * the columns from its first row on (one panel below 2·PANEL_ROWS rows).
 */
export function panelsOf(n: number, n2: number | null): Panel[] {
  if (n2 !== null) return [{ a0: 0, b0: n, rows: n, cols: n2, row0: 0, col0: 0, upper: false }]
  const count = Math.max(1, Math.min(MAX_PANELS, Math.floor(n / PANEL_ROWS)))
  const out: Panel[] = []
  for (let p = 0; p < count; p++) {
    const r0 = Math.round((p * n) / count)
    const r1 = Math.round(((p + 1) * n) / count)
    out.push({ a0: r0, b0: r0, rows: r1 - r0, cols: n - r0, row0: r0, col0: r0, upper: true })
  }
  return out
}

/** one large array the computation allocates: float32 or float64 values */
export interface ArrayNeed {
  type: 'f32' | 'f64'
  length: number
}

/**
 * The large arrays empiricalNtkArrays takes from its Scratch for a network of layer `sizes` ([d, widths…, K])
 * on n rows (against n2 more, or the self kernel when n2 is null): the joint input (x2 only), each hidden
 * layer's output, the float64 kernel, the two panel buffers, the sensitivities' buffers (one besides the
 * last hidden layer's output with K = 1, else two) and with K > 1 per-output a plane. tests/engine/ntk check that a Scratch of exactly these is used up.
 */
export function empiricalArrayNeeds(sizes: number[], n: number, n2: number | null, outputs: 'trace' | 'per-output'): ArrayNeed[] {
  const L = sizes.length - 2
  const K = sizes[L + 1]!
  const rows = n + (n2 ?? 0)
  const planes = outputs === 'trace' ? 1 : K
  const needs: ArrayNeed[] = []
  if (n2 !== null) needs.push({ type: 'f32', length: rows * sizes[0]! })
  for (let l = 1; l <= L; l++) needs.push({ type: 'f32', length: rows * sizes[l]! })
  needs.push({ type: 'f64', length: planes * n * (n2 ?? n) })
  const most = Math.max(...panelsOf(n, n2).map((p) => p.rows * p.cols))
  needs.push({ type: 'f32', length: most }, { type: 'f32', length: most })
  const widest = Math.max(0, ...sizes.slice(1, L + 1))
  // the sensitivities: one buffer besides h_L's with one output (none for one hidden layer), else two
  if (K > 1 && L > 0) needs.push({ type: 'f32', length: rows * K * widest })
  if (L > 1) needs.push({ type: 'f32', length: rows * K * widest })
  if (K > 1 && L > 0 && outputs === 'per-output') needs.push({ type: 'f32', length: rows * widest })
  return needs
}
