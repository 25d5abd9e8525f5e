// Fast Walsh–Hadamard transform (unnormalised, entries ±1): y = H_P x with H_1 = [1], H_2P = [[H, H], [H, −H]],
// P a power of two, in P·log₂P additions. The wasm backend of tfjs has no FFT, so the SRHT of Zandieh et
// al. (2021) uses this real Hadamard transform in plain typed arrays: the butterflies are memory bound and
// run at ≈ 1 ns each in V8 (measured against the Kronecker-matmul form in tfjs).

export function nextPow2(n: number): number {
  let p = 1
  while (p < n) p <<= 1
  return p
}

/** In place on each of `rows` consecutive length-P rows of `a` (P a power of two). */
export function fwhtRows(a: Float32Array, rows: number, p: number): void {
  if ((p & (p - 1)) !== 0) throw new Error(`fwhtRows: length ${p} is not a power of two`)
  for (let r = 0; r < rows; r++) {
    const base = r * p
    for (let h = 1; h < p; h <<= 1) {
      for (let i = base; i < base + p; i += h << 1) {
        for (let j = i; j < i + h; j++) {
          const u = a[j]!
          const v = a[j + h]!
          a[j] = u + v
          a[j + h] = u - v
        }
      }
    }
  }
}
