import type { Range } from './types'

// Entropy calibration for activations (Migacz, "8-bit Inference with TensorRT", GTC 2017): histogram |x| into
// 2048 bins; for each candidate threshold i (in bins) the reference P is hist[0:i] with the clipped tail folded
// into its last bin, and Q is hist[0:i] merged into L quantization levels and spread back evenly over the
// non-empty bins of each level. The threshold minimising KL(P‖Q) is kept. L = 2^b levels for non-negative
// activations (after ReLU), 2^(b−1) per side for signed ones.

export const KL_BINS = 2048
const EPS = 1e-4

export function klRange(values: ArrayLike<number>, bits: number, bins = KL_BINS): Range {
  let absMax = 0
  let negative = false
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (v < 0) negative = true
    const a = Math.abs(v)
    if (a > absMax) absMax = a
  }
  if (absMax === 0) return { lo: 0, hi: 0 }
  const levels = negative ? 2 ** (bits - 1) : 2 ** bits
  const hist = new Float64Array(bins)
  const width = absMax / bins
  for (let i = 0; i < values.length; i++) hist[Math.min(bins - 1, Math.floor(Math.abs(values[i]!) / width))]! += 1
  if (levels >= bins) return negative ? { lo: -absMax, hi: absMax } : { lo: 0, hi: absMax }
  let bestI = bins
  let bestKl = Infinity
  const p = new Float64Array(bins)
  const q = new Float64Array(bins)
  let tail = 0
  for (let j = 0; j < bins; j++) tail += hist[j]!
  for (let j = 0; j < levels; j++) tail -= hist[j]!
  for (let i = levels; i <= bins; i++) {
    // tail = Σ hist[i:]
    for (let j = 0; j < i; j++) p[j] = hist[j]!
    p[i - 1]! += tail
    q.fill(0, 0, i)
    for (let l = 0; l < levels; l++) {
      const a = Math.floor((l * i) / levels)
      const b = Math.floor(((l + 1) * i) / levels)
      let total = 0
      let nonEmpty = 0
      for (let j = a; j < b; j++) {
        total += hist[j]!
        if (hist[j]! > 0) nonEmpty++
      }
      if (nonEmpty > 0) for (let j = a; j < b; j++) if (hist[j]! > 0) q[j] = total / nonEmpty
    }
    const kl = divergence(p, q, i)
    if (kl < bestKl) {
      bestKl = kl
      bestI = i
    }
    if (i < bins) tail -= hist[i]!
  }
  const t = bestI * width
  return negative ? { lo: -t, hi: t } : { lo: 0, hi: t }
}

/** KL(P‖Q) of the first n entries, both normalised; empty Q bins under mass of P get a small ε. */
function divergence(p: Float64Array, q: Float64Array, n: number): number {
  let sp = 0
  let sq = 0
  for (let j = 0; j < n; j++) {
    sp += p[j]!
    sq += q[j]!
  }
  if (sp === 0 || sq === 0) return Infinity
  let kl = 0
  for (let j = 0; j < n; j++) {
    const pj = p[j]! / sp
    if (pj === 0) continue
    const qj = Math.max(q[j]! / sq, EPS / n)
    kl += pj * Math.log(pj / qj)
  }
  return kl
}
