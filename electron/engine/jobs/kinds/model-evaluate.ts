import * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../../shared/errors'
import type { JobRunner } from '../../core/job'
import { inputTensor, labelIds } from '../../models/data'
import { evaluateModel } from '../../models/evaluate'
import { inputShapeOf, outputUnitsOf } from '../../models/io'
import { loadStored } from '../../models/stored'

// Evaluates a project model on a labelled set and stores the evaluation with the model.
export const run: JobRunner<'model-evaluate'> = async (spec, ctx) => {
  if (!ctx.models) throw new UserError('no_project', 'evaluating a model needs a project', 'Open a project first, or use `ntkw eval`.')
  const files = ctx.models.load(spec.modelId)
  const model = await loadStored(files, `model ${spec.modelId}`)
  try {
    const xm = await ctx.data.load(spec.x)
    const ym = await ctx.data.load(spec.y)
    ctx.recordDatasetHash(await ctx.data.hash(spec.x))
    if (xm.rows !== ym.rows) throw new UserError('shape_mismatch', `x has ${xm.rows} rows but y has ${ym.rows}`)
    const x = inputTensor({ data: xm.data, shape: [xm.rows, xm.cols] }, inputShapeOf(model), 'x')
    try {
      const labels = labelIds({ data: ym.data, shape: ym.cols === 1 ? [ym.rows] : [ym.rows, ym.cols] }, outputUnitsOf(model), 'y')
      let last = performance.now()
      const ev = await evaluateModel(model, x, labels, files.weights.byteLength, ctx.backend, {
        batch: spec.batchSize,
        onBatch: async (done, total) => {
          ctx.progress(done / total, `batch ${done}/${total}`)
          if (performance.now() - last > 50) {
            ctx.throwIfCancelled()
            await ctx.yield()
            last = performance.now()
          }
        },
      })
      ctx.models.setEvaluation(spec.modelId, ev)
      ctx.metric('accuracy', 0, ev.accuracy)
      ctx.metric('loss', 0, ev.loss)
      return { modelId: spec.modelId, accuracy: ev.accuracy, loss: ev.loss, n: ev.n, ece: ev.ece }
    } finally {
      tf.dispose(x)
    }
  } finally {
    model.dispose()
  }
}
