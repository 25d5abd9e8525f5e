import type { DistillReport } from '../../../../shared/jobs/results'
import { CancelledError } from '../../core/cancel'
import type { JobRunner } from '../../core/job'
import { toStoredModel } from '../../models/stored'
import { distillStudent, effectiveParams } from '../../distill/kd/train'
import { heldOutMetrics } from '../../distill/kd/held-out'
import { prepareDistill, studentOptions } from './distill-common'

// Knowledge distillation of one student (docs/distillation.md): per epoch the student's held-out accuracy,
// the teacher's, their top-1 agreement and KL(teacher ‖ student) at klTemperature; the student is saved as a
// project model whose source names this run and the teacher model.
export const run: JobRunner<'distill'> = async (spec, ctx) => {
  const started = performance.now()
  const d = await prepareDistill(spec, ctx, 0.1)
  const teacherOnly = heldOutMetrics(d.teacher.heldOut, d.teacher.heldOut, d.labelsHeldOut, d.k, spec.klTemperature)
  ctx.log('info', `teacher held-out accuracy ${(100 * teacherOnly.teacherAccuracy).toFixed(2)} %`)
  const r = await distillStudent(
    studentOptions(d, spec, ctx, {
      loss: spec.loss,
      seed: spec.seed,
      onEpoch: (e) => {
        ctx.metric('student_accuracy', e.epoch, e.studentAccuracy)
        ctx.metric('teacher_accuracy', e.epoch, e.teacherAccuracy)
        ctx.metric('agreement', e.epoch, e.agreement)
        ctx.metric('kl_teacher_student', e.epoch, e.kl)
        ctx.metric('train_loss', e.epoch, e.trainLoss)
      },
      progress: (b, total, epoch) => ctx.progress(0.1 + (0.88 * (epoch + b / total)) / spec.epochs, `epoch ${epoch + 1}/${spec.epochs}`),
    }),
  )
  try {
    if (r.cancelled) throw new CancelledError()
    const last = r.history.at(-1)!
    const params = effectiveParams(spec.loss, spec.params)
    let modelId: string | null = null
    if (spec.saveModel) {
      const stored = await toStoredModel(r.model, {
        name: spec.modelName ?? spec.name ?? `student (${spec.loss}) ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
        source: { kind: 'distill', runId: ctx.runId, ...(d.teacher.parentModelId ? { parentModelId: d.teacher.parentModelId } : {}) },
        numClasses: d.k,
        dataset: { ref: spec.data },
        seed: spec.seed,
        backend: ctx.backend,
        training: { loss: spec.loss, params, ceWeight: spec.ceWeight, teacher: d.teacher.description, optimizer: spec.optimizer, learningRate: spec.learningRate, batchSize: spec.batchSize, epochs: spec.epochs },
        metrics: { accuracy: last.studentAccuracy, agreement: last.agreement, kl: last.kl },
      })
      if (ctx.models) {
        modelId = ctx.models.save(stored).id
        ctx.log('info', `student saved as model ${modelId}`)
      } else ctx.log('warn', 'no model store for this run: the student was not kept')
    }
    const summary: DistillReport = { loss: spec.loss, params, ceWeight: spec.ceWeight, teacher: d.teacher.description, teacherAccuracy: teacherOnly.teacherAccuracy, history: r.history, final: last, modelId }
    ctx.artifacts.saveJson('distill', summary)
    ctx.progress(1, 'done')
    return { used: { train: d.labels.length, test: d.labelsHeldOut.length }, modelId, loss: spec.loss, final: last, teacherAccuracy: teacherOnly.teacherAccuracy, seconds: (performance.now() - started) / 1000 }
  } finally {
    r.model.dispose()
  }
}
