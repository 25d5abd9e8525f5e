import { exampleDataset } from '../../electron/engine/data/examples'

/** The bundled MNIST digits as float rows in [0, 1] (784 per row) and int labels, first `n` rows. */
export async function mnistRows(n = 10_000): Promise<{ x: Float32Array; y: Int32Array; n: number }> {
  const d = await exampleDataset('example:mnist')
  const rows = Math.min(n, d.xShape[0]!)
  const per = d.xShape.slice(1).reduce((a, b) => a * b, 1)
  const scale = d.xScale ?? 1
  const x = new Float32Array(rows * per)
  for (let i = 0; i < x.length; i++) x[i] = d.x[i]! * scale
  const raw = d.y
  if (!raw || raw.kind === 'text') throw new Error('mnist example has no class labels')
  const y = Int32Array.from(raw.kind === 'classes' ? raw.indices.slice(0, rows) : Array.from(raw.values.slice(0, rows), Number))
  return { x, y, n: rows }
}
