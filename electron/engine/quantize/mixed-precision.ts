import { UserError } from '../../../shared/errors'
import type { SensitivityResult } from './sensitivity'

// Mixed precision under a size budget: choose a width b_l per layer minimising the predicted accuracy loss
// Σ_l drop_l(b_l) (drops measured one layer at a time and assumed additive, as in HAWQ-V3's integer program,
// Yao et al. 2021) subject to Σ_l bytes_l(b_l) + fixed ≤ budget. Solved exactly by a Pareto sweep over the
// layers: partial assignments dominated in both bytes and loss are dropped, the rest extended layer by layer.

export interface MixedPrecisionChoice {
  bits: Record<string, number>
  bytes: number
  predictedDrop: number
  predictedAccuracy: number
}

interface Partial {
  bytes: number
  drop: number
  bits: number[]
}

export function chooseMixedPrecision(s: SensitivityResult, budgetBytes: number): MixedPrecisionChoice {
  const layers = [...new Set(s.rows.map((r) => r.layer))]
  let front: Partial[] = [{ bytes: s.fixedBytes, drop: 0, bits: [] }]
  for (const layer of layers) {
    const options = s.rows.filter((r) => r.layer === layer)
    const next: Partial[] = []
    for (const p of front) for (const o of options) next.push({ bytes: p.bytes + o.bytes, drop: p.drop + o.drop, bits: [...p.bits, o.bits] })
    next.sort((a, b) => a.bytes - b.bytes || a.drop - b.drop)
    front = []
    let best = Infinity
    for (const p of next) {
      if (p.bytes > budgetBytes) break
      if (p.drop < best) {
        front.push(p)
        best = p.drop
      }
    }
    if (front.length === 0) {
      const min = s.fixedBytes + layers.reduce((sum, l) => sum + Math.min(...s.rows.filter((r) => r.layer === l).map((r) => r.bytes)), 0)
      throw new UserError('budget_too_small', `a size budget of ${budgetBytes} bytes is below the smallest choice (${min} bytes at the lowest width everywhere)`, `Raise the budget to at least ${min} bytes, or add a lower width.`)
    }
  }
  const pick = front.reduce((a, b) => (b.drop < a.drop ? b : a))
  return {
    bits: Object.fromEntries(layers.map((l, i) => [l, pick.bits[i]!])),
    bytes: pick.bytes,
    predictedDrop: pick.drop,
    predictedAccuracy: s.floatAccuracy - pick.drop,
  }
}
