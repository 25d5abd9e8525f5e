import { exampleDataset } from '../../../electron/engine/data/examples'

/** The bundled MNIST digits (pixels / 255), standardised with the training rows' mean and std, split in order. */
export async function mnistSplit(train: number, test: number): Promise<{ x: Float32Array; y: Float64Array; xt: Float32Array; yt: Float64Array; d: number }> {
  const p = await exampleDataset('example:mnist')
  const d = p.xShape.slice(1).reduce((a, b) => a * b, 1)
  const scale = p.xScale ?? 1
  const px = (i: number): number => p.x[i]! * scale
  let mean = 0
  let sq = 0
  for (let i = 0; i < train * d; i++) {
    mean += px(i)
    sq += px(i) ** 2
  }
  mean /= train * d
  const std = Math.sqrt(sq / (train * d) - mean * mean)
  const n = p.xShape[0]!
  const x = new Float32Array(train * d)
  for (let i = 0; i < train * d; i++) x[i] = (px(i) - mean) / std
  const xt = new Float32Array(test * d)
  for (let i = 0; i < test * d; i++) xt[i] = (px((n - test) * d + i) - mean) / std
  const raw = p.y!
  if (raw.kind !== 'numeric' && raw.kind !== 'classes') throw new Error('unexpected MNIST labels')
  const lab = raw.kind === 'numeric' ? raw.values : raw.indices
  const y = Float64Array.from({ length: train }, (_, i) => Number(lab[i]))
  const yt = Float64Array.from({ length: test }, (_, i) => Number(lab[n - test + i]))
  return { x, y, xt, yt, d }
}
