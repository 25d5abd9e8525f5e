// The engine's one definition of each metric (docs/math.md §4). Every job, CLI command and chart uses
// these; accumulation is in float64 whatever the input precision.

/**
 * MSE = (1/(N·K)) Σ_{i,k} (f_ik − y_ik)²: the mean over every entry of `count` values starting at
 * `offset` in f (y starts at 0).
 */
export function meanSquaredError(f: ArrayLike<number>, y: ArrayLike<number>, count: number, offset = 0): number {
  let s = 0
  for (let i = 0; i < count; i++) {
    const r = f[offset + i]! - y[i]!
    s += r * r
  }
  return count ? s / count : NaN
}

/**
 * The MSE training objective ½·MSE = ‖f − y‖²/(2·N·K) (neural-tangents' `gradient_descent_mse`
 * normalisation, the loss the trainer minimises and reports as "loss"); never called "MSE".
 */
export function mseObjective(f: ArrayLike<number>, y: ArrayLike<number>, count: number, offset = 0): number {
  return meanSquaredError(f, y, count, offset) / 2
}

/** Row-wise argmax of a row-major rows × cols array (ties go to the lowest index). */
export function argmaxRows(a: ArrayLike<number>, rows: number, cols: number, offset = 0): Int32Array {
  const out = new Int32Array(rows)
  for (let i = 0; i < rows; i++) {
    const base = offset + i * cols
    let best = 0
    for (let c = 1; c < cols; c++) if (a[base + c]! > a[base + best]!) best = c
    out[i] = best
  }
  return out
}

/** Accuracy = fraction of rows whose argmax of f (rows × k, from `offset`) equals the class. */
export function accuracy(f: ArrayLike<number>, classes: ArrayLike<number>, k: number, offset = 0): number {
  const n = classes.length
  if (!n) return NaN
  const pred = argmaxRows(f, n, k, offset)
  let hits = 0
  for (let i = 0; i < n; i++) if (pred[i] === classes[i]) hits++
  return hits / n
}

/**
 * Accuracy of a single output column: sign agreement with the targets around 0 (targets ±1), or around ½
 * when every target is ≥ 0 (targets 0/1).
 */
export function binaryAccuracy(f: ArrayLike<number>, y: ArrayLike<number>, n: number, offset = 0): number {
  if (!n) return NaN
  let min = Infinity
  for (let i = 0; i < n; i++) min = Math.min(min, y[i]!)
  const thr = min >= 0 ? 0.5 : 0
  let ok = 0
  for (let i = 0; i < n; i++) if (f[offset + i]! > thr === y[i]! > thr) ok++
  return ok / n
}
