import { availableParallelism } from 'node:os'
import { UserError } from '../../../shared/errors'
import { assertFiniteArray } from '../core/finite'
import { gemm } from '../blas/gemm'
import { eigh } from '../linalg/eigh'
import { solveShifted } from '../linalg/pcg'
import { forwardSolveMany } from '../linalg/triangular'
import { gradientFlowPredictions, growth } from '../ntk/dynamics'
import { gpPosterior } from '../ntk/gp'
import type { PredictOutput } from '../ntk/predict'
import { GramAccumulator } from './gram-stream'
import { PhiStore } from './phi-store'
import type { FeatureMap, Points } from './types'

// Kernel regression with the approximate kernel Θ̃ = ΦΦᵀ, in the conventions of the exact path (ntk/predict.ts:
// f₀ = 0, ε = diag_reg · trace(Θ̃)/n with trace(Θ̃) = ‖Φ‖²_F, time normalised by n·K). Two equivalent solvers:
// - primal, O(n·m²) time and O(m² + block·m) memory, streaming row blocks of Φ:
//     t = ∞:  f(x*) = φ(x*)ᵀ (ΦᵀΦ + εI)⁻¹ Φᵀ y          (push-through identity: = Θ̃(x*, X)(Θ̃ + εI)⁻¹ y)
//             σ²(x*) = ε φ(x*)ᵀ (ΦᵀΦ + εI)⁻¹ φ(x*)      (= Θ̃** − Θ̃*ᵀ(Θ̃ + εI)⁻¹Θ̃*)
//     finite t, with ΦᵀΦ = V diag(λ) Vᵀ (m×m) and g = Vᵀ Φᵀ y (the nonzero spectrum of Θ̃ is λ, its
//     eigenvectors Φ V λ^(−½)):
//             f_t(x*) = φ(x*)ᵀ V diag(G(λ + ε)) g,              G(λ) = (1 − e^{−cλt})/λ, c = η/(nK)
//             f_t(X)  = (1 − e^{−cεt}) y + e^{−cεt} Φ V diag(G(λ)) g
//     (the n − m null directions of Θ̃ + εI have eigenvalue ε; writing them this way avoids dividing by λ);
// - dual, when m′ ≥ n (O(n²·m) + the exact path's n×n solve): Θ̃ = ΦΦᵀ is formed and solved exactly as
//   the analytic kernel is (Cholesky + float64 refinement, or eigh).

export interface FeatureRidgeRequest {
  map: FeatureMap
  xTrain: Points
  /** n×k */
  yTrain: Points
  xTest: Points
  diagReg: number
  /** absent: t = ∞ */
  times?: number[]
  learningRate: number
  variance: boolean
  /** default auto: the cheaper of n·m² + m³/3 and n²·m + n³/3 */
  solver?: 'auto' | 'primal' | 'dual'
  /** threads forming ΦᵀΦ (primal): this one and workers − 1 (at most one) worker; 0 = one per core (default 1) */
  workers?: number
  /** keep Φ of the training points in memory when it has at most this many floats (default 2^27 = 512 MB), else in a temporary file */
  cacheFloats?: number
  progress?: (fraction: number, message: string) => void
  /** awaited between row blocks and solver steps: the caller yields to its event loop and throws to cancel */
  yieldNow?: () => Promise<void>
}

/** The exact path's outputs (same shapes and conventions), and how the approximation got them. */
export interface FeatureRidgeOutput extends PredictOutput {
  solver: 'primal' | 'dual'
  features: number
  shift: number
  /** seconds spent computing features, and in the solve (everything else) */
  featureSeconds: number
  solveSeconds: number
}

function rowsF32(x: Points, r0: number, rows: number): Float32Array {
  const d = x.cols
  const src = x.data.subarray(r0 * d, (r0 + rows) * d)
  return src instanceof Float32Array ? src : Float32Array.from(src)
}

class Stopwatch {
  feature = 0
  private t = 0
  start(): void {
    this.t = performance.now()
  }
  stop(): void {
    this.feature += (performance.now() - this.t) / 1000
  }
}

/** Φ of every row of x, block by block, to `each(block, r0, rows)`. */
async function forBlocks(
  map: FeatureMap,
  x: Points,
  watch: Stopwatch,
  req: FeatureRidgeRequest,
  each: (phi: Float32Array, r0: number, rows: number) => void | Promise<void>,
  onProgress?: (fraction: number) => void,
): Promise<void> {
  const b = map.blockRows
  for (let r0 = 0; r0 < x.rows; r0 += b) {
    const rows = Math.min(b, x.rows - r0)
    watch.start()
    const phi = await map.apply(rowsF32(x, r0, rows), rows)
    watch.stop()
    checkFinitePhi(phi, r0, map.dim)
    await each(phi, r0, rows)
    onProgress?.((r0 + rows) / x.rows)
    await req.yieldNow?.()
  }
}

function checkFinitePhi(phi: Float32Array, r0: number, dim: number): void {
  assertFiniteArray(phi, `the features of points ${r0}…`, 'Scale the inputs down, or lower --w-std / --b-std / --depth.', dim)
}

/** rows×m times m×c (float32, the engine's GEMM) */
function times(phi: Float32Array, rows: number, m: number, w: Float32Array, c: number): Float32Array {
  return gemm(phi, w, { m: rows, k: m, n: c })
}

export async function featureRidge(req: FeatureRidgeRequest): Promise<FeatureRidgeOutput> {
  const { n, mt, k, dim } = sizes(req)
  const progress = req.progress ?? (() => {})
  const primalCost = n * dim * dim + (dim * dim * dim) / 3
  const dualCost = n * n * dim + (n * n * n) / 3
  const solver = req.solver === 'primal' || req.solver === 'dual' ? req.solver : primalCost <= dualCost ? 'primal' : 'dual'
  if (req.variance && req.times) {
    throw new UserError('variance_needs_t_inf', 'the predictive variance is the GP posterior at t = ∞', 'Drop --t (or times) to get the variance, or drop --var.')
  }
  const started = performance.now()
  const watch = new Stopwatch()
  const out = solver === 'primal' ? await primal(req, watch, progress) : await dual(req, watch, progress)
  const total = (performance.now() - started) / 1000
  for (const [name, arr] of [['test predictions', out.test], ['train predictions', out.train], ['variance', out.variance]] as const) {
    if (arr) assertFiniteArray(arr, `the ${name}`, 'Increase --diag-reg (e.g. 1e-4) or lower --lr/--t.')
  }
  return { ...out, n, m: mt, k, solver, features: dim, featureSeconds: watch.feature, solveSeconds: total - watch.feature }
}

/** the request's parts and sizes: n train rows, mt test rows, k outputs, dim features */
function sizes(req: FeatureRidgeRequest) {
  const { map, xTrain, yTrain, xTest } = req
  return { map, xTrain, yTrain, xTest, n: xTrain.rows, mt: xTest.rows, k: yTrain.cols, dim: map.dim }
}

type Partial_ = Omit<FeatureRidgeOutput, 'n' | 'm' | 'k' | 'solver' | 'features' | 'featureSeconds' | 'solveSeconds'>

async function dual(req: FeatureRidgeRequest, watch: Stopwatch, progress: (f: number, m: string) => void): Promise<Partial_> {
  const { map, xTrain, yTrain, xTest, n, mt, k, dim } = sizes(req)
  const phi = new Float32Array(n * dim)
  await forBlocks(map, xTrain, watch, req, (p, r0) => phi.set(p, r0 * dim), (f) => progress(0.4 * f, 'features (train)'))
  const phiT = new Float32Array(mt * dim)
  const diagT = new Float32Array(mt)
  await forBlocks(map, xTest, watch, req, (p, r0, rows) => {
    phiT.set(p, r0 * dim)
    for (let i = 0; i < rows; i++) {
      let s = 0
      for (let c = 0; c < dim; c++) s += p[i * dim + c]! ** 2
      diagT[r0 + i] = s
    }
  }, (f) => progress(0.4 + 0.1 * f, 'features (test)'))
  progress(0.5, 'Gram matrix ΦΦᵀ')
  // nothing else computes now: every core
  const kTrain = gemm(phi, phi, { m: n, k: dim, n }, { transB: true, parallel: true })
  const kCross = gemm(phiT, phi, { m: mt, k: dim, n }, { transB: true, parallel: true })
  const y = Float64Array.from(yTrain.data.subarray(0, n * k))
  const what = `the approximate ${map.kind.toUpperCase()} ΦΦᵀ of the training inputs`
  if (!req.times) {
    progress(0.6, 'Cholesky solve')
    const gp = await gpPosterior({ kTrain, n, kCross, m: mt, y, k }, { diagReg: req.diagReg, ...(req.variance ? { kTestDiag: diagT } : {}), what, onStep: req.yieldNow })
    return {
      test: Float32Array.from(gp.mean),
      testShape: [mt, k],
      train: Float32Array.from(gp.trainMean),
      trainShape: [n, k],
      ...(gp.variance ? { variance: Float32Array.from(gp.variance) } : {}),
      shift: gp.shift,
      solve: { shift: gp.shift, relResidual: gp.relResidual, initialRelResidual: gp.initialRelResidual, iterations: gp.refineIterations, varianceClipped: gp.varianceClipped ?? 0 },
    }
  }
  progress(0.6, 'eigendecomposition')
  const eig = await eigh(kTrain, n, { onStep: async (f) => { progress(0.6 + 0.35 * f, 'eigendecomposition'); await req.yieldNow?.() } })
  let trace = 0
  for (let i = 0; i < n; i++) trace += kTrain[i * n + i]!
  const shift = (req.diagReg * trace) / n
  let clippedNegative = 0
  for (let i = 0; i < n; i++) {
    eig.values[i] = eig.values[i]! + shift
    if (eig.values[i]! < 0) clippedNegative++
  }
  const dyn = gradientFlowPredictions({ eig, y, k, kCross, m: mt, times: req.times, learningRate: req.learningRate })
  const nt = req.times.length
  return {
    test: dyn.test,
    testShape: nt === 1 ? [mt, k] : [nt, mt, k],
    train: dyn.train,
    trainShape: nt === 1 ? [n, k] : [nt, n, k],
    shift,
    eigen: { min: eig.values[0]!, max: eig.values[n - 1]!, clippedNegative },
  }
}

/** Stop the feature-space solve at ‖r‖ ≤ 2·10⁻⁶·√ε·‖y‖_F: the training predictions Φx then move by at most
 * ‖Φ(ΦᵀΦ + εI)⁻¹r‖ ≤ ‖r‖/(2√ε) ≤ 10⁻⁶‖y‖_F (max over s ≥ 0 of √s/(s + ε) is 1/(2√ε)). */
function solveTolerance(shift: number, y: ArrayLike<number>, b: Float64Array): number {
  let yy = 0
  for (let i = 0; i < y.length; i++) yy += y[i]! ** 2
  let bb = 0
  for (let i = 0; i < b.length; i++) bb += b[i]! ** 2
  return bb > 0 ? Math.min(1e-6, (2e-6 * Math.sqrt(shift * yy)) / Math.sqrt(bb)) : 1e-6
}

async function primal(req: FeatureRidgeRequest, watch: Stopwatch, progress: (f: number, m: string) => void): Promise<Partial_> {
  const { map, xTrain, yTrain, n, k, dim } = sizes(req)
  const y = yTrain.data
  const store = new PhiStore(dim, req.cacheFloats ?? 1 << 27, n * dim)
  // G = ΦᵀΦ accumulated in float32 (upper tiles, gram-stream.ts); Φᵀy and the trace in float64
  const acc = GramAccumulator.create(dim, { threads: req.workers === 0 ? availableParallelism() : (req.workers ?? 1), rows: n })
  const b = new Float64Array(dim * k)
  let trace = 0
  try {
    await forBlocks(map, xTrain, watch, req, async (phi, r0, rows) => {
      store.push(phi, rows)
      for (let i = 0; i < phi.length; i++) trace += phi[i]! * phi[i]!
      await acc.add(phi, rows)
      for (let i = 0; i < rows; i++) {
        const pi = i * dim
        for (let q = 0; q < k; q++) {
          const yv = y[(r0 + i) * k + q]!
          if (yv === 0) continue
          for (let c = 0; c < dim; c++) b[c * k + q] = b[c * k + q]! + phi[pi + c]! * yv
        }
      }
    }, (f) => progress(0.7 * f, 'features and ΦᵀΦ (train)'))
    return await primalSolve(req, watch, progress, { g: await acc.finish(), b, trace, store })
  } finally {
    acc.dispose()
    store.dispose()
  }
}

async function primalSolve(req: FeatureRidgeRequest, watch: Stopwatch, progress: (f: number, m: string) => void, s: { g: Float32Array; b: Float64Array; trace: number; store: PhiStore }): Promise<Partial_> {
  const { map, yTrain, xTest, n, mt, k, dim } = sizes(req)
  const y = yTrain.data
  const { g, b, trace, store } = s
  const shift = (req.diagReg * trace) / n
  const trainPhi = async (each: (phi: Float32Array, r0: number, rows: number) => void): Promise<void> => {
    progress(0.9, store.onDisk ? 'predictions (train, features read back from a temporary file)' : 'predictions (train)')
    store.forEach(each)
  }

  if (!req.times) {
    progress(0.72, 'solve (m×m: Cholesky, or conjugate gradients preconditioned by it when float32 cannot factor ΦᵀΦ + εI)')
    const what = `ΦᵀΦ of the ${map.kind.toUpperCase()} features`
    const sol = await solveShifted(g, dim, shift, b, k, { tol: solveTolerance(shift, y.subarray(0, n * k), b), what, diagReg: req.diagReg, onStep: req.yieldNow, onBlock: req.yieldNow })
    const factor = sol.factor
    if (req.variance && !factor) {
      throw new UserError(
        'kernel_singular',
        `the predictive variance needs the Cholesky factor of ${what} + εI, which float32 cannot form at diag_reg = ${req.diagReg} (the mean alone is solved by preconditioned conjugate gradients)`,
        `Drop --var, or raise the ridge (--diag-reg ${Number(Math.min(10, req.diagReg * 10).toPrecision(3))}) so that it factors.`,
      )
    }
    const w = Float32Array.from(sol.x)
    const test = new Float32Array(mt * k)
    const variance = req.variance ? new Float32Array(mt) : undefined
    let minRaw = 0
    await forBlocks(map, xTest, watch, req, (phi, r0, rows) => {
      test.set(times(phi, rows, dim, w, k), r0 * k)
      if (variance) {
        // ε ‖L⁻¹ φ*‖²: L⁻¹ applied to the rows×dim block's transpose (dim×rows)
        const rhs = new Float32Array(dim * rows)
        for (let i = 0; i < rows; i++) for (let c = 0; c < dim; c++) rhs[c * rows + i] = phi[i * dim + c]!
        const z = forwardSolveMany(factor!, rhs, rows)
        for (let i = 0; i < rows; i++) {
          let s = 0
          for (let c = 0; c < dim; c++) s += z[c * rows + i]! ** 2
          const v = shift * s
          minRaw = Math.min(minRaw, v)
          variance[r0 + i] = Math.max(0, v)
        }
      }
    }, (f) => progress(0.75 + 0.1 * f, 'predictions (test)'))
    const train = new Float32Array(n * k)
    await trainPhi((phi, r0, rows) => train.set(times(phi, rows, dim, w, k), r0 * k))
    return {
      test,
      testShape: [mt, k],
      train,
      trainShape: [n, k],
      ...(variance ? { variance } : {}),
      shift,
      solve: { shift, relResidual: sol.relResidual, initialRelResidual: sol.initialRelResidual, iterations: sol.iterations, varianceClipped: minRaw },
    }
  }

  progress(0.72, 'eigendecomposition (m×m)')
  const eig = await eigh(g, dim, { onStep: async (f) => { progress(0.72 + 0.1 * f, 'eigendecomposition (m×m)'); await req.yieldNow?.() } })
  const ts = req.times
  const nt = ts.length
  const c = req.learningRate / (n * k)
  // g = Vᵀ Φᵀ y (dim×k), then coefficient matrices V diag(G(λ + ε)) g (test) and V diag(G(λ)) g (train)
  const gv = new Float64Array(dim * k)
  for (let r = 0; r < dim; r++) {
    for (let i = 0; i < dim; i++) {
      const vri = eig.vectors[r * dim + i]!
      for (let q = 0; q < k; q++) gv[i * k + q] = gv[i * k + q]! + vri * b[r * k + q]!
    }
  }
  let clippedNegative = 0
  for (let i = 0; i < dim; i++) if (eig.values[i]! + shift < 0) clippedNegative++
  const coef = (withShift: boolean): Float32Array => {
    const h = new Float32Array(dim * nt * k)
    for (let i = 0; i < dim; i++) {
      for (let ti = 0; ti < nt; ti++) {
        const gi = growth(eig.values[i]! + (withShift ? shift : 0), c, ts[ti]!)
        for (let q = 0; q < k; q++) h[i * nt * k + ti * k + q] = gi * gv[i * k + q]!
      }
    }
    return gemm(eig.vectors, h, { m: dim, k: dim, n: nt * k })
  }
  const cTest = coef(true)
  const cTrain = coef(false)
  const test = new Float32Array(nt * mt * k)
  await forBlocks(map, xTest, watch, req, (phi, r0, rows) => {
    const p = times(phi, rows, dim, cTest, nt * k)
    for (let i = 0; i < rows; i++) for (let ti = 0; ti < nt; ti++) for (let q = 0; q < k; q++) test[(ti * mt + r0 + i) * k + q] = p[i * nt * k + ti * k + q]!
  }, (f) => progress(0.82 + 0.05 * f, 'predictions (test)'))
  const train = new Float32Array(nt * n * k)
  await trainPhi((phi, r0, rows) => {
    const p = times(phi, rows, dim, cTrain, nt * k)
    for (let ti = 0; ti < nt; ti++) {
      const decay = Math.exp(-c * Math.max(shift, 0) * ts[ti]!)
      for (let i = 0; i < rows; i++) {
        for (let q = 0; q < k; q++) {
          const yi = y[(r0 + i) * k + q]!
          train[(ti * n + r0 + i) * k + q] = (1 - decay) * yi + decay * p[i * nt * k + ti * k + q]!
        }
      }
    }
  })
  return {
    test,
    testShape: nt === 1 ? [mt, k] : [nt, mt, k],
    train,
    trainShape: nt === 1 ? [n, k] : [nt, n, k],
    shift,
    eigen: { min: eig.values[0]! + shift, max: eig.values[dim - 1]! + shift, clippedNegative },
  }
}
