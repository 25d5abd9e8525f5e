import type { JobRunner } from '../../core/job'
import type { DistillStudyReport, StudyRun, StudyRow } from '../../../../shared/jobs/results'
import { CancelledError } from '../../core/cancel'
import { distillStudent, effectiveParams } from '../../distill/kd/train'
import { heldOutMetrics } from '../../distill/kd/held-out'
import { prepareDistill, studentOptions } from './distill-common'

// A distillation study: one teacher (computed once) and one student architecture, every loss × every seed;
// per loss the mean ± sample sd of the final held-out accuracy, agreement and KL(teacher ‖ student), and the
// per-epoch curves of every run. Students are not saved (a study compares losses; `distill` keeps a model).

function meanSd(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0
  return { mean, sd }
}

export const run: JobRunner<'distill-study'> = async (spec, ctx) => {
  const started = performance.now()
  const d = await prepareDistill(spec, ctx, 0.05)
  const teacherAccuracy = heldOutMetrics(d.teacher.heldOut, d.teacher.heldOut, d.labelsHeldOut, d.k, spec.klTemperature).teacherAccuracy
  const jobs = spec.losses.flatMap((loss) => Array.from({ length: spec.seeds }, (_, i) => ({ loss, seed: spec.seed + i })))
  const runs: StudyRun[] = []
  for (const [j, job] of jobs.entries()) {
    ctx.throwIfCancelled()
    const tag = `${job.loss} seed ${job.seed}`
    const r = await distillStudent(
      studentOptions(d, spec, ctx, {
        loss: job.loss,
        seed: job.seed,
        onEpoch: (e) => {
          ctx.metric(`student_accuracy/${tag}`, e.epoch, e.studentAccuracy)
          ctx.metric(`agreement/${tag}`, e.epoch, e.agreement)
          ctx.metric(`kl_teacher_student/${tag}`, e.epoch, e.kl)
        },
        progress: (b, total, epoch) => ctx.progress(0.05 + (0.94 * (j + (epoch + b / total) / spec.epochs)) / jobs.length, `${tag}: epoch ${epoch + 1}/${spec.epochs}`),
      }),
    )
    r.model.dispose()
    if (r.cancelled) throw new CancelledError()
    runs.push({ loss: job.loss, seed: job.seed, history: r.history })
    const f = r.history.at(-1)!
    ctx.log('info', `${tag}: accuracy ${(100 * f.studentAccuracy).toFixed(2)} %, agreement ${(100 * f.agreement).toFixed(2)} %, KL ${f.kl.toFixed(4)}`)
  }
  const table: StudyRow[] = spec.losses.map((loss) => {
    const finals = runs.filter((r) => r.loss === loss).map((r) => r.history.at(-1)!)
    return {
      loss,
      params: effectiveParams(loss, spec.params),
      runs: finals.length,
      accuracy: meanSd(finals.map((f) => f.studentAccuracy)),
      agreement: meanSd(finals.map((f) => f.agreement)),
      kl: meanSd(finals.map((f) => f.kl)),
    }
  })
  const report: DistillStudyReport = { teacher: d.teacher.description, teacherAccuracy, klTemperature: spec.klTemperature, ceWeight: spec.ceWeight, epochs: spec.epochs, seeds: spec.seeds, table, runs }
  ctx.artifacts.saveJson('distill-study', report)
  ctx.progress(1, 'done')
  return { used: { train: d.labels.length, test: d.labelsHeldOut.length }, teacherAccuracy, table, seconds: (performance.now() - started) / 1000 }
}
