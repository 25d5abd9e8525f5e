import type { DistillStudentJob, DistillStudentOutcome } from '../../../shared/cluster'
import { serveRequests } from '../runtime/serve-thread'
import { CancelledError } from '../core/cancel'
import { distillStudent } from '../distill/kd/train'
import { studentOptions } from './kinds/distill-common'
import { quantizeCellOn } from './quantize-unit'
import type { UnitReply, UnitRequest } from './unit-protocol'

// A study/sweep unit thread of `ntkw worker` (issue 20): one distillation student or one quantization cell,
// computed with the code the local job runs (studentOptions + distillStudent, quantizeCellOn) off the
// worker's main thread, so BullMQ's lock renewal never waits for a long unit. Its own tfjs backend,
// initialised on the first request.
async function distill(job: DistillStudentJob, a: Record<string, Float32Array>, signal: AbortSignal): Promise<DistillStudentOutcome> {
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
  // yielding to the event loop (every ~50 ms) lets an abort message in: a cancelled run's student stops
  const yieldNow = (): Promise<void> => new Promise((r) => setImmediate(r))
  const r = await distillStudent(studentOptions(d, job.spec, { yield: yieldNow, signal }, { loss: job.spec.loss, seed: job.spec.seed, progress: () => {} }))
  r.model.dispose()
  if (r.cancelled) throw new CancelledError()
  return { history: r.history }
}

serveRequests<UnitRequest>('unit-worker.ts', async (m, active, signal) => {
  const t0 = performance.now()
  const outcome = m.job.kind === 'distill-student' ? await distill(m.job, m.arrays, signal) : await quantizeCellOn(m.job, m.arrays, m.blobs)
  const reply: UnitReply = { type: 'unit', id: m.id, outcome, backend: active, computeMs: performance.now() - t0 }
  return { reply }
})
