// acos on [−1, 1] to 2e-8 absolute (Abramowitz & Stegun 4.4.46: acos x = √(1 − x)·P₇(x) on [0, 1], and
// acos(−x) = π − acos x). The spatial kernels evaluate the ReLU dual map once per pair and position (n²·P
// times a layer); measured in Node 20, Math.acos made that loop ≈ 2.5× slower. 2e-8 in θ is far below the
// float32 the kernels are stored in. At x = 1 it is exactly 0, so a point's correlation with itself gives θ = 0.
const A = [1.570796305, -0.2145988016, 0.0889789874, -0.0501743046, 0.030891881, -0.0170881256, 0.0066700901, -0.0012624911] as const

export function fastAcos(x: number): number {
  const a = x < 0 ? -x : x
  const p = A[0] + a * (A[1] + a * (A[2] + a * (A[3] + a * (A[4] + a * (A[5] + a * (A[6] + a * A[7]))))))
  const r = Math.sqrt(1 - a) * p
  return x < 0 ? Math.PI - r : r
}
