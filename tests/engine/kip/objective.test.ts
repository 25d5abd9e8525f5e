import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { kipValueAndGrad, kipKernel, rowVariances, type KipObjectiveConfig } from '../../../electron/engine/kip/objective'
import { computeAnalyticKernels } from '../../../electron/engine/ntk/analytic'
import { UserError } from '../../../shared/errors'
import { FcArch } from '../../../shared/arch'
import { gaussianRows, type Vec } from '../ntk/analytic-brute-force'
import { relErr } from '../linalg/reference'
import { fdGrad, kipLoss64 } from './f64-kip'

beforeAll(async () => {
  await initBackend()
})

const relu3 = FcArch.parse({ depth: 3, activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.1 })
const erf2 = FcArch.parse({ depth: 2, activation: { name: 'erf' }, wStd: 1.3, bStd: 0.2 })

function labels(n: number, c: number, offset = 0): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: c }, (_, k) => (k === (i + offset) % c ? 1 : 0) - 1 / c))
}

function run(xt: Vec[], yt: number[][], xs: Vec[], ys: number[][], cfg: KipObjectiveConfig) {
  const x = tf.tensor2d(xt)
  const q = rowVariances(x)
  try {
    return kipValueAndGrad({ x, q, y: yt.flat() }, Float32Array.from(xs.flat()), Float64Array.from(ys.flat()), ys[0]!.length, cfg)
  } finally {
    tf.dispose([x, q])
  }
}

function check(xt: Vec[], yt: number[][], xs: Vec[], ys: number[][], cfg: KipObjectiveConfig & { arch: FcArch }): { loss: number; gx: number; gy: number } {
  const out = run(xt, yt, xs, ys, cfg)
  const f = (s: number[][]): number => kipLoss64(xt, yt, s, ys, cfg.arch, cfg.kernel, cfg.diagReg)
  const ref = f(xs)
  const gxRef = fdGrad(xs, f, 1e-5).flat()
  const gyRef = fdGrad(ys, (y) => kipLoss64(xt, yt, xs, y, cfg.arch, cfg.kernel, cfg.diagReg), 1e-5).flat()
  const e = { loss: Math.abs(out.loss - ref) / ref, gx: relErr(out.gX, gxRef), gy: relErr(out.gY, gyRef) }
  if (process.env.KIP_DEBUG) console.log(e)
  return e
}

describe('KIP loss and gradient against float64 finite differences', () => {
  const d = 7
  const c = 3
  const xt = gaussianRows(12, d, 11)
  const yt = labels(12, c)

  it('matches at generic points (ReLU NTK, depth 3)', () => {
    const xs = gaussianRows(4, d, 5)
    const e = check(xt, yt, xs, labels(4, c), { arch: relu3, kernel: 'ntk', diagReg: 1e-6 })
    expect(e.loss).toBeLessThan(1e-4)
    expect(e.gx).toBeLessThan(2e-3)
    expect(e.gy).toBeLessThan(2e-3)
  })

  it('matches when support points coincide with targets (support initialised from the target batch)', () => {
    const xs = xt.slice(0, 4).map((r) => [...r])
    const e = check(xt, yt, xs, labels(4, c, 1), { arch: relu3, kernel: 'ntk', diagReg: 1e-3 })
    expect(e.loss).toBeLessThan(1e-4)
    expect(e.gx).toBeLessThan(2e-3)
    expect(e.gy).toBeLessThan(2e-3)
  })

  it('matches for the NNGP of ReLU and the NTK of erf', () => {
    const xs = gaussianRows(5, d, 8)
    for (const cfg of [
      { arch: relu3, kernel: 'nngp' as const, diagReg: 1e-4 },
      { arch: erf2, kernel: 'ntk' as const, diagReg: 1e-4 },
    ]) {
      const e = check(xt, yt, xs, labels(5, c), cfg)
      expect(e.loss).toBeLessThan(1e-4)
      expect(e.gx).toBeLessThan(2e-3)
    }
  })

  it('matches in the standard parameterization at a finite width (its NTK grows with the fan-in)', () => {
    const xs = gaussianRows(4, d, 21)
    const std = FcArch.parse({ depth: 2, width: 16, activation: { name: 'relu' }, wStd: 1.2, bStd: 0.1, parameterization: 'standard' })
    const e = check(xt, yt, xs, labels(4, c), { arch: std, kernel: 'ntk', diagReg: 1e-4 })
    expect(e.loss).toBeLessThan(1e-4)
    expect(e.gx).toBeLessThan(2e-3)
    expect(e.gy).toBeLessThan(2e-3)
  })

  it('a tiny case (3 support points) matches the float64 straightforward implementation', () => {
    const xs = gaussianRows(3, d, 99)
    const e = check(xt, yt, xs, labels(3, c), { arch: relu3, kernel: 'ntk', diagReg: 0 })
    expect(e.loss).toBeLessThan(1e-5)
    expect(e.gx).toBeLessThan(1e-3)
  })

  it('the kernel equals the engine kernel (diagonal pinned exactly)', async () => {
    const xs = gaussianRows(6, d, 3)
    const t = tf.tensor2d(xs)
    const mine = kipKernel(t, t, { arch: relu3, kernel: 'ntk' }, true)
    t.dispose()
    const m = { data: Float32Array.from(xs.flat()), rows: 6, cols: d }
    const ref = await computeAnalyticKernels(m, null, relu3, { kernels: ['ntk'], workers: 1 })
    expect(relErr(mine, ref.ntk!)).toBeLessThan(1e-5)
    for (let i = 0; i < 6; i++) expect(Math.abs(mine[i * 7]! - ref.ntk![i * 7]!) / ref.ntk![i * 7]!).toBeLessThan(1e-6)
  })

  it('does not leak tensors across steps', () => {
    const xs = gaussianRows(4, d, 5)
    run(xt, yt, xs, labels(4, c), { arch: relu3, kernel: 'ntk', diagReg: 1e-6 })
    const before = tf.memory().numTensors
    for (let i = 0; i < 5; i++) run(xt, yt, xs, labels(4, c), { arch: relu3, kernel: 'ntk', diagReg: 1e-6 })
    expect(tf.memory().numTensors).toBe(before)
  })

  it('duplicate support points without regularisation: a clear singular_support error', () => {
    const xs = gaussianRows(4, d, 5)
    xs[3] = [...xs[1]!]
    let err: unknown
    try {
      run(xt, yt, xs, labels(4, c), { arch: relu3, kernel: 'ntk', diagReg: 0 })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(UserError)
    expect((err as UserError).code).toBe('singular_support')
  })
})

/** Gaussian elimination with every operation rounded to float32 (what a float32 solve would do). */
function solveF32(a: number[][], b: number[][]): number[][] {
  const r = Math.fround
  const n = a.length
  const m = a.map((row, i) => [...row, ...b[i]!].map(r))
  const k = b[0]!.length
  for (let c = 0; c < n; c++) {
    for (let i = c + 1; i < n; i++) {
      const f = r(m[i]![c]! / m[c]![c]!)
      for (let j = c; j < n + k; j++) m[i]![j] = r(m[i]![j]! - r(f * m[c]![j]!))
    }
  }
  const x = Array.from({ length: n }, () => new Array<number>(k).fill(0))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = 0; j < k; j++) {
      let s = m[i]![n + j]!
      for (let l = i + 1; l < n; l++) s = r(s - r(m[i]![l]! * x[l]![j]!))
      x[i]![j] = r(s / m[i]![i]!)
    }
  }
  return x
}

describe('float32 accuracy of the KIP loss on MNIST digits (diag_reg 1e-6)', () => {
  it('matches the float64 reference to 1e-4 (and logs what a float32 solve of the same kernel gives)', async () => {
    const { mnistSplit } = await import('./mnist-fixture')
    const { kernel64 } = await import('./f64-kip')
    const m = await mnistSplit(400, 0)
    const rows = (i0: number, n: number): number[][] => Array.from({ length: n }, (_, i) => Array.from(m.x.subarray((i0 + i) * m.d, (i0 + i + 1) * m.d)))
    const xs = rows(0, 50)
    const xt = rows(100, 200)
    const c = 10
    const oneHot = (from: number, n: number): number[][] => Array.from({ length: n }, (_, i) => Array.from({ length: c }, (_, k) => (k === m.y[from + i] ? 1 : 0) - 1 / c))
    const ys = oneHot(0, 50)
    const yt = oneHot(100, 200)
    const cfg = { arch: relu3, kernel: 'ntk' as const, diagReg: 1e-6 }
    const mine = run(xt, yt, xs, ys, cfg).loss
    const ref = kipLoss64(xt, yt, xs, ys, relu3, 'ntk', 1e-6)
    // the same f64 kernel, solved in float32
    const kss = kernel64(xs, xs, relu3, 'ntk')
    const eps = (1e-6 * kss.reduce((s, r, i) => s + r[i]!, 0)) / 50
    const alpha = solveF32(kss.map((r, i) => r.map((v, j) => v + (i === j ? eps : 0))), ys)
    const kts = kernel64(xt, xs, relu3, 'ntk')
    let l32 = 0
    for (let i = 0; i < 200; i++) for (let k = 0; k < c; k++) l32 += (kts[i]!.reduce((s, v, j) => s + v * alpha[j]![k]!, 0) - yt[i]![k]!) ** 2
    l32 = (0.5 * l32) / (200 * c)
    const errMine = Math.abs(mine - ref) / ref
    const err32 = Math.abs(l32 - ref) / ref
    console.log(`KIP loss relative error vs float64: engine (f32 kernel, f64 solve) ${errMine.toExponential(2)}; float32 solve ${err32.toExponential(2)}`)
    expect(errMine).toBeLessThan(1e-4)
  }, 60_000)
})
