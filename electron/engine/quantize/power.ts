// Power-exponent quantization (Yvinec et al., "PowerQuant: Automorphism Search for Non-Uniform Quantization",
// ICLR 2023; Yvinec et al., "NUPES: Non-Uniform Post-Training Quantization via Power Exponent Search", 2023):
//   t = sign(x)|x|^a,  t̂ = uniform symmetric quantization of t,  x̂ = sign(t̂)|t̂|^(1/a)
// a < 1 puts more levels near 0, where bell-shaped weights concentrate. a is searched per layer to minimise
// the layer's output error on calibration data (the caller's objective); a = 1 is plain uniform.

export const POWER_EXPONENTS: readonly number[] = Array.from({ length: 27 }, (_, i) => Math.round((0.2 + 0.05 * i) * 100) / 100)

export function powerForward(x: number, a: number): number {
  return x < 0 ? -Math.pow(-x, a) : Math.pow(x, a)
}

/** inverse transform in float32, as the packed-format loader computes it */
export function powerInverse(t: number, a: number): number {
  return Math.fround(t < 0 ? -Math.pow(-t, 1 / a) : Math.pow(t, 1 / a))
}
