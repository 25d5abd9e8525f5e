import { UserError } from '../../../shared/errors'
import { matrixView, type Granularity } from './types'

// Which elements share quantization parameters. Per-tensor: one slice. Per-output-channel (Krishnamoorthi,
// "Quantizing deep convolutional networks for efficient inference: A whitepaper", 2018; Nagel et al., "A White
// Paper on Neural Network Quantization", 2021): one slice per column c of the [R, C] view. Group-wise (as in
// GPTQ, Frantar et al. 2023, and Q-BERT, Shen et al. 2020): column c cut into runs of g consecutive rows, slice
// index ⌊r/g⌋·C + c, so the slice parameters form a [R/g, C] matrix.

export interface SliceLayout {
  count: number
  /** slice of element i (C order) */
  sliceOf(i: number): number
  /** element indices of each slice, in increasing order */
  members(): Int32Array[]
}

export function sliceLayout(shape: readonly number[], g: Granularity, name = 'weight'): SliceLayout {
  const { rows, cols } = matrixView(shape)
  const n = rows * cols
  if (g.kind === 'tensor') {
    return { count: 1, sliceOf: () => 0, members: () => [Int32Array.from({ length: n }, (_, i) => i)] }
  }
  if (g.kind === 'channel') {
    return {
      count: cols,
      sliceOf: (i) => i % cols,
      members: () => Array.from({ length: cols }, (_, c) => Int32Array.from({ length: rows }, (_, r) => r * cols + c)),
    }
  }
  const size = g.size
  if (!Number.isInteger(size) || size < 1) throw new UserError('bad_group_size', `group size ${size}: expected a positive integer`, 'e.g. --granularity group:32')
  if (rows % size !== 0) {
    throw new UserError(
      'group_size_mismatch',
      `${name} ${JSON.stringify(shape)}: group size ${size} does not divide its ${rows} input rows`,
      `Pick a group size dividing ${rows} (e.g. ${divisorsNear(rows, size).join(', ')}), or --granularity channel.`,
    )
  }
  const groups = rows / size
  return {
    count: groups * cols,
    sliceOf: (i) => Math.floor(Math.floor(i / cols) / size) * cols + (i % cols),
    members: () => {
      const out: Int32Array[] = []
      for (let gi = 0; gi < groups; gi++) {
        for (let c = 0; c < cols; c++) out.push(Int32Array.from({ length: size }, (_, k) => (gi * size + k) * cols + c))
      }
      return out
    },
  }
}

function divisorsNear(n: number, g: number): number[] {
  const ds: number[] = []
  for (let d = 1; d <= n; d++) if (n % d === 0) ds.push(d)
  return ds.sort((a, b) => Math.abs(a - g) - Math.abs(b - g)).slice(0, 3).sort((a, b) => a - b)
}
