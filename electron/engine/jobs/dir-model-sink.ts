import { existsSync } from 'node:fs'
import path from 'node:path'
import type { ModelEvaluation } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import type { ModelSink, StoredModel } from '../core/job'
import { readModelFolder, writeModelFolder, type ModelFiles } from '../models/format'

/**
 * Models as TF.js folders (`ntkw train --out DIR`, `ntkw run --out DIR`): model.json + weights.bin in `dir`.
 * The id of a saved model is its model.json path; `load` takes a folder or a model.json path.
 */
export class DirModelSink implements ModelSink {
  readonly saved: string[] = []
  constructor(private readonly dir: string) {}

  save(m: StoredModel): { id: string; path: string } {
    const file = writeModelFolder(this.dir, { modelJson: m.modelJson as unknown as ModelFiles['modelJson'], weights: m.weights })
    this.saved.push(file)
    return { id: file, path: file }
  }

  load(id: string): { modelJson: Record<string, unknown>; weights: Uint8Array } {
    const p = path.resolve(id)
    if (!existsSync(p)) throw new UserError('file_not_found', `no model at ${id}`)
    const f = readModelFolder(p)
    return { modelJson: f.modelJson as unknown as Record<string, unknown>, weights: f.weights }
  }

  setEvaluation(_id: string, _evaluation: ModelEvaluation): void {
    // a folder model keeps no evaluation; `ntkw eval` prints it
  }
}
