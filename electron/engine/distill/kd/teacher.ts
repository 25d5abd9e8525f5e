import type { DistillTeacher } from '../../../../shared/jobs/distill'
import { UserError } from '../../../../shared/errors'
import type { Matrix } from '../../core/matrix'
import type { ModelSink } from '../../core/job'
import { inputTensor } from '../../models/data'
import { predictLogits } from '../../models/evaluate'
import { inputShapeOf, outputUnitsOf } from '../../models/io'
import { loadStored } from '../../models/stored'
import { predictInfiniteWidth } from '../../ntk/predict'
import { analyticArchOf } from '../../ntk/kernel-arch'

// Teacher logits on the training rows (what the student is distilled from) and on the held-out rows (for
// teacher accuracy, agreement and KL), computed once per job.

export interface TeacherLogits {
  train: Float32Array
  heldOut: Float32Array
  k: number
  /** for the run's log and the student's metadata */
  description: string
  parentModelId?: string
}

function oneHot(labels: Int32Array, k: number): Matrix {
  const d = new Float32Array(labels.length * k)
  labels.forEach((c, i) => (d[i * k + c] = 1))
  return { data: d, rows: labels.length, cols: k }
}

export async function teacherLogits(
  t: DistillTeacher,
  data: { xTrain: Matrix; labels: Int32Array; xHeldOut: Matrix; k: number },
  env: { models?: ModelSink; signal?: AbortSignal; progress?: (f: number, msg: string) => void; yieldNow?: () => Promise<void> },
): Promise<TeacherLogits> {
  if (t.type === 'model') {
    if (!env.models) throw new UserError('no_model_store', 'this run has no model store to load the teacher from', 'Run distillation inside a project (the app, or ntkw run --project P.ntkw).')
    const model = await loadStored(env.models.load(t.modelId))
    try {
      const k = outputUnitsOf(model)
      if (k !== data.k) throw new UserError('class_mismatch', `the teacher model has ${k} outputs but the dataset has ${data.k} classes`, 'Pick a teacher trained on the same classes (one output per class, in the same order).')
      const shape = inputShapeOf(model)
      const run = (m: Matrix): Float32Array => {
        const x = inputTensor({ data: m.data, shape: [m.rows, m.cols] }, shape, 'x')
        try {
          return predictLogits(model, x)
        } finally {
          x.dispose()
        }
      }
      return { train: run(data.xTrain), heldOut: run(data.xHeldOut), k, description: `model ${t.modelId}`, parentModelId: t.modelId }
    } finally {
      model.dispose()
    }
  }
  // kernel machine: ridge regression on one-hot targets; z_t = f / temperature
  const out = await predictInfiniteWidth({
    xTrain: data.xTrain,
    yTrain: oneHot(data.labels, data.k),
    xTest: data.xHeldOut,
    // an ARCH.json network is planned for the rows here, before any work (a bad layer is named)
    arch: 'net' in t.arch ? analyticArchOf(t.arch, data.xTrain) : { ...t.arch, width: 'inf' },
    kernel: t.kernel,
    learningRate: 1,
    diagReg: t.diagReg,
    variance: false,
    ...(env.signal ? { signal: env.signal } : {}),
    ...(env.progress ? { progress: env.progress } : {}),
    ...(env.yieldNow ? { yieldNow: env.yieldNow } : {}),
  })
  const scale = 1 / t.temperature
  const scaled = (a: Float32Array) => Float32Array.from(a, (v) => v * scale)
  return { train: scaled(out.train), heldOut: scaled(out.test), k: data.k, description: `${t.kernel.toUpperCase()} kernel machine (diag_reg ${t.diagReg}, logits = f/${t.temperature})` }
}
