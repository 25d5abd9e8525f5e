import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { ModelFiles } from '../models/format'
import { exportOnnx, type OnnxExport } from './export'
import type { QdqPlan } from './qdq-plan'

export const ONNX_FILE = 'model.onnx'

/** Writes DIR/model.onnx (DIR created if missing); returns the file path and what was written. */
export function writeOnnxFolder(dir: string, files: ModelFiles, o: { name?: string; source?: string; plan?: QdqPlan } = {}): OnnxExport & { file: string } {
  const r = exportOnnx(files, o)
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, ONNX_FILE)
  writeFileSync(file, r.bytes)
  return { ...r, file }
}
