import type { DataFormat, ImportOptions, SourceColumn } from '../../../shared/dataset'

/** What a format reader hands to the importer: features and targets in memory, before storage. */
export interface ParsedDataset {
  format: DataFormat
  /** features, row-major [N, ...featureShape]; u1 data carries `xScale` (e.g. 1/255 for pixels) */
  x: Float32Array | Uint8Array
  xShape: number[]
  xScale?: number
  /** raw targets as read; `labels.ts` turns them into class indices or regression values */
  y: RawTargets | null
  featureNames?: string[]
  image?: { height: number; width: number; channels: number }
  sourceColumns?: SourceColumn[]
  labelColumn?: string
  notes: string[]
}

/** Targets before encoding: numbers (any dtype, [N] or [N, K]) or text labels. */
export type RawTargets =
  | { kind: 'numeric'; values: Float64Array | Float32Array | Int32Array | Uint8Array; shape: number[]; integer: boolean }
  | { kind: 'text'; values: string[] }
  | { kind: 'classes'; indices: Int32Array; names: string[] }

export interface ReadContext {
  /** display name of the input (file name) used in messages */
  name: string
  options: ImportOptions
  /** memory budget in bytes */
  budget: number
  progress(fraction: number, message?: string): void
  /** lets cancel and progress through during long work */
  yield(): Promise<void>
}
