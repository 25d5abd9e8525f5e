import type { JobRunner } from '../../core/job'
import { importDataset, loadForImport, type ImportHooks } from '../../data/import'
import { openOrCreateProject } from '../../store/project-db'

/**
 * Imports a data file. With `project`, the dataset is stored in that project file (one transaction);
 * without, it is converted and written as artifacts: x (float32, [N, D]), y (when labelled) and schema.
 */
export const run: JobRunner<'dataset-import'> = async (spec, ctx) => {
  const hooks: ImportHooks = {
    progress: (f, m) => ctx.progress(f, m),
    yield: async () => {
      ctx.throwIfCancelled()
      await ctx.yield()
    },
  }
  if (spec.project) {
    const project = openOrCreateProject(spec.project)
    try {
      const summary = await importDataset(project.db, spec.path, { format: spec.format, options: spec.options, ...(spec.recipe ? { recipe: spec.recipe } : {}) }, hooks)
      ctx.recordDatasetHash(summary.hash)
      ctx.log('info', `stored dataset '${summary.name}' (${summary.rows} rows) as ${summary.id}`)
      return summary
    } finally {
      project.close()
    }
  }
  const { prepared, name } = await loadForImport(spec.path, spec.format, spec.options, hooks)
  ctx.throwIfCancelled()
  const { schema } = prepared
  const n = schema.rows
  const d = schema.x.shape.slice(1).reduce((a, b) => a * b, 1)
  const x = prepared.x instanceof Float32Array ? prepared.x : Float32Array.from(prepared.x, (v) => v * schema.x.scale)
  ctx.artifacts.saveArray('x', x, [n, d])
  if (prepared.y && schema.y) ctx.artifacts.saveArray('y', prepared.y instanceof Float32Array ? prepared.y : Float32Array.from(prepared.y), schema.y.shape)
  ctx.artifacts.saveJson('schema', schema)
  ctx.recordDatasetHash(prepared.hash)
  ctx.progress(1, 'written')
  return { name, format: prepared.format, hash: prepared.hash, rows: n, xShape: schema.x.shape, task: schema.task, classes: schema.classNames ?? [], notes: schema.notes }
}
