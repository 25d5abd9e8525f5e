/** Row order that groups points by class (stable within a class); identity without classes. */
export function classOrder(classes: Int32Array | null, n: number): Int32Array {
  const idx = Int32Array.from({ length: n }, (_, i) => i)
  if (!classes) return idx
  return idx.sort((a, b) => classes[a]! - classes[b]! || a - b)
}

/**
 * Block average of an n×m kernel, rows and columns reordered by `rowOrder`/`colOrder`, down to at most
 * size×size cells: what the UI draws instead of the full matrix (never more than 256×256 over IPC).
 */
export function blockAverage(k: Float32Array, n: number, m: number, rowOrder: Int32Array, colOrder: Int32Array, size: number): { data: Float32Array; rows: number; cols: number } {
  const rows = Math.min(size, n)
  const cols = Math.min(size, m)
  const sum = new Float64Array(rows * cols)
  const count = new Float64Array(rows * cols)
  const colBin = new Int32Array(m)
  for (let j = 0; j < m; j++) colBin[j] = Math.floor((j * cols) / m)
  for (let i = 0; i < n; i++) {
    const r = Math.floor((i * rows) / n)
    const src = rowOrder[i]! * m
    const base = r * cols
    for (let j = 0; j < m; j++) {
      const c = base + colBin[j]!
      sum[c]! += k[src + colOrder[j]!]!
      count[c]! += 1
    }
  }
  const data = new Float32Array(rows * cols)
  for (let i = 0; i < data.length; i++) data[i] = sum[i]! / count[i]!
  return { data, rows, cols }
}

/** Where each class starts along a sorted axis, in heatmap cells. */
export function classBoundaries(classes: Int32Array | null, order: Int32Array, cells: number): { cls: number; start: number; end: number }[] {
  if (!classes) return []
  const n = order.length
  const out: { cls: number; start: number; end: number }[] = []
  let i = 0
  while (i < n) {
    const c = classes[order[i]!]!
    let j = i
    while (j < n && classes[order[j]!] === c) j++
    out.push({ cls: c, start: (i * cells) / n, end: (j * cells) / n })
    i = j
  }
  return out
}

/**
 * Block averages accumulated tile by tile while a kernel streams to disk, so the heatmap of a kernel
 * larger than memory never needs the whole matrix. `rowRank[i]` is row i's position in the display order
 * (e.g. sorted by class).
 */
export class HeatmapAccumulator {
  readonly rows: number
  readonly cols: number
  private readonly sum: Float64Array
  private readonly count: Float64Array
  private readonly rowBin: Int32Array
  private readonly colBin: Int32Array

  constructor(n: number, m: number, size: number, rowRank?: Int32Array, colRank?: Int32Array) {
    this.rows = Math.min(size, n)
    this.cols = Math.min(size, m)
    this.sum = new Float64Array(this.rows * this.cols)
    this.count = new Float64Array(this.rows * this.cols)
    this.rowBin = Int32Array.from({ length: n }, (_, i) => Math.floor(((rowRank ? rowRank[i]! : i) * this.rows) / n))
    this.colBin = Int32Array.from({ length: m }, (_, j) => Math.floor(((colRank ? colRank[j]! : j) * this.cols) / m))
  }

  add(row0: number, col0: number, rows: number, cols: number, tile: Float32Array): void {
    for (let i = 0; i < rows; i++) {
      const base = this.rowBin[row0 + i]! * this.cols
      for (let j = 0; j < cols; j++) {
        const c = base + this.colBin[col0 + j]!
        this.sum[c]! += tile[i * cols + j]!
        this.count[c]! += 1
      }
    }
  }

  result(): Float32Array {
    const out = new Float32Array(this.sum.length)
    for (let i = 0; i < out.length; i++) out[i] = this.count[i]! > 0 ? this.sum[i]! / this.count[i]! : NaN
    return out
  }
}

/** Inverse of an order: rank[order[k]] = k. */
export function ranksOf(order: Int32Array): Int32Array {
  const rank = new Int32Array(order.length)
  for (let k = 0; k < order.length; k++) rank[order[k]!] = k
  return rank
}
