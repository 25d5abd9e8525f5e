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
