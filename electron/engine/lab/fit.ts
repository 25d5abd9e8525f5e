// Least-squares line through (log w, log err): err ≈ e^a · w^slope. Width convergence predicts slope −½.
export function logLogFit(x: number[], y: number[]): { slope: number; intercept: number; r2: number } {
  const pts = x.map((xi, i) => [Math.log(xi), Math.log(y[i]!)] as const).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b))
  const n = pts.length
  if (n < 2) return { slope: NaN, intercept: NaN, r2: NaN }
  const mx = pts.reduce((s, p) => s + p[0], 0) / n
  const my = pts.reduce((s, p) => s + p[1], 0) / n
  let sxx = 0
  let sxy = 0
  let syy = 0
  for (const [a, b] of pts) {
    sxx += (a - mx) ** 2
    sxy += (a - mx) * (b - my)
    syy += (b - my) ** 2
  }
  const slope = sxy / sxx
  return { slope, intercept: my - slope * mx, r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 1 }
}

/** n points from a to b, evenly spaced in log scale. */
export function logSpace(a: number, b: number, n: number): number[] {
  if (n === 1) return [b]
  const la = Math.log(a)
  const lb = Math.log(b)
  return Array.from({ length: n }, (_, i) => Math.exp(la + ((lb - la) * i) / (n - 1)))
}

/** Distinct integer steps 0 < s ≤ max, about n of them, log-spaced (always including 1 and max). */
export function logSteps(max: number, n: number): number[] {
  const s = new Set<number>([1, max])
  for (const v of logSpace(1, max, n)) s.add(Math.min(max, Math.max(1, Math.round(v))))
  return [...s].sort((a, b) => a - b)
}
