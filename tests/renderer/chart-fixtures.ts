import type { DistillStudyReport, EfficiencyReport, SelfDistillReport, SpectrumReport } from '../../shared/jobs/results'
import type { QuantizeCell, QuantizeJobResult } from '../../shared/index'
import type { ModelEvaluation } from '../../shared/models'
import type { MetricSeries } from '../../shared/project'

// Results shaped like real runs at their busiest (six losses × three seeds, twelve quantization schemes,
// eight spectrum modes, four widths), for the checks every chart-options builder must pass.

const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i))
const series = (steps: number[], f: (s: number) => number): MetricSeries => ({ steps, values: steps.map(f), total: steps.length }) as MetricSeries

export const LOSSES = ['ce', 'kd', 'nkd', 'dkd', 'topkld', 'uskd']

export function studyReport(): DistillStudyReport {
  const epochs = 40
  const hist = (loss: number, seed: number) =>
    range(epochs, (e) => ({ epoch: e + 1, trainLoss: 1 / (e + 1), weight: 1, seconds: 0.1, studentAccuracy: 0.86 - 0.5 / (e + 2) + 0.002 * seed, teacherAccuracy: 0.881, agreement: 0.9 - 0.5 / (e + 2), kl: 0.04 + 0.1 * loss + 1 / (e + 2) }))
  return {
    teacher: 'model teacher (85 002 parameters)', teacherAccuracy: 0.881, klTemperature: 4, ceWeight: 1, epochs, seeds: 3,
    table: LOSSES.map((loss, i) => ({ loss, params: { temperature: 4 }, runs: 3, accuracy: { mean: 0.7928 + 0.02 * i, sd: 0.006 }, agreement: { mean: 0.911 - 0.01 * i, sd: 0.004 }, kl: { mean: 0.04 + 0.05 * i, sd: 0.004 } })),
    runs: LOSSES.flatMap((loss, i) => range(3, (seed) => seed).map((seed) => ({ loss, seed, history: hist(i, seed) }))),
  } as DistillStudyReport
}

export function kdMetrics(): Record<string, MetricSeries> {
  const e = range(40, (i) => i + 1)
  return {
    student_accuracy: series(e, (s) => 0.86 - 0.5 / (s + 1)),
    teacher_accuracy: series(e, () => 0.881),
    agreement: series(e, (s) => 0.9 - 0.5 / (s + 1)),
    kl_teacher_student: series(e, (s) => 0.04 + 1 / (s + 1)),
  }
}

export function liveStudyMetrics(): Record<string, MetricSeries> {
  const e = range(12, (i) => i + 1)
  return Object.fromEntries(LOSSES.flatMap((loss) => range(3, (s) => s).map((seed) => [`student_accuracy/${loss} seed ${seed}`, series(e, (x) => 0.8 - 0.3 / x)])))
}

export function selfDistillReport(): SelfDistillReport {
  const steps = 10
  const curve = (alpha: number | null) => ({
    alpha,
    alphaPerStep: range(steps, (i) => (i === 0 ? 1 : alpha ?? 0)),
    ...(alpha === null ? { alphaRaw: range(steps, (i) => (i === 0 ? 1 : -4.8 + 0.4 * i)) } : {}),
    trainMse: range(steps, (i) => 0.03 + 0.002 * i),
    testMse: range(steps, (i) => 0.0554 - 0.0002 * i),
    trainAccuracy: range(steps, (i) => 0.95 - 0.01 * i),
    testAccuracy: range(steps, (i) => 0.669 + 0.008 * i),
    ...(alpha !== null ? { limitTestMse: 0.0537, limitTestAccuracy: 0.72 } : {}),
  })
  const eig = range(60, (i) => 10 ** (-4 + i / 15))
  return {
    n: 400, m: 500, k: 10, validation: 100, lambda: 0.0255, diagReg: 0.03, kernel: 'ntk', steps,
    curves: [curve(0.2), curve(0.5), curve(0.8), curve(null)],
    shrinkage: { eigenvalues: eig, lambda: 0.0255, taus: [1, 2, 3, 5, 10, 'inf'], byAlpha: [0.2, 0.5, 0.8].map((alpha) => ({ alpha, curves: range(6, (t) => eig.map((d) => d / (d + 0.0255 * (t + 1)))) })) },
    spectrum: { min: 1e-4, max: 40, clippedNegative: 0 },
  } as SelfDistillReport
}

export function efficiencyReport(): EfficiencyReport {
  const m = [64, 128, 256, 512, 1024, 2048]
  return {
    n: 512, nTest: 256, kernel: 'ntk', diagReg: 1e-4,
    curves: [
      { method: 'rf', m, dim: m, error: m.map((x) => 3 / Math.sqrt(x)), accuracy: [0.81, 0.86, 0.9, 0.91, 0.92, 0.925], seconds: m.map((x) => x / 1000), ridge: m.map(() => 0.316) },
      { method: 'nystrom', m: m.slice(0, 4), dim: m.slice(0, 4), error: m.slice(0, 4).map((x) => 1 / x), accuracy: [0.88, 0.91, 0.92, 0.93], seconds: [0.1, 0.2, 0.4, 0.8], ridge: [0.01, 0.01, 0.01, 0.01] },
    ],
    exact: { accuracy: 0.931, seconds: 1.2 },
    timing: { n: [64, 128, 256, 512], exactSeconds: [0.01, 0.04, 0.2, 1.1], approxSeconds: [0.05, 0.08, 0.15, 0.3], exactBytes: [8 * 64 * 64, 8 * 128 * 128, 8 * 256 * 256, 8 * 512 * 512], approxBytes: [1e5, 2e5, 4e5, 8e5], method: 'rf', features: 256, crossover: 200 },
    lowRank: { width: 512, points: [2, 8, 32, 128].map((rank) => ({ rank, params: rank * 1000, distance: 1 / rank, accuracy: 0.8 + rank / 1000, seconds: 0.2 })), full: { params: 400_000, distance: 0.01, accuracy: 0.93, seconds: 1 } },
  } as EfficiencyReport
}

export function spectrumReport(): SpectrumReport {
  const ev = range(200, (i) => 40 / (i + 1) ** 1.5)
  const times = range(100, (i) => 10 ** (i / 20))
  return {
    n: 200, m: 100, k: 10, kernel: 'ntk', learningRate: 1, tStar: 300, minTestLoss: 0.02, finalTestLoss: 0.03,
    eigenvalues: ev, labelEnergy: ev.map((l) => l * 0.1),
    times,
    modes: range(8, (i) => ({ rank: [1, 2, 5, 10, 20, 50, 100, 200][i]!, lambda: ev[i * 20]!, energyFraction: 0.3 / (i + 1), residual: times.map((t) => Math.exp(-t / (100 * (i + 1)))) })),
    trainLoss: times.map((t) => 0.5 * Math.exp(-t / 1000)), testLoss: times.map((t) => 0.02 + 0.1 * Math.exp(-t / 300)), testAccuracy: null,
  } as SpectrumReport
}

export const WIDTHS = [64, 128, 256, 512]

export function theoryCurves(): Record<string, { steps: number[]; values: number[] }> {
  const steps = range(150, (i) => i + 1)
  const out: Record<string, { steps: number[]; values: number[] }> = {}
  for (const w of WIDTHS) {
    for (const part of ['train', 'test']) {
      out[`${part}_loss/w=${w}`] = { steps, values: steps.map((s) => 0.5 / s + 1 / w) }
      out[`theory_${part}_loss/w=${w}`] = { steps, values: steps.map((s) => 0.5 / s) }
    }
    out[`kernel_drift/w=${w}`] = { steps, values: steps.map((s) => (0.1 * s) / w / 150) }
  }
  out['theory_train_loss/inf'] = { steps, values: steps.map((s) => 0.5 / s) }
  out['theory_test_loss/inf'] = { steps, values: steps.map((s) => 0.5 / s) }
  return out
}

const cell = (bits: number, method: string, granularity: string, calibration: string, accuracy: number): QuantizeCell =>
  ({ bits, method, granularity, calibration, accuracy, loss: 0.3, weightBytes: 1000 * bits, sizeRatio: bits / 32, ntkShift: 0.4 / 2 ** bits, confusionDelta: range(10, (i) => range(10, (j) => (i === j ? -3 : (i + j) % 3))), error: null, levels: { 'dense_1/kernel': [-0.5, 0, 0.5] }, exponents: {} }) as QuantizeCell

export function quantizeResult(): QuantizeJobResult {
  const cells = [2, 3, 4, 8].flatMap((bits) => ['uniform', 'power'].flatMap((method) => ['tensor', 'channel', 'group:32'].flatMap((g) => ['minmax', 'percentile:99.9'].map((c) => cell(bits, method, g, c, 0.9 - 0.5 / bits)))))
  return {
    modelName: 'digits mlp 256×256',
    float: { accuracy: 0.981, loss: 0.1, weightBytes: 340_008, confusion: [] },
    cells,
    histograms: [{ layer: 'dense_1/kernel', min: -0.61, max: 0.58, counts: range(64, (i) => Math.round(1000 * Math.exp(-(((i - 32) / 10) ** 2)))) }],
    sensitivity: ['dense_1/kernel', 'dense_2/kernel', 'dense_3/kernel'].flatMap((layer) => [2, 4, 8].map((bits) => ({ layer, bits, accuracy: 0.9, drop: 0.1 / bits, bytes: 100 }))),
    mixed: null,
    export: null,
  }
}

export function evaluation(k = 10): ModelEvaluation {
  return {
    n: 269, accuracy: 0.95, loss: 0.2, classes: k, precision: range(k, () => 0.95), recall: range(k, () => 0.95), support: range(k, () => 27),
    confusion: range(k, (i) => range(k, (j) => (i === j ? 25 : j === (i + 1) % k ? 2 : 0))), ece: 0.02,
    reliability: range(10, (i) => ({ lo: i / 10, hi: (i + 1) / 10, count: 20, accuracy: (i + 0.5) / 10, confidence: (i + 0.5) / 10 })),
    params: 85_002, weightBytes: 340_008, latency: { backend: 'wasm', batch: 128, msPerBatch: 2, samplesPerSecond: 64_000 },
  } as ModelEvaluation
}
