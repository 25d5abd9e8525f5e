// Lloyd–Max quantization (Lloyd, "Least squares quantization in PCM", IEEE Trans. Inf. Theory 1982; Max,
// "Quantizing for minimum distortion", IRE Trans. Inf. Theory 1960), i.e. 1-D k-means with K = 2^b centroids,
// used as a weight codebook by Han et al., "Deep Compression", ICLR 2016. Alternate
//   cells:     x belongs to centroid j iff (c_{j−1} + c_j)/2 < x ≤ (c_j + c_{j+1})/2
//   centroids: c_j = mean of its cell
// until no cell changes. In 1-D the cells are runs of the sorted values, so one step costs K binary searches
// over prefix sums instead of n·K distances. Initial centroids: the (j + ½)/K quantiles (deterministic).

export interface LloydResult {
  centroids: Float64Array
  iterations: number
}

export function lloydMax(values: ArrayLike<number>, k: number, maxIterations = 300): LloydResult {
  const sorted = Float64Array.from(values).sort()
  const n = sorted.length
  const centroids = new Float64Array(k)
  if (n === 0) return { centroids, iterations: 0 }
  for (let j = 0; j < k; j++) centroids[j] = sorted[Math.min(n - 1, Math.floor(((j + 0.5) / k) * n))]!
  const prefix = new Float64Array(n + 1)
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + sorted[i]!
  // ends[j] = one past the last sorted index in cell j
  const ends = new Int32Array(k)
  const prevEnds = new Int32Array(k).fill(-1)
  let it = 0
  for (; it < maxIterations; it++) {
    for (let j = 0; j < k - 1; j++) ends[j] = upperBound(sorted, (centroids[j]! + centroids[j + 1]!) / 2)
    ends[k - 1] = n
    let same = true
    for (let j = 0; j < k; j++) if (ends[j] !== prevEnds[j]) same = false
    if (same) break
    prevEnds.set(ends)
    let start = 0
    for (let j = 0; j < k; j++) {
      const end = Math.max(ends[j]!, start)
      if (end > start) centroids[j] = (prefix[end]! - prefix[start]!) / (end - start)
      start = end
    }
    centroids.sort()
  }
  return { centroids, iterations: it }
}

/** first index with sorted[i] > x */
function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** index of the nearest centroid (ascending centroids; a tie goes to the lower one) */
export function nearestCentroid(x: number, centroids: ArrayLike<number>): number {
  let lo = 0
  let hi = centroids.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (x <= (centroids[mid]! + centroids[mid + 1]!) / 2) hi = mid
    else lo = mid + 1
  }
  return lo
}
