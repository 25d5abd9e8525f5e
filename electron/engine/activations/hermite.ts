// Gauss–Hermite nodes and weights for the standard normal: E[g(z)] ≈ Σᵢ wᵢ g(zᵢ), z ~ N(0, 1).
// Physicists' nodes xᵢ (weight e^{−x²}) by Newton on the orthonormal Hermite recurrence, with the
// classical starting guesses (Numerical Recipes' gauher); then z = √2 x, w ← w/√π.
export function gaussHermite(degree: number): { z: Float64Array; w: Float64Array } {
  if (!Number.isInteger(degree) || degree < 1 || degree > 200) throw new Error(`Gauss–Hermite degree must be 1..200, got ${degree}`)
  const n = degree
  const x = new Float64Array(n)
  const w = new Float64Array(n)
  const PIM4 = Math.pow(Math.PI, -0.25)
  let z = 0
  for (let i = 0; i < (n + 1) >> 1; i++) {
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * Math.pow(2 * n + 1, -0.16667)
    else if (i === 1) z -= (1.14 * Math.pow(n, 0.426)) / z
    else if (i === 2) z = 1.86 * z - 0.86 * x[0]!
    else if (i === 3) z = 1.91 * z - 0.91 * x[1]!
    else z = 2 * z - x[i - 2]!
    let pp = 0
    for (let it = 0; it < 200; it++) {
      let p1 = PIM4
      let p2 = 0
      for (let j = 0; j < n; j++) {
        const p3 = p2
        p2 = p1
        p1 = z * Math.sqrt(2 / (j + 1)) * p2 - Math.sqrt(j / (j + 1)) * p3
      }
      pp = Math.sqrt(2 * n) * p2
      const z1 = z
      z = z1 - p1 / pp
      if (Math.abs(z - z1) <= 1e-15 * Math.max(1, Math.abs(z))) break
    }
    x[i] = z
    x[n - 1 - i] = -z
    w[i] = 2 / (pp * pp)
    w[n - 1 - i] = w[i]!
  }
  const zOut = new Float64Array(n)
  const wOut = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    zOut[i] = Math.SQRT2 * x[n - 1 - i]!
    wOut[i] = w[n - 1 - i]! / Math.sqrt(Math.PI)
  }
  return { z: zOut, w: wOut }
}
