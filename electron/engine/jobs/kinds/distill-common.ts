import type { JobSpecOf } from '../../../../shared/index'
import type { DistillStudentSpec } from '../../../../shared/jobs/distill'
import { UserError } from '../../../../shared/errors'
import { yieldEvery, type JobContext } from '../../core/job'
import type { Matrix } from '../../core/matrix'
import { argmaxRows } from '../../core/metrics'
import { loadLabData } from '../../lab/data'
import { teacherLogits, type TeacherLogits } from '../../distill/kd/teacher'
import type { DistillRunOptions } from '../../distill/kd/train'

// Data and teacher shared by the 'distill' and 'distill-study' jobs: the dataset's train part is what the
// student learns from, its test part is the held-out set every per-epoch metric is measured on.

export interface DistillData {
  xTrain: Matrix
  labels: Int32Array
  xHeldOut: Matrix
  labelsHeldOut: Int32Array
  k: number
  rowShape: number[]
  teacher: TeacherLogits
}

export async function prepareDistill(spec: JobSpecOf<'distill'> | JobSpecOf<'distill-study'>, ctx: JobContext, progressTo: number): Promise<DistillData> {
  const d = await loadLabData(ctx, spec.data)
  if (d.k < 2) throw new UserError('needs_classes', 'distillation needs a classification dataset (one-hot targets with ≥ 2 classes)', 'Import the dataset with task classification, or pick another one.')
  const labels = argmaxRows(d.yTrain.data, d.yTrain.rows, d.k)
  const labelsHeldOut = argmaxRows(d.yTest.data, d.yTest.rows, d.k)
  const rowShape = spec.inputShape ?? [d.xTrain.cols]
  if (rowShape.reduce((a, b) => a * b, 1) !== d.xTrain.cols) throw new UserError('shape_mismatch', `inputShape [${rowShape.join(', ')}] does not hold the ${d.xTrain.cols} features of a row`, 'Give the shape of one row, e.g. [28, 28, 1] for flattened 28×28 images, or leave it out.')
  ctx.progress(0, 'teacher logits')
  const teacher = await teacherLogits(spec.teacher, { xTrain: d.xTrain, labels, xHeldOut: d.xTest, k: d.k }, {
    ...(ctx.models ? { models: ctx.models } : {}),
    signal: ctx.signal,
    progress: (f, msg) => ctx.progress(progressTo * f, `teacher: ${msg}`),
    yieldNow: async () => {
      await ctx.yield()
      ctx.throwIfCancelled()
    },
  })
  ctx.log('info', `teacher: ${teacher.description}`)
  return { xTrain: d.xTrain, labels, xHeldOut: d.xTest, labelsHeldOut, k: d.k, rowShape, teacher }
}

/** the training settings every student of a job shares (a distill or distill-study spec, a worker's unit) */
type StudentSettings = Omit<DistillStudentSpec, 'loss' | 'seed'>

/**
 * One student's training options, the same for both jobs and for an `ntkw worker`'s distill-student unit but
 * for the loss, the seed, what is recorded per epoch and how progress reads; yields to the engine's messages
 * every ~50 ms, stops on cancel.
 */
export function studentOptions(
  d: Omit<DistillData, 'teacher'> & { teacher: Pick<TeacherLogits, 'train' | 'heldOut'> },
  spec: StudentSettings,
  ctx: Pick<JobContext, 'yield' | 'signal'>,
  run: Pick<DistillRunOptions, 'loss' | 'seed' | 'onEpoch'> & { progress: (batch: number, total: number, epoch: number) => void },
): DistillRunOptions {
  const maybeYield = yieldEvery(ctx)
  return {
    x: d.xTrain,
    labels: d.labels,
    teacherTrain: d.teacher.train,
    xHeldOut: d.xHeldOut,
    labelsHeldOut: d.labelsHeldOut,
    teacherHeldOut: d.teacher.heldOut,
    k: d.k,
    rowShape: d.rowShape,
    student: spec.student,
    loss: run.loss,
    params: spec.params,
    ceWeight: spec.ceWeight,
    warmupEpochs: spec.warmupEpochs,
    klTemperature: spec.klTemperature,
    epochs: spec.epochs,
    batchSize: spec.batchSize,
    optimizer: spec.optimizer,
    learningRate: spec.learningRate,
    seed: run.seed,
    ...(run.onEpoch ? { onEpoch: run.onEpoch } : {}),
    onBatch: async (b, total, epoch) => {
      run.progress(b, total, epoch)
      await maybeYield()
    },
    isCancelled: () => ctx.signal.aborted,
  }
}
