import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { lossTf, lossValue64, withDefaults, type TeacherLossKind } from '../../../electron/engine/distill/losses/index'
import { uskd64, uskdSoftLabels, uskdTf } from '../../../electron/engine/distill/losses/uskd'
import { UserError } from '../../../shared/errors'
import { centralDifferences } from '../../helpers/finite-diff'

beforeAll(async () => {
  await initBackend()
})

// ---- an independent float64 reference: explicit probability vectors, no shared helpers ----
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}
function randomBatch(B: number, C: number, seed: number, scale = 3) {
  const r = rng(seed)
  const student = Array.from({ length: B * C }, () => (r() - 0.5) * 2 * scale)
  const teacher = Array.from({ length: B * C }, () => (r() - 0.5) * 2 * scale)
  const labels = Array.from({ length: B }, () => Math.floor(r() * C))
  return { student, teacher, labels, batch: B, classes: C }
}
const row = (z: number[], i: number, C: number) => z.slice(i * C, (i + 1) * C)
function softmax(v: number[], t = 1): number[] {
  const e = v.map((x) => Math.exp(x / t))
  const s = e.reduce((a, b) => a + b, 0)
  return e.map((x) => x / s)
}
function kl(p: number[], q: number[]): number {
  let s = 0
  for (let i = 0; i < p.length; i++) if (p[i]! > 0) s += p[i]! * Math.log(p[i]! / q[i]!)
  return s
}
const without = (v: number[], y: number) => v.filter((_, c) => c !== y)
type B = ReturnType<typeof randomBatch>

function refCe(b: B): number {
  let s = 0
  for (let i = 0; i < b.batch; i++) s -= Math.log(softmax(row(b.student, i, b.classes))[b.labels[i]!]!)
  return s / b.batch
}
function refKd(b: B, T: number, a: number): number {
  let s = 0
  for (let i = 0; i < b.batch; i++) s += kl(softmax(row(b.teacher, i, b.classes), T), softmax(row(b.student, i, b.classes), T))
  return (a * T * T * s) / b.batch
}
function refNkd(b: B, T: number, g: number): number {
  let s = 0
  for (let i = 0; i < b.batch; i++) {
    const y = b.labels[i]!
    const zs = row(b.student, i, b.classes)
    const zt = row(b.teacher, i, b.classes)
    s -= softmax(zt)[y]! * Math.log(softmax(zs)[y]!)
    const qs = softmax(without(zs, y), T)
    const qt = softmax(without(zt, y), T)
    let ce = 0
    for (let k = 0; k < qs.length; k++) ce -= qt[k]! * Math.log(qs[k]!)
    s += g * T * T * ce
  }
  return s / b.batch
}
function refTckd(zs: number[], zt: number[], y: number, T: number): number {
  const ps = softmax(zs, T)[y]!
  const pt = softmax(zt, T)[y]!
  return kl([pt, 1 - pt], [ps, 1 - ps])
}
function refDkd(b: B, T: number, a: number, beta: number): number {
  let s = 0
  for (let i = 0; i < b.batch; i++) {
    const y = b.labels[i]!
    const zs = row(b.student, i, b.classes)
    const zt = row(b.teacher, i, b.classes)
    s += a * refTckd(zs, zt, y, T) + beta * kl(softmax(without(zt, y), T), softmax(without(zs, y), T))
  }
  return (T * T * s) / b.batch
}
function refTopkld(b: B, T: number, k: number, lambda: number): number {
  let s = 0
  for (let i = 0; i < b.batch; i++) {
    const zs = row(b.student, i, b.classes)
    const zt = row(b.teacher, i, b.classes)
    const ps = softmax(zs, T)
    const pt = softmax(zt, T)
    const order = zt.map((v, c) => [v, c] as const).sort((x, y2) => y2[0] - x[0]).map((x) => x[1])
    const head = new Set(order.slice(0, k))
    for (let c = 0; c < b.classes; c++) {
      if (head.has(c)) s += pt[c]! * Math.log(pt[c]! / ps[c]!) - pt[c]! + ps[c]!
      else s += lambda * (ps[c]! * Math.log(ps[c]! / pt[c]!) - ps[c]! + pt[c]!)
    }
  }
  return (T * T * s) / b.batch
}

const T_CASES: Record<TeacherLossKind, { p: Parameters<typeof withDefaults>[1]; ref: (b: B) => number }> = {
  ce: { p: {}, ref: refCe },
  kd: { p: { temperature: 3, alpha: 0.7 }, ref: (b) => refKd(b, 3, 0.7) },
  nkd: { p: { temperature: 2, gamma: 1.5 }, ref: (b) => refNkd(b, 2, 1.5) },
  dkd: { p: { temperature: 4, alpha: 1.3, beta: 8 }, ref: (b) => refDkd(b, 4, 1.3, 8) },
  topkld: { p: { temperature: 2.5, k: 3, lambda: 0.6 }, ref: (b) => refTopkld(b, 2.5, 3, 0.6) },
}

function fdGrad(f: (z: number[]) => number, z: number[], h = 1e-5): number[] {
  return Array.from(centralDifferences(f, z, h))
}
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!))
  return m
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!))
  return m
}

describe('distillation losses: values against an independent float64 loop', () => {
  for (const kind of Object.keys(T_CASES) as TeacherLossKind[]) {
    it(`${kind}: value matches the reference; gradient matches finite differences`, () => {
      const { p, ref } = T_CASES[kind]
      for (const [Bn, C, seed] of [[7, 10, 1], [5, 4, 2], [3, 2, 3]] as const) {
        const b = randomBatch(Bn, C, seed)
        const params = withDefaults(kind, p)
        const r = lossValue64(kind, b, params)
        expect(Math.abs(r.loss - ref(b))).toBeLessThan(1e-10 * Math.max(1, Math.abs(ref(b))))
        const fd = fdGrad((z) => ref({ ...b, student: z }), b.student)
        expect(maxAbsDiff(r.grad, fd)).toBeLessThan(1e-7 * Math.max(1, maxAbs(fd)))
      }
    })
  }

  it('the tfjs forms give the same values, and their autodiff gradients equal the analytic float64 ones', () => {
    const before = tf.memory().numTensors
    for (const kind of Object.keys(T_CASES) as TeacherLossKind[]) {
      const b = randomBatch(6, 10, 11)
      const params = withDefaults(kind, T_CASES[kind].p)
      const r = lossValue64(kind, b, params)
      const zt = tf.tensor2d(b.teacher, [6, 10])
      const oh = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(b.labels, 'int32'), 10), 'float32') as tf.Tensor2D)
      const zs = tf.tensor2d(b.student, [6, 10])
      const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => lossTf(kind, z as tf.Tensor2D, zt, oh, params))(zs)
      expect(Math.abs(value.dataSync()[0]! - r.loss)).toBeLessThan(2e-5 * Math.max(1, Math.abs(r.loss)))
      expect(maxAbsDiff(grad.dataSync(), r.grad)).toBeLessThan(2e-5 * Math.max(1, maxAbs(r.grad)))
      tf.dispose([value, grad, zt, oh, zs])
    }
    expect(tf.memory().numTensors).toBe(before)
  })

  it('stays finite and exact with large logit gaps (float64 log-sum-exp, no 1 − p(y) cancellation)', () => {
    const b = { student: [40, 0, -3, 1], teacher: [60, -5, 2, 0], labels: [0], batch: 1, classes: 4 }
    for (const kind of Object.keys(T_CASES) as TeacherLossKind[]) {
      const r = lossValue64(kind, b, withDefaults(kind, { temperature: 1 }))
      expect(Number.isFinite(r.loss)).toBe(true)
      expect([...r.grad].every(Number.isFinite)).toBe(true)
    }
    // DKD's TCKD at p(y) ≈ 1 − 4e-18: KL([1 − ε_t, ε_t] ‖ [1 − ε_s, ε_s]) ≈ ε_s − ε_t + ε_t log(ε_t/ε_s), all from
    // the non-target masses ε (a naive 1 − p(y) would round to 0 and give 0 or a negative value)
    const rest = (z: number[], y: number) => z.reduce((s, v, c) => (c === y ? s : s + Math.exp(v - z[y]!)), 0)
    const es = rest(b.student, 0)
    const et = rest(b.teacher, 0)
    const d = lossValue64('dkd', b, withDefaults('dkd', { temperature: 1, alpha: 1, beta: 0 }))
    expect(d.loss / (es - et + et * Math.log(et / es))).toBeCloseTo(1, 6)
  })
})

describe('reductions', () => {
  it('dkd with β = 0 is TCKD only', () => {
    const b = randomBatch(9, 10, 5)
    const T = 4
    let tckd = 0
    for (let i = 0; i < b.batch; i++) tckd += refTckd(row(b.student, i, 10), row(b.teacher, i, 10), b.labels[i]!, T)
    const r = lossValue64('dkd', b, withDefaults('dkd', { temperature: T, alpha: 1, beta: 0 }))
    expect(r.loss).toBeCloseTo((T * T * tckd) / b.batch, 12)
  })

  it('topkld with k = C and λ = 0 equals kd with α = 1 (values and gradients)', () => {
    const b = randomBatch(8, 10, 6)
    const a = lossValue64('topkld', b, withDefaults('topkld', { temperature: 3, k: 10, lambda: 0 }))
    const k = lossValue64('kd', b, withDefaults('kd', { temperature: 3, alpha: 1 }))
    expect(Math.abs(a.loss - k.loss)).toBeLessThan(1e-12)
    expect(maxAbsDiff(a.grad, k.grad)).toBeLessThan(1e-12)
  })

  it('topkld is zero with zero gradient when the student equals the teacher, for any k and λ', () => {
    const b = randomBatch(4, 10, 7)
    const same = { ...b, student: b.teacher }
    for (const [k, lambda] of [[1, 0], [3, 1], [5, 2.5], [9, 0.3]] as const) {
      const r = lossValue64('topkld', same, withDefaults('topkld', { temperature: 2, k, lambda }))
      expect(Math.abs(r.loss)).toBeLessThan(1e-12)
      expect(maxAbs(r.grad)).toBeLessThan(1e-12)
    }
  })

  it("nkd's non-target term is a cross-entropy: at student = teacher it is γT²·H(teacher's non-target distribution), its minimum", () => {
    const b = randomBatch(6, 10, 8)
    const T = 2
    const gamma = 1.5
    const same = { ...b, student: b.teacher }
    // subtract the target term (independent: −p_t(y) log p_s(y) with p_s = p_t)
    let target = 0
    let entropy = 0
    for (let i = 0; i < b.batch; i++) {
      const y = b.labels[i]!
      const pt = softmax(row(b.teacher, i, 10))[y]!
      target -= pt * Math.log(pt)
      const q = softmax(without(row(b.teacher, i, 10), y), T)
      entropy -= q.reduce((s, v) => s + v * Math.log(v), 0)
    }
    const p = withDefaults('nkd', { temperature: T, gamma })
    const atTeacher = lossValue64('nkd', same, p).loss - target / b.batch
    expect(atTeacher).toBeCloseTo((gamma * T * T * entropy) / b.batch, 12)
    // moving only the student's non-target logits can only raise the non-target term
    const r = rng(99)
    for (let trial = 0; trial < 20; trial++) {
      const moved = b.teacher.map((v, j) => (j % 10 === b.labels[Math.floor(j / 10)] ? v : v + (r() - 0.5)))
      const non = lossValue64('nkd', { ...b, student: moved }, p).loss - target / b.batch
      expect(non).toBeGreaterThan(atTeacher)
    }
  })
})

describe('uskd', () => {
  function refUskd(b: B, weak: number[], a: number, beta: number, mu: number): number {
    const C = b.classes
    const s = Array.from({ length: b.batch }, (_, i) => softmax(row(b.student, i, C)))
    const w = Array.from({ length: b.batch }, (_, i) => softmax(row(weak, i, C)))
    const meanSq = s.reduce((acc, si, i) => acc + si[b.labels[i]!]! ** 2, 0) / b.batch
    let lt = 0
    let ln = 0
    let lw = 0
    for (let i = 0; i < b.batch; i++) {
      const y = b.labels[i]!
      lt -= (s[i]![y]! ** 2 + 1 - meanSq) * Math.log(s[i]![y]!)
      const score = Array.from({ length: C }, (_, c) => w[i]![c]! / (1 - w[i]![y]! + 1e-6) + s[i]![c]! / (1 - s[i]![y]! + 1e-6))
      const order = score.map((v, c) => [v, c] as const).sort((x, z) => z[0] - x[0]).map((x) => x[1])
      const zipf = new Array<number>(C).fill(0)
      order.forEach((c, r) => (zipf[c] = 1 / (r + 1)))
      const nz = without(zipf, y)
      const tot = nz.reduce((x, v) => x + v, 0)
      const q = softmax(without(row(b.student, i, C), y))
      for (let k = 0; k < C - 1; k++) ln -= (nz[k]! / tot) * Math.log(q[k]!)
      for (let c = 0; c < C; c++) lw -= ((c === y ? 0.9 : 0) + 0.1 / C) * Math.log(w[i]![c]!)
    }
    return (a * lt + beta * ln + mu * lw) / b.batch
  }

  it('value matches the reference loop; gradients (soft labels held constant) match the tfjs autodiff form', () => {
    const b = randomBatch(8, 10, 21)
    const weak = randomBatch(8, 10, 22).student
    const p = { alpha: 1, beta: 0.1, mu: 0.005 }
    const r = uskd64({ ...b, weak }, p)
    expect(Math.abs(r.loss - refUskd(b, weak, 1, 0.1, 0.005))).toBeLessThan(1e-10)
    const soft = uskdSoftLabels(Float64Array.from(b.student), Float64Array.from(weak), b.labels, 8, 10)
    const before = tf.memory().numTensors
    tf.tidy(() => {
      const oh = tf.cast(tf.oneHot(tf.tensor1d(b.labels, 'int32'), 10), 'float32') as tf.Tensor2D
      const st = { targetWeight: tf.tensor1d(soft.targetWeight), zipf: tf.tensor2d(soft.zipf, [8, 10]) }
      const g = tf.grads((zs: tf.Tensor, zw: tf.Tensor) => uskdTf(zs as tf.Tensor2D, zw as tf.Tensor2D, oh, st, p))([tf.tensor2d(b.student, [8, 10]), tf.tensor2d(weak, [8, 10])])
      expect(maxAbsDiff(g[0]!.dataSync(), r.grad)).toBeLessThan(1e-6)
      expect(maxAbsDiff(g[1]!.dataSync(), r.gradWeak)).toBeLessThan(1e-7)
    })
    expect(tf.memory().numTensors).toBe(before)
  })

  it('the gradient is the finite difference of the loss with the soft labels frozen (as .detach() in cls_KD)', () => {
    const b = randomBatch(5, 6, 31)
    const weak = randomBatch(5, 6, 32).student
    const p = { alpha: 1, beta: 0.1, mu: 0.005 }
    const r = uskd64({ ...b, weak }, p)
    const soft = uskdSoftLabels(Float64Array.from(b.student), Float64Array.from(weak), b.labels, 5, 6)
    // frozen-label loss written out independently
    const frozen = (zs: number[], zw: number[]) => {
      let s = 0
      for (let i = 0; i < 5; i++) {
        const y = b.labels[i]!
        s -= p.alpha * soft.targetWeight[i]! * Math.log(softmax(row(zs, i, 6))[y]!)
        const q = softmax(without(row(zs, i, 6), y))
        const nz = without(Array.from(soft.zipf.subarray(i * 6, i * 6 + 6)), y)
        for (let k = 0; k < 5; k++) s -= p.beta * nz[k]! * Math.log(q[k]!)
        const w = softmax(row(zw, i, 6))
        for (let c = 0; c < 6; c++) s -= p.mu * ((c === y ? 0.9 : 0) + 0.1 / 6) * Math.log(w[c]!)
      }
      return s / 5
    }
    // the frozen labels are float32 copies: compare at float32 level
    expect(maxAbsDiff(r.grad, fdGrad((z) => frozen(z, weak), b.student))).toBeLessThan(1e-6)
    expect(maxAbsDiff(r.gradWeak, fdGrad((z) => frozen(b.student, z), weak))).toBeLessThan(1e-8)
  })
})

describe('bad input', () => {
  const b = randomBatch(3, 5, 41)
  const expectCode = (f: () => unknown, code: string) => {
    try {
      f()
    } catch (e) {
      expect(e).toBeInstanceOf(UserError)
      expect((e as UserError).code).toBe(code)
      expect((e as UserError).hint).toBeTruthy()
      return
    }
    throw new Error(`expected ${code}`)
  }
  it('class counts differ, labels out of range, NaN logits, T ≤ 0', () => {
    const p = withDefaults('kd', {})
    expectCode(() => lossValue64('kd', { ...b, teacher: b.teacher.slice(0, 12) }, p), 'class_mismatch')
    expectCode(() => lossValue64('kd', { ...b, labels: [0, 5, 1] }, p), 'label_out_of_range')
    expectCode(() => lossValue64('ce', { ...b, labels: [0, -1, 1] }, p), 'label_out_of_range')
    expectCode(() => lossValue64('nkd', { ...b, labels: [0, 1.5, 1] }, p), 'label_out_of_range')
    expectCode(() => lossValue64('dkd', { ...b, student: b.student.map((v, i) => (i === 7 ? NaN : v)) }, p), 'non_finite')
    expectCode(() => lossValue64('dkd', { ...b, teacher: b.teacher.map((v, i) => (i === 2 ? Infinity : v)) }, p), 'non_finite')
    for (const t of [0, -1, NaN]) expectCode(() => lossValue64('kd', b, { ...p, temperature: t }), 'bad_temperature')
    expectCode(() => lossValue64('topkld', b, { ...withDefaults('topkld', {}), k: 0 }), 'bad_k')
  })
})
