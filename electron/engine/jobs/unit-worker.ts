import type { DistillStudentJob, DistillStudentOutcome } from '../../../shared/cluster'
import { serveRequests } from '../runtime/serve-thread'
import { distillStudent } from '../distill/kd/train'
import { studentOptions } from './kinds/distill-common'
import { quantizeCellOn } from './quantize-unit'
import type { UnitReply, UnitRequest } from './unit-protocol'

// A study/sweep unit thread of `ntkw worker` (issue 20): one distillation student or one quantization cell,
// computed with the code the local job runs (studentOptions + distillStudent, quantizeCellOn) off the
// worker's main thread, so BullMQ's lock renewal never waits for a long unit. Its own tfjs backend,
// initialised on the first request.
const never = new AbortController().signal

async function distill(job: DistillStudentJob, a: Record<string, Float32Array>): Promise<DistillStudentOutcome> {
  const i = job.inputs
  const d = {
    xTrain: { data: a.x!, rows: i.x.rows, cols: i.x.cols },
    labels: Int32Array.from(a.labels!),
    xHeldOut: { data: a.xHeldOut!, rows: i.xHeldOut.rows, cols: i.xHeldOut.cols },
    labelsHeldOut: Int32Array.from(a.labelsHeldOut!),
    k: job.k,
    rowShape: job.rowShape,
    teacher: { train: a.teacher!, heldOut: a.teacherHeldOut! },
  }
  const r = await distillStudent(studentOptions(d, job.spec, { yield: async () => {}, signal: never }, { loss: job.spec.loss, seed: job.spec.seed, progress: () => {} }))
  r.model.dispose()
  return { history: r.history }
}

serveRequests<UnitRequest>('unit-worker.ts', async (m, active) => {
  const t0 = performance.now()
  const outcome = m.job.kind === 'distill-student' ? await distill(m.job, m.arrays) : await quantizeCellOn(m.job, m.arrays, m.blobs)
  const reply: UnitReply = { type: 'unit', id: m.id, outcome, backend: active, computeMs: performance.now() - t0 }
  return { reply }
})
