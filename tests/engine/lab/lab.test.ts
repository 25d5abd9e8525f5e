import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FcArch } from '../../../shared/index'
import { computeAnalyticKernels } from '../../../electron/engine/ntk/analytic'
import { createDataResolver } from '../../../electron/engine/jobs/data-resolver'
import { loadProjectDataset } from '../../../electron/engine/jobs/project-datasets'
import { readArtifactArray, readArtifactJson } from '../../../electron/engine/store/artifacts'
import { RunStore } from '../../../electron/engine/store/runs'
import type { ProjectHandle } from '../../../electron/engine/store/project-db'
import { blockAverage, classBoundaries, classOrder } from '../../../electron/engine/lab/heatmap'
import { logSteps } from '../../../electron/engine/lab/fit'
import { logLogFit } from '../../../shared/fit'
import { tempDir } from '../../helpers/tmp'
import { metricSeries, moonsProject, runLab, solveF64 } from './lab-helpers'

const tmp = tempDir()
let project: ProjectHandle
let datasetId: string
const arch: FcArch = { depth: 1, width: 'inf', activation: { name: 'relu' }, wStd: 1.5, bStd: 0.1, parameterization: 'ntk' }

beforeAll(async () => {
  ;({ project, datasetId } = await moonsProject(tmp.dir))
})
afterAll(() => {
  project.close()
  tmp.cleanup()
})

describe('lab helpers', () => {
  it('block-averages a reordered matrix exactly like a brute-force mean per cell', () => {
    const n = 7
    const k = Float32Array.from({ length: n * n }, (_, i) => (i * 37) % 11)
    const classes = Int32Array.from([2, 0, 1, 0, 2, 1, 0])
    const order = classOrder(classes, n)
    expect(Array.from(order)).toEqual([1, 3, 6, 2, 5, 0, 4])
    const h = blockAverage(k, n, n, order, order, 3)
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++) {
        let s = 0
        let cnt = 0
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++)
            if (Math.floor((i * 3) / n) === r && Math.floor((j * 3) / n) === c) {
              s += k[order[i]! * n + order[j]!]!
              cnt++
            }
        expect(h.data[r * 3 + c]).toBeCloseTo(s / cnt, 5)
      }
    expect(classBoundaries(classes, order, 7).map((b) => [b.cls, b.start, b.end])).toEqual([[0, 0, 3], [1, 3, 5], [2, 5, 7]])
  })

  it('recovers a power law exactly and makes distinct log-spaced steps', () => {
    const w = [16, 64, 256, 1024]
    const fit = logLogFit(w, w.map((x) => 3 * x ** -0.5))!
    expect(fit.slope).toBeCloseTo(-0.5, 12)
    expect(Math.exp(fit.intercept)).toBeCloseTo(3, 10)
    const s = logSteps(1000, 20)
    expect(s[0]).toBe(1)
    expect(s.at(-1)).toBe(1000)
    expect(new Set(s).size).toBe(s.length)
  })
})

describe('lab experiments on the two-moons example', () => {
  it('kernel: predictions equal an explicit float64 solve; heatmap and spectrum are consistent with the kernel', async () => {
    const { outcome, runId } = await runLab(project, { kind: 'lab-kernel', data: { datasetId, train: 120, test: 60 }, arch, diagReg: 1e-3, heatmapSize: 16 })
    expect(outcome.state).toBe('succeeded')
    const result = (outcome as { result: { ntk: { testAccuracy: number; testMse: number; lambdaMax: number } } }).result
    const resolver = createDataResolver((ref) => loadProjectDataset(project.db, ref))
    const xTr = await resolver.load({ type: 'dataset', datasetId, split: 'train', field: 'x', limit: 120 })
    const yTr = await resolver.load({ type: 'dataset', datasetId, split: 'train', field: 'y', limit: 120 })
    const xTe = await resolver.load({ type: 'dataset', datasetId, split: 'test', field: 'x', limit: 60 })
    const yTe = await resolver.load({ type: 'dataset', datasetId, split: 'test', field: 'y', limit: 60 })
    const n = xTr.rows
    const K = yTr.cols
    const kTrain = (await computeAnalyticKernels(xTr, null, arch, { kernels: ['ntk'], workers: 1 })).ntk!
    const kCross = (await computeAnalyticKernels(xTe, xTr, arch, { kernels: ['ntk'], workers: 1 })).ntk!
    let trace = 0
    for (let i = 0; i < n; i++) trace += kTrain[i * n + i]!
    const alpha = solveF64(kTrain, n, Float64Array.from(yTr.data), K, (1e-3 * trace) / n)
    let hits = 0
    let sq = 0
    for (let i = 0; i < xTe.rows; i++) {
      const f = Array.from({ length: K }, (_, q) => {
        let s = 0
        for (let j = 0; j < n; j++) s += kCross[i * n + j]! * alpha[j * K + q]!
        return s
      })
      f.forEach((v, q) => (sq += (v - yTe.data[i * K + q]!) ** 2))
      const pred = f.indexOf(Math.max(...f))
      const truth = Array.from(yTe.data.subarray(i * K, i * K + K)).indexOf(1)
      if (pred === truth) hits++
    }
    expect(result.ntk.testAccuracy).toBeCloseTo(hits / xTe.rows, 10)
    // docs/math.md §4: MSE is the mean over all N·K entries, the same number `ntkw predict` reports
    expect(result.ntk.testMse).toBeCloseTo(sq / (xTe.rows * K), 4)
    expect(result.ntk.testAccuracy).toBeGreaterThan(0.8) // two moons are easy for a kernel machine

    const arts = new RunStore(project.db).artifacts(runId)
    const spectrum = readArtifactArray(project.db, arts.find((a) => a.name === 'spectrum_ntk')!.id).data
    const sum = Array.from(spectrum).reduce((a, b) => a + b, 0)
    expect(sum / trace).toBeCloseTo(1, 4) // Σλ = trace
    for (let i = 1; i < spectrum.length; i++) expect(spectrum[i]!).toBeLessThanOrEqual(spectrum[i - 1]! + 1e-6)
    expect(Math.min(...spectrum)).toBeGreaterThan(-1e-4 * spectrum[0]!) // PSD up to float32 rounding
    expect(result.ntk.lambdaMax).toBeCloseTo(spectrum[0]!, 6)
    const heat = readArtifactArray(project.db, arts.find((a) => a.name === 'heatmap_ntk')!.id)
    expect(heat.shape).toEqual([16, 16])
    // The mean of the block averages over equal-size cells approximates the mean kernel entry.
    let meanK = 0
    for (const v of kTrain) meanK += v / kTrain.length
    expect(Array.from(heat.data).reduce((a, b) => a + b, 0) / 256).toBeCloseTo(meanK, 1)
  })

  it('width sweep: the empirical NTK error falls with width, slope about −½', async () => {
    const { outcome, events } = await runLab(project, { kind: 'width-sweep', data: { datasetId, train: 40, test: 5 }, arch: { ...arch, width: 'inf' }, widths: [32, 128, 512, 2048], seedsPerWidth: 3, seed: 4 })
    const r = (outcome as { result: { mean: number[]; fit: { slope: number } } }).result
    expect(r.mean[3]!).toBeLessThan(r.mean[0]!)
    expect(r.fit.slope).toBeLessThan(-0.25)
    expect(r.fit.slope).toBeGreaterThan(-0.8)
    expect(metricSeries(events, 'rel_error')).toHaveLength(12)
  })

  it('training vs theory: curves start together, the gap and the kernel drift shrink with width', async () => {
    // One network per width and seed, so the gap is a random quantity (its mean falls as 1/√width): the
    // width claim is asserted on the mean over three seeds, the rest per seed.
    const gaps: Record<number, number[]> = { 32: [], 2048: [] }
    for (const seed of [0, 1, 2]) {
      const { outcome, events } = await runLab(project, {
        kind: 'train-vs-theory',
        seed,
        data: { datasetId, train: 48, test: 48 },
        arch: { ...arch, depth: 1 },
        widths: [32, 2048],
        steps: 60,
        evalPoints: 12,
        driftPoints: 24,
      })
      const r = (outcome as { result: { widths: { width: number; maxRelativeGap: number; finalKernelDrift: number }[] } }).result
      for (const w of [32, 2048]) {
        const actual = metricSeries(events, `train_loss/w=${w}`)
        const theory = metricSeries(events, `theory_train_loss/w=${w}`)
        expect(actual[0]!.step).toBe(0)
        expect(theory[0]!.value).toBeCloseTo(actual[0]!.value, 5) // same f₀
        expect(actual.at(-1)!.value).toBeLessThan(actual[0]!.value)
        expect(theory.at(-1)!.value).toBeLessThan(theory[0]!.value)
      }
      const [narrow, wide] = r.widths
      expect(wide!.finalKernelDrift).toBeLessThan(narrow!.finalKernelDrift)
      expect(wide!.maxRelativeGap).toBeLessThan(0.25)
      gaps[32]!.push(narrow!.maxRelativeGap)
      gaps[2048]!.push(wide!.maxRelativeGap)
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    expect(mean(gaps[2048]!)).toBeLessThan(mean(gaps[32]!))
  })

  it('spectrum: label energy sums to ‖y‖² (Parseval), train loss never rises, t* is the test-loss minimum', async () => {
    const { outcome, runId } = await runLab(project, { kind: 'lab-spectrum', data: { datasetId, train: 80, test: 40 }, arch, timePoints: 40 })
    expect(outcome.state).toBe('succeeded')
    const art = new RunStore(project.db).artifacts(runId).find((a) => a.name === 'spectrum')!
    const s = readArtifactJson(project.db, art.id) as { labelEnergy: number[]; trainLoss: number[]; testLoss: number[]; tStar: number; times: number[]; modes: { rank: number; residual: number[] }[]; eigenvalues: number[] }
    const resolver = createDataResolver((ref) => loadProjectDataset(project.db, ref))
    const y = await resolver.load({ type: 'dataset', datasetId, split: 'train', field: 'y', limit: 80 })
    const norm2 = Array.from(y.data).reduce((a, b) => a + b * b, 0)
    expect(s.labelEnergy.reduce((a, b) => a + b, 0) / norm2).toBeCloseTo(1, 4)
    for (let i = 1; i < s.trainLoss.length; i++) expect(s.trainLoss[i]!).toBeLessThanOrEqual(s.trainLoss[i - 1]! * (1 + 1e-5))
    const best = s.testLoss.indexOf(Math.min(...s.testLoss))
    expect(s.tStar).toBe(s.times[best])
    expect(s.modes[0]!.rank).toBe(1)
    // The top mode decays fastest.
    const top = s.modes[0]!.residual
    const last = s.modes.at(-1)!.residual
    expect(top.at(-1)! / top[0]!).toBeLessThanOrEqual(last.at(-1)! / last[0]! + 1e-12)
  })
})

describe('streamed heatmap', () => {
  it('accumulating scrambled tiles gives the same block averages as the whole-matrix version', async () => {
    const { HeatmapAccumulator, ranksOf } = await import('../../../electron/engine/lab/heatmap')
    const n = 23
    const k = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i) * 3)
    const classes = Int32Array.from({ length: n }, (_, i) => (i * 5) % 3)
    const order = classOrder(classes, n)
    const acc = new HeatmapAccumulator(n, n, 6, ranksOf(order), ranksOf(order))
    const tiles: [number, number, number, number][] = []
    for (let r = 0; r < n; r += 5) for (let c = 0; c < n; c += 7) tiles.push([r, c, Math.min(5, n - r), Math.min(7, n - c)])
    for (const [r0, c0, r, c] of tiles.reverse()) {
      const t = new Float32Array(r * c)
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[i * c + j] = k[(r0 + i) * n + c0 + j]!
      acc.add(r0, c0, r, c, t)
    }
    const whole = blockAverage(k, n, n, order, order, 6)
    const streamed = acc.result()
    for (let i = 0; i < 36; i++) expect(streamed[i]).toBeCloseTo(whole.data[i]!, 5)
  })
})

describe("kernel job's derived views", () => {
  it('stores a class-sorted heatmap equal to the block average of the stored kernel, and its spectrum', async () => {
    const { outcome, runId } = await runLab(project, { kind: 'kernel', x: { type: 'dataset', datasetId, split: 'train', field: 'x', limit: 150 }, arch, kernels: ['ntk', 'nngp'], heatmapSize: 10, spectrumPoints: 100 })
    expect(outcome.state).toBe('succeeded')
    const arts = new RunStore(project.db).artifacts(runId)
    const full = readArtifactArray(project.db, arts.find((a) => a.name === 'ntk')!.id)
    expect(full.shape).toEqual([150, 150])
    const resolver = createDataResolver((ref) => loadProjectDataset(project.db, ref))
    const y = await resolver.load({ type: 'dataset', datasetId, split: 'train', field: 'y', limit: 150 })
    const classes = Int32Array.from({ length: 150 }, (_, i) => (y.data[i * 2 + 1]! > y.data[i * 2]! ? 1 : 0))
    const order = classOrder(classes, 150)
    const expected = blockAverage(full.data as Float32Array, 150, 150, order, order, 10)
    const heat = readArtifactArray(project.db, arts.find((a) => a.name === 'heatmap_ntk')!.id)
    expect(heat.shape).toEqual([10, 10])
    for (let i = 0; i < 100; i++) expect(heat.data[i]).toBeCloseTo(expected.data[i]!, 4)
    const spec = readArtifactArray(project.db, arts.find((a) => a.name === 'spectrum_nngp')!.id)
    expect(spec.shape).toEqual([100]) // a 100-point subsample of 150
    for (let i = 1; i < 100; i++) expect(spec.data[i]!).toBeLessThanOrEqual(spec.data[i - 1]! + 1e-6)
    expect(arts.map((a) => a.name).sort()).toEqual(['heatmap_nngp', 'heatmap_ntk', 'nngp', 'ntk', 'spectrum_nngp', 'spectrum_ntk'])
  })
})
