import path from 'node:path'
import { UserError } from '../../../../shared/errors'
import type { JobRunner } from '../../core/job'
import { importModel } from '../../models/import'
import { importOnnx } from '../../onnx/import'

// Stores a TF.js Layers model folder (validated and rebuilt by models/import.ts) or an ONNX classifier
// (converted by onnx/import.ts; an unsupported op fails the job before anything is stored) in the project.
export const run: JobRunner<'model-import'> = async (spec, ctx) => {
  if (!ctx.models) throw new UserError('no_project', 'importing a model needs a project', 'Open a project first, or use `ntkw model import PATH --project P`.')
  const onnx = path.extname(spec.path).toLowerCase() === '.onnx'
  ctx.progress(0.1, onnx ? 'converting the ONNX graph' : 'reading model')
  const stored = onnx ? await importOnnx(spec.path, spec.modelName) : await importModel(spec.path, spec.modelName)
  ctx.throwIfCancelled()
  const { id } = ctx.models.save(stored)
  ctx.log('info', `imported ${stored.meta.name}: ${stored.meta.params} parameters, ${stored.layers.length} layers`)
  return { modelId: id, name: stored.meta.name, params: stored.meta.params, weightBytes: stored.meta.weightBytes }
}
