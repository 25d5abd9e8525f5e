import { Xoshiro128 } from '../../../electron/engine/core/random'

/** Gaussian samples (seeded) as float32, with an optional share of large outliers. */
export function gaussian(n: number, seed: number, std = 1, outliers = 0, outlierScale = 8): Float32Array {
  const r = new Xoshiro128(seed)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = r.normal() * std * (i < outliers ? outlierScale : 1)
  return out
}

/** Independent float64 reference of uniform fake quantization: x̂ = s·(clamp(round_half_even(x/s) + z, lo, hi) − z). */
export function refFakeQuant(x: number, s: number, z: number, qlo: number, qhi: number): number {
  const v = x / s
  let r = Math.floor(v + 0.5)
  if (v + 0.5 === r && r % 2 !== 0) r -= 1
  const q = Math.min(qhi, Math.max(qlo, r + z))
  return s * (q - z)
}
