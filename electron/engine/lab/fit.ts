/** n points from a to b, evenly spaced in log scale. */
export function logSpace(a: number, b: number, n: number): number[] {
  if (n === 1) return [b]
  const la = Math.log(a)
  const lb = Math.log(b)
  return Array.from({ length: n }, (_, i) => Math.exp(la + ((lb - la) * i) / (n - 1)))
}

/** Distinct integer steps 0 < s ≤ max, about n of them, log-spaced (always including 1 and max). */
export function logSteps(max: number, n: number): number[] {
  const s = new Set<number>([1, max])
  for (const v of logSpace(1, max, n)) s.add(Math.min(max, Math.max(1, Math.round(v))))
  return [...s].sort((a, b) => a - b)
}
