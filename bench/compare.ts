/** max |a − b| / max |b| over the whole array: how far a result is from its reference, relative to its scale */
export function relMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0
  let den = 0
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!))
    den = Math.max(den, Math.abs(b[i]!))
  }
  return num / den
}
