import { UserError } from '../../../../shared/errors'
import type { JobRunner } from '../../core/job'
import { importModel } from '../../models/import'

// Stores a TF.js Layers model folder in the project (validated and rebuilt by models/import.ts).
export const run: JobRunner<'model-import'> = async (spec, ctx) => {
  if (!ctx.models) throw new UserError('no_project', 'importing a model needs a project', 'Open a project first, or use `ntkw model import PATH --project P`.')
  ctx.progress(0.1, 'reading model')
  const stored = await importModel(spec.path, spec.modelName)
  ctx.throwIfCancelled()
  const { id } = ctx.models.save(stored)
  ctx.log('info', `imported ${stored.meta.name}: ${stored.meta.params} parameters, ${stored.layers.length} layers`)
  return { modelId: id, name: stored.meta.name, params: stored.meta.params, weightBytes: stored.meta.weightBytes }
}
