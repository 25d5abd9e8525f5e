// Largest-Triangle-Three-Buckets down-sampling (Steinarsson 2013): keeps the first and last points and,
// per bucket, the point forming the largest triangle with the previous kept point and the next bucket's mean.
export function lttb(xs: number[], ys: number[], threshold: number): [number[], number[]] {
  const n = xs.length
  if (threshold >= n || threshold < 3) return [xs.slice(), ys.slice()]
  const outX: number[] = [xs[0]!]
  const outY: number[] = [ys[0]!]
  const every = (n - 2) / (threshold - 2)
  let a = 0
  for (let i = 0; i < threshold - 2; i++) {
    const avgStart = Math.floor((i + 1) * every) + 1
    const avgEnd = Math.min(Math.floor((i + 2) * every) + 1, n)
    let avgX = 0
    let avgY = 0
    for (let j = avgStart; j < avgEnd; j++) {
      avgX += xs[j]!
      avgY += ys[j]!
    }
    const len = Math.max(1, avgEnd - avgStart)
    avgX /= len
    avgY /= len
    const start = Math.floor(i * every) + 1
    const end = Math.floor((i + 1) * every) + 1
    let best = start
    let bestArea = -1
    for (let j = start; j < end; j++) {
      const area = Math.abs((xs[a]! - avgX) * (ys[j]! - ys[a]!) - (xs[a]! - xs[j]!) * (avgY - ys[a]!))
      if (area > bestArea) {
        bestArea = area
        best = j
      }
    }
    outX.push(xs[best]!)
    outY.push(ys[best]!)
    a = best
  }
  outX.push(xs[n - 1]!)
  outY.push(ys[n - 1]!)
  return [outX, outY]
}
