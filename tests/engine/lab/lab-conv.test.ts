import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importDataset } from '../../../electron/engine/data/import'
import { Xoshiro128 } from '../../../electron/engine/core/random'
import { createProject, type ProjectHandle } from '../../../electron/engine/store/project-db'
import type { WidthSweepResult } from '../../../shared/jobs/results'
import type { NetKernelArch } from '../../../shared/arch'

type NetKernelArchInput = import('zod').input<typeof NetKernelArch>
import { NetArch, planKernel } from '../../../shared/arch'
import { createDataResolver } from '../../../electron/engine/jobs/data-resolver'
import { loadProjectDataset } from '../../../electron/engine/jobs/project-datasets'
import { readArtifactArray } from '../../../electron/engine/store/artifacts'
import { RunStore } from '../../../electron/engine/store/runs'
import { referenceKernels } from '../layers/conv-reference'
import { tempDir } from '../../helpers/tmp'
import { metricSeries, runLab, solveF64 } from './lab-helpers'

// The lab's experiments with an ARCH.json (convolutional) network on a small image dataset: 6×6 one-channel
// images of two classes (a bright square in one half or the other, plus noise), stored as a project dataset.
const tmp = tempDir()
let project: ProjectHandle
let datasetId: string

beforeAll(async () => {
  const rng = new Xoshiro128(3)
  const n = 60
  const x: number[][] = []
  const y: number[] = []
  for (let i = 0; i < n; i++) {
    const cls = i % 2
    const noise = rng.normals(36, 0.3)
    x.push(Array.from({ length: 36 }, (_, p) => noise[p]! + ((p % 6 < 3) === (cls === 0) ? 1 : 0)))
    y.push(cls)
  }
  const file = path.join(tmp.dir, 'squares.json')
  writeFileSync(file, JSON.stringify({ x, y }))
  project = createProject(path.join(tmp.dir, 'lab.ntkw'))
  datasetId = (await importDataset(project.db, file, { options: { task: 'classification' }, recipe: { split: { train: 0.5, seed: 1 }, scale: 'standardize' } })).id
})
afterAll(() => {
  project.close()
  tmp.cleanup()
})

const cnn = {
  net: {
    input: [6, 6, 1],
    layers: [
      { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', activation: 'relu' },
      { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', activation: 'relu' },
      { type: 'flatten' },
    ],
  },
  wStd: 1.4,
  bStd: 0.1,
} satisfies NetKernelArchInput

describe('lab experiments with a convolutional ARCH.json network', () => {
  it('width sweep over channels: the empirical CNN NTK error falls like channels^(−½)', async () => {
    const widths = [4, 16, 64, 256]
    const { outcome, events } = await runLab(project, { kind: 'width-sweep', data: { datasetId, train: 12, test: 4 }, arch: cnn, widths, seedsPerWidth: 6, seed: 7 })
    const r = (outcome as { result: WidthSweepResult }).result
    console.log(`CNN width sweep: err(channels) = ${r.widths.map((w, i) => `${w}:${r.mean[i]!.toFixed(4)}`).join(' ')}, slope ${r.fit.slope.toFixed(3)}, r² ${r.fit.r2.toFixed(3)}`)
    expect(r.widths).toEqual(widths)
    expect(r.mean[3]!).toBeLessThan(r.mean[1]!)
    expect(r.mean[2]!).toBeLessThan(r.mean[0]!)
    expect(r.fit.slope).toBeLessThan(-0.3)
    expect(r.fit.slope).toBeGreaterThan(-0.75)
    expect(metricSeries(events, 'rel_error')).toHaveLength(24)
  })
})

describe('the kernel experiment with a convolutional network', () => {
  it('kernel regression equals a float64 naive-reference CNN kernel solved in float64', async () => {
    const { outcome, runId } = await runLab(project, { kind: 'lab-kernel', data: { datasetId, train: 30, test: 30 }, arch: cnn, diagReg: 1e-3, heatmapSize: 8 })
    const result = (outcome as { result: { n: number; m: number; ntk: { testAccuracy: number; testMse: number }; nngp: { testAccuracy: number } } }).result
    const resolver = createDataResolver((ref) => loadProjectDataset(project.db, ref))
    const load = (split: 'train' | 'test', field: 'x' | 'y') => resolver.load({ type: 'dataset', datasetId, split, field, limit: 30 })
    const [xTr, yTr, xTe, yTe] = await Promise.all([load('train', 'x'), load('train', 'y'), load('test', 'x'), load('test', 'y')])
    const n = xTr.rows
    const m = xTe.rows
    const K = yTr.cols
    expect([result.n, result.m]).toEqual([n, m])
    const rows = (x: typeof xTr): Float32Array[] => Array.from({ length: x.rows }, (_, i) => Float32Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols)))
    const plan = planKernel(NetArch.parse(cnn.net), { wStd: cnn.wStd, bStd: cnn.bStd }, [xTr.cols])
    const ref = referenceKernels(plan, [...rows(xTr), ...rows(xTe)]).ntk
    const kTrain = new Float64Array(n * n)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) kTrain[i * n + j] = ref[i]![j]!
    let trace = 0
    for (let i = 0; i < n; i++) trace += kTrain[i * n + i]!
    const alpha = solveF64(kTrain, n, Float64Array.from(yTr.data.subarray(0, n * K)), K, (1e-3 * trace) / n)
    let hits = 0
    let sq = 0
    for (let i = 0; i < m; i++) {
      const f = Array.from({ length: K }, (_, q) => {
        let s = 0
        for (let j = 0; j < n; j++) s += ref[n + i]![j]! * alpha[j * K + q]!
        return s
      })
      f.forEach((v, q) => (sq += (v - yTe.data[i * K + q]!) ** 2))
      if (f.indexOf(Math.max(...f)) === Array.from(yTe.data.subarray(i * K, i * K + K)).indexOf(1)) hits++
    }
    expect(result.ntk.testAccuracy).toBeCloseTo(hits / m, 10)
    expect(Math.abs(result.ntk.testMse - sq / (m * K))).toBeLessThan(1e-4 * (sq / (m * K)) + 1e-7)
    expect(result.ntk.testAccuracy).toBeGreaterThan(0.8) // the squares are easy for a CNN kernel

    // the spectrum is the eigenvalues of the same kernel: they sum to its trace
    const arts = new RunStore(project.db).artifacts(runId)
    const spectrum = readArtifactArray(project.db, arts.find((a) => a.name === 'spectrum_ntk')!.id).data
    expect(Array.from(spectrum).reduce((a, b) => a + b, 0) / trace).toBeCloseTo(1, 4)
  })

  it('the spectrum experiment takes the same network', async () => {
    const { outcome } = await runLab(project, { kind: 'lab-spectrum', data: { datasetId, train: 24, test: 12 }, arch: cnn, timePoints: 16 })
    expect(outcome.state).toBe('succeeded')
    const r = (outcome as { result: { n: number; tStar: number; minTestLoss: number } }).result
    expect(r.n).toBe(24)
    expect(Number.isFinite(r.tStar) && Number.isFinite(r.minTestLoss)).toBe(true)
  })

  it('a layer the kernel cannot follow fails the run before any work, naming the layer', async () => {
    const bad = { ...cnn, net: { ...cnn.net, layers: [cnn.net.layers[0], { type: 'maxpool2d', pool: 2 }, { type: 'flatten' }] } }
    await expect(runLab(project, { kind: 'lab-kernel', data: { datasetId, train: 30, test: 30 }, arch: bad as typeof cnn })).rejects.toThrow(/layer 2 \(maxpool2d\)/)
  })
})

describe('training vs theory with a convolutional network', () => {
  it('a wide CNN trained by gradient descent follows the closed-form NTK dynamics more closely than a narrow one', async () => {
    const { outcome, events } = await runLab(project, { kind: 'train-vs-theory', data: { datasetId, train: 12, test: 8 }, arch: cnn, widths: [4, 64], steps: 20, evalPoints: 6, driftPoints: 4, seed: 3 })
    const r = (outcome as { result: { widths: { width: number; maxRelativeGap: number; finalTrainLoss: number; theoryFinalTrainLoss: number; finalKernelDrift: number | null }[] } }).result
    const [narrow, wide] = r.widths
    console.log(`CNN training vs theory: gap ${r.widths.map((w) => `${w.width}:${w.maxRelativeGap.toFixed(4)}`).join(' ')}, drift ${r.widths.map((w) => w.finalKernelDrift?.toFixed(4)).join(' ')}`)
    expect(wide!.maxRelativeGap).toBeLessThan(narrow!.maxRelativeGap)
    expect(wide!.maxRelativeGap).toBeLessThan(0.05)
    // the empirical kernel moves less in the wider network (lazy training)
    expect(wide!.finalKernelDrift!).toBeLessThan(narrow!.finalKernelDrift!)
    // GD lowers the training loss, as the theory says it does
    const train = metricSeries(events, 'train_loss/w=64')
    expect(train.at(-1)!.value).toBeLessThan(train[0]!.value)
  }, 180_000)
})
