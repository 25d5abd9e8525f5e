import type { JobRunner } from '../../core/job'
import type { DistillEpoch, DistillStudyReport, StudyRun, StudyRow } from '../../../../shared/jobs/results'
import { DISTILL_JOB_KIND } from '../../../../shared/cluster'
import { DistillStudentSpec } from '../../../../shared/jobs/distill'
import { startRemoteUnits, type UnitArray } from '../../core/remote-tiles'
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

/** the float32 matrix a worker receives (the local path converts float64 rows to float32 the same way) */
function f32(m: { data: Float32Array | Float64Array; rows: number; cols: number }): UnitArray {
  const n = m.rows * m.cols
  return { data: m.data instanceof Float32Array ? m.data.subarray(0, n) : Float32Array.from(m.data.subarray(0, n)), rows: m.rows, cols: m.cols }
}

export const run: JobRunner<'distill-study'> = async (spec, ctx) => {
  const started = performance.now()
  const d = await prepareDistill(spec, ctx, 0.05)
  const teacherAccuracy = heldOutMetrics(d.teacher.heldOut, d.teacher.heldOut, d.labelsHeldOut, d.k, spec.klTemperature).teacherAccuracy
  const jobs = spec.losses.flatMap((loss) => Array.from({ length: spec.seeds }, (_, i) => ({ loss, seed: spec.seed + i })))
  // through --redis / Settings ▸ Compute: one queue job per (loss, seed), trained by the workers with the
  // code below (studentOptions, distillStudent) on the teacher logits computed here once; the loop takes the
  // histories in its own order, so the report is the local run's
  const studentKeys = DistillStudentSpec.keyof().options
  const remote = ctx.remote
    ? startRemoteUnits(ctx.remote, {
        kind: DISTILL_JOB_KIND,
        arrays: {
          x: f32(d.xTrain),
          labels: { data: Float32Array.from(d.labels), rows: d.labels.length, cols: 1 },
          teacher: { data: d.teacher.train, rows: d.labels.length, cols: d.k },
          xHeldOut: f32(d.xHeldOut),
          labelsHeldOut: { data: Float32Array.from(d.labelsHeldOut), rows: d.labelsHeldOut.length, cols: 1 },
          teacherHeldOut: { data: d.teacher.heldOut, rows: d.labelsHeldOut.length, cols: d.k },
        },
        blobs: {},
        units: jobs.map((job) => ({ k: d.k, rowShape: d.rowShape, spec: DistillStudentSpec.parse(Object.fromEntries(studentKeys.map((key) => [key, { ...spec, ...job }[key]]))) })),
      }, ctx.signal)
    : null
  const runs: StudyRun[] = []
  let finished = false
  try {
    for (const [j, job] of jobs.entries()) {
      ctx.throwIfCancelled()
      const tag = `${job.loss} seed ${job.seed}`
      const onEpoch = (e: DistillEpoch): void => {
        ctx.metric(`student_accuracy/${tag}`, e.epoch, e.studentAccuracy)
        ctx.metric(`agreement/${tag}`, e.epoch, e.agreement)
        ctx.metric(`kl_teacher_student/${tag}`, e.epoch, e.kl)
      }
      let history: DistillEpoch[]
      if (remote) {
        ctx.progress(0.05 + (0.94 * j) / jobs.length, `${tag}: on a worker`)
        history = (await remote.get(j)).history
        history.forEach(onEpoch)
      } else {
        const r = await distillStudent(
          studentOptions(d, spec, ctx, {
            loss: job.loss,
            seed: job.seed,
            onEpoch,
            progress: (b, total, epoch) => ctx.progress(0.05 + (0.94 * (j + (epoch + b / total) / spec.epochs)) / jobs.length, `${tag}: epoch ${epoch + 1}/${spec.epochs}`),
          }),
        )
        r.model.dispose()
        if (r.cancelled) throw new CancelledError()
        history = r.history
      }
      runs.push({ loss: job.loss, seed: job.seed, history })
      const f = history.at(-1)!
      ctx.log('info', `${tag}: accuracy ${(100 * f.studentAccuracy).toFixed(2)} %, agreement ${(100 * f.agreement).toFixed(2)} %, KL ${f.kl.toFixed(4)}`)
    }
    await remote?.done
    finished = true
  } finally {
    if (!finished) remote?.stop()
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
