// Least-squares line through (ln x, ln y): y ≈ e^intercept · x^slope (width convergence predicts slope −½).
// Shared by the width-sweep job and the charts that redraw its fit. null when fewer than two usable points.
export function logLogFit(xs: number[], ys: number[]): { slope: number; intercept: number; r2: number } | null {
  const pts = xs.map((x, i) => [Math.log(x), Math.log(ys[i]!)] as const).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b))
  const n = pts.length
  if (n < 2) return null
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
  if (sxx === 0) return null
  const slope = sxy / sxx
  return { slope, intercept: my - slope * mx, r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 1 }
}
