import { UserError } from '../../../shared/errors'
import { lossValue64, withDefaults, type LossParams } from '../../engine/distill/losses/index'
import { readNpy } from '../../engine/io/npy'
import type { CliArgs } from '../command'
import { inputFile, number as num, oneOf, str } from '../flags'

const KINDS = ['ce', 'kd', 'nkd', 'dkd', 'topkld'] as const
const USAGE_LINE = 'Usage: ntkw loss --kind ce|kd|nkd|dkd|topkld --student ZS.npy --teacher ZT.npy --labels Y.npy [...]'
const INPUTS = 'logits are .npy arrays [n, C] (float32 or float64), labels [n] integer class indices or [n, C] one-hot'

function logits(path: string, what: string): { data: Float64Array; rows: number; cols: number } {
  const a = readNpy(path)
  if (a.shape.length !== 2) throw new UserError('bad_shape', `${what} ${path}: expected a 2-D array [n, C], got shape (${a.shape.join(', ')})`, 'Save the logits as one row per example and one column per class.')
  return { data: Float64Array.from(a.data as ArrayLike<number | bigint>, (v) => Number(v)), rows: a.shape[0]!, cols: a.shape[1]! }
}

/** integer class indices [n] / [n, 1], or one row per example over the classes (one-hot or soft: argmax) */
function labels(path: string, classes: number): Float64Array {
  const a = readNpy(path)
  const v = Float64Array.from(a.data as ArrayLike<number | bigint>, (x) => Number(x))
  if (a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1)) return v
  if (a.shape.length === 2 && a.shape[1] === classes) {
    const n = a.shape[0]!
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      let best = 0
      for (let c = 1; c < classes; c++) if (v[i * classes + c]! > v[i * classes + best]!) best = c
      out[i] = best
    }
    return out
  }
  throw new UserError('bad_shape', `labels ${path}: shape (${a.shape.join(', ')}) is neither [n] class indices nor [n, ${classes}] one-hot`, 'Save integer class labels as a 1-D array, or one-hot rows with one column per class.')
}

export async function run({ values, io }: CliArgs): Promise<number> {
  if (str(values.kind) === undefined) throw new UserError('usage', '--kind is required', `One of: ${KINDS.join(', ')}`)
  const kind = oneOf('kind', str(values.kind), KINDS, 'kd')
  const zs = logits(inputFile('student', str(values.student), USAGE_LINE, INPUTS), 'student logits')
  const teacherPath = kind === 'ce' && str(values.teacher) === undefined ? undefined : inputFile('teacher', str(values.teacher), USAGE_LINE, INPUTS)
  const zt = teacherPath ? logits(teacherPath, 'teacher logits') : undefined
  if (zt && zt.cols !== zs.cols) throw new UserError('class_mismatch', `the teacher has ${zt.cols} classes but the student has ${zs.cols}`, 'Teacher and student logits must cover the same classes in the same order: shapes [n, C] with equal C.')
  if (zt && zt.rows !== zs.rows) throw new UserError('row_mismatch', `the teacher logits have ${zt.rows} rows but the student logits have ${zs.rows}`, 'Both must hold the logits of the same examples, one row each.')
  const y = labels(inputFile('labels', str(values.labels), USAGE_LINE, INPUTS), zs.cols)
  const given: Partial<LossParams> = {}
  const set = (key: keyof LossParams, flag: string, check: (n: number) => boolean, what: string, ex: string) => {
    const v = num(flag, str(values[flag]), check, what, ex)
    if (v !== undefined) given[key] = v
  }
  set('temperature', 'temperature', (n) => n > 0, 'a number > 0 (the softmax temperature)', '4')
  set('alpha', 'alpha', (n) => n >= 0, 'a number ≥ 0', '0.9')
  set('beta', 'beta', (n) => n >= 0, 'a number ≥ 0', '8')
  set('gamma', 'gamma', (n) => n >= 0, 'a number ≥ 0', '1.5')
  set('k', 'k', (n) => Number.isInteger(n) && n >= 1, 'an integer ≥ 1', '5')
  set('lambda', 'lambda', (n) => n >= 0, 'a number ≥ 0', '1')
  const r = lossValue64(kind, { student: zs.data, teacher: zt?.data, labels: y, batch: zs.rows, classes: zs.cols }, withDefaults(kind, given))
  io.out(`${JSON.stringify({ loss: r.loss })}\n`)
  return 0
}
