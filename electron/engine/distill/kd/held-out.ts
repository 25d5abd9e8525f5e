import type { HeldOutMetrics } from '../../../../shared/jobs/results'
import { logSoftmaxRow } from '../losses/batch'

export type { HeldOutMetrics }

// What a distilled student is judged by on held-out rows, in float64: its accuracy, the teacher's, top-1
// agreement between them, and KL(teacher ‖ student) of the softened distributions at temperature T (batch mean).

function argmax(z: ArrayLike<number>, off: number, k: number): number {
  let b = 0
  for (let c = 1; c < k; c++) if (z[off + c]! > z[off + b]!) b = c
  return b
}

export function heldOutMetrics(student: ArrayLike<number>, teacher: ArrayLike<number>, labels: ArrayLike<number>, k: number, temperature: number): HeldOutMetrics {
  const n = labels.length
  let sHits = 0
  let tHits = 0
  let agree = 0
  let kl = 0
  const ls = new Float64Array(k)
  const lt = new Float64Array(k)
  for (let i = 0; i < n; i++) {
    const s = argmax(student, i * k, k)
    const t = argmax(teacher, i * k, k)
    if (s === labels[i]) sHits++
    if (t === labels[i]) tHits++
    if (s === t) agree++
    logSoftmaxRow(student, i, k, temperature, ls)
    logSoftmaxRow(teacher, i, k, temperature, lt)
    for (let c = 0; c < k; c++) {
      const p = Math.exp(lt[c]!)
      if (p > 0) kl += p * (lt[c]! - ls[c]!)
    }
  }
  return { studentAccuracy: sHits / n, teacherAccuracy: tHits / n, agreement: agree / n, kl: kl / n }
}
