// The feature regression's interpolation peak ("double descent": Belkin, Hsu, Ma, Mandal, PNAS 2019; for
// random-feature ridge regression, Mei & Montanari, CPAM 2022): with m′ features and n training points the
// test error of min-norm / lightly-ridged regression on the features peaks at m′ = n and falls on both sides.
// Measured on MNIST (docs/performance.md, "Random features: where the accuracy goes"), depth-3 ReLU NTK:
//   n = 4 000: m′ = 2 048 88.3 %, 4 096 60.3 %, 8 192 91.3 %, 16 384 95.6 % (exact 96.1–97.2 %);
//   n = 8 000: m′ = 4 096 90.4 %, 8 192 77.4 % (exact 96.4 %); n = 2 000, m′ = 2 048: 49.2 % (exact 94.1 %);
//   at n = m′ = 4 096 a larger ridge tames but does not remove it: 81.8 / 90.1 / 92.8 % at diag_reg 1e-3 / 1e-2
//   / 1e-1 (exact at 1e-1: 95.6 %).
// So a map within a factor 2 of n on either side is flagged, whatever the ridge.

/** m′ within a factor 2 of n (either side) */
export function nearInterpolation(n: number, features: number): boolean {
  return features >= n / 2 && features <= 2 * n
}

/** a warning for a feature regression near its interpolation peak, or null */
export function interpolationWarning(n: number, features: number): string | null {
  if (!nearInterpolation(n, features)) return null
  return (
    `m′ = ${features} features for n = ${n} training points: the feature regression is near its interpolation peak (m′ ≈ n), ` +
    `where its test error is far above the exact kernel's (measured on MNIST at n = 4 000, m′ = 4 096: 60 % against 96 % accuracy). ` +
    `Use --features ≥ ${4 * n} (or ≤ ${Math.floor(n / 4)}), or the exact kernel (drop --approx).`
  )
}
