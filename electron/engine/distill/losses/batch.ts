import { UserError } from '../../../../shared/errors'

// Inputs shared by every distillation loss: row-major logits (batch × classes), integer labels, and the checks
// that turn bad input into a clear error before any arithmetic (class counts, label range, NaN, T ≤ 0).

export interface LogitBatch {
  /** student logits, row-major [batch, classes] */
  student: ArrayLike<number>
  /** teacher logits [batch, classes]; absent for losses without a teacher (ce, uskd) */
  teacher?: ArrayLike<number>
  /** class index per row */
  labels: ArrayLike<number>
  batch: number
  classes: number
}

/** A loss value (batch mean) and its gradient with respect to the student logits, both in float64. */
export interface LossResult {
  loss: number
  /** ∂loss/∂z_s, row-major [batch, classes] */
  grad: Float64Array
}

export function checkTemperature(t: number): void {
  if (!(t > 0) || !Number.isFinite(t)) throw new UserError('bad_temperature', `temperature T = ${t}: it must be a finite number > 0`, 'Use e.g. T = 4 (Hinton KD, DKD) or T = 1 (NKD); the logits are divided by T.')
}

export function checkBatch(b: LogitBatch, needsTeacher: boolean): void {
  const { batch, classes } = b
  if (!Number.isInteger(batch) || batch < 1) throw new UserError('empty_batch', `the batch has ${batch} rows`, 'Pass at least one row of logits.')
  if (!Number.isInteger(classes) || classes < 2) throw new UserError('too_few_classes', `the logits have ${classes} class(es)`, 'Distillation losses need at least 2 classes: logits of shape [batch, C ≥ 2].')
  if (b.student.length !== batch * classes) throw new UserError('shape_mismatch', `the student logits hold ${b.student.length} values, expected ${batch} × ${classes}`, 'Student logits must have shape [batch, classes].')
  if (needsTeacher) {
    if (!b.teacher) throw new UserError('missing_teacher', 'this loss needs teacher logits', 'Pass the teacher logits (same shape as the student logits).')
    if (b.teacher.length !== batch * classes) {
      throw new UserError('class_mismatch', `teacher logits hold ${b.teacher.length} values but the student has ${batch} × ${classes}`, 'Teacher and student must output the same classes for the same rows: shapes [batch, C] must match.')
    }
  }
  if (b.labels.length !== batch) throw new UserError('row_mismatch', `${b.labels.length} labels for ${batch} rows of logits`, 'Give one integer class label per row.')
  for (let i = 0; i < batch; i++) {
    const y = b.labels[i]!
    if (!Number.isInteger(y) || y < 0 || y >= classes) throw new UserError('label_out_of_range', `label ${y} at row ${i} is not a class index in 0..${classes - 1}`, 'Labels are integer class indices smaller than the number of logit columns.')
  }
  checkFinite(b.student, classes, 'student logits')
  if (needsTeacher && b.teacher) checkFinite(b.teacher, classes, 'teacher logits')
}

function checkFinite(a: ArrayLike<number>, cols: number, what: string): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new UserError('non_finite', `the ${what} contain NaN or Inf (first at row ${Math.floor(i / cols)}, column ${i % cols})`, 'Check the model producing them (a diverged training run, or a NaN in the inputs).')
  }
}

/** log softmax(z[row]/T) over the columns where `keep` is true (all when absent), in float64; others get −∞. */
export function logSoftmaxRow(z: ArrayLike<number>, row: number, classes: number, t: number, out: Float64Array, keep?: (c: number) => boolean): Float64Array {
  const off = row * classes
  let max = -Infinity
  let arg = -1
  for (let c = 0; c < classes; c++) {
    if ((!keep || keep(c)) && z[off + c]! / t > max) {
      max = z[off + c]! / t
      arg = c
    }
  }
  // log(1 + Σ_{c≠argmax} e^{u_c − max}) by log1p: the log-probability of a dominant class stays exact (≈ −rest)
  let rest = 0
  for (let c = 0; c < classes; c++) if (c !== arg && (!keep || keep(c))) rest += Math.exp(z[off + c]! / t - max)
  const l1p = Math.log1p(rest)
  for (let c = 0; c < classes; c++) out[c] = !keep || keep(c) ? z[off + c]! / t - max - l1p : -Infinity
  return out
}

/** One row of a teacher loss: its label and log-probabilities (student ls, teacher lt; over the non-target classes qs, qt). */
export interface TeacherRow {
  y: number
  ls: Float64Array
  lt: Float64Array
  /** filled only when asked for (`nonTarget`); −∞ at the target */
  qs: Float64Array
  qt: Float64Array
}

/**
 * The frame every teacher loss's float64 form shares: checks the batch and T, then visits each row with the
 * student's and teacher's log-softmax at `full` (default T) and, with `nonTarget`, over the non-target classes
 * at T; returns the [batch, classes] gradient the visitor fills.
 */
export function eachTeacherRow(b: LogitBatch, t: number, opts: { full?: number; nonTarget?: boolean }, visit: (i: number, r: TeacherRow, grad: Float64Array) => void): Float64Array {
  checkBatch(b, true)
  checkTemperature(t)
  const { batch: B, classes: C } = b
  const grad = new Float64Array(B * C)
  const r: TeacherRow = { y: 0, ls: new Float64Array(C), lt: new Float64Array(C), qs: new Float64Array(C), qt: new Float64Array(C) }
  for (let i = 0; i < B; i++) {
    const y = (r.y = b.labels[i]!)
    logSoftmaxRow(b.student, i, C, opts.full ?? t, r.ls)
    logSoftmaxRow(b.teacher!, i, C, opts.full ?? t, r.lt)
    if (opts.nonTarget) {
      const notY = (c: number) => c !== y
      logSoftmaxRow(b.student, i, C, t, r.qs, notY)
      logSoftmaxRow(b.teacher!, i, C, t, r.qt, notY)
    }
    visit(i, r, grad)
  }
  return grad
}

/** Backprop through softmax(u): given g = ∂L/∂p and p, writes ∂L/∂u_j = p_j (g_j − Σ_c p_c g_c), scaled, into out[off..]. */
export function softmaxBackward(p: Float64Array, g: Float64Array, classes: number, scale: number, out: Float64Array, off: number): void {
  let dot = 0
  for (let c = 0; c < classes; c++) if (p[c]! > 0) dot += p[c]! * g[c]!
  for (let c = 0; c < classes; c++) out[off + c] = out[off + c]! + (p[c]! > 0 ? scale * p[c]! * (g[c]! - dot) : 0)
}
