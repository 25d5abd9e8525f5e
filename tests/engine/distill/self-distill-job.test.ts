import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FcArch } from '../../../shared/index'
import { readArtifactJson } from '../../../electron/engine/store/artifacts'
import { RunStore } from '../../../electron/engine/store/runs'
import type { ProjectHandle } from '../../../electron/engine/store/project-db'
import { readNpy, writeNpy } from '../../../electron/engine/io/npy'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { computeAnalyticKernels } from '../../../electron/engine/ntk/analytic'
import type { SelfDistillOutput } from '../../../electron/engine/distill/self-distill/run'
import { tempDir } from '../../helpers/tmp'
import { moonsProject, runLab } from '../lab/lab-helpers'
import { matmulF64, relErr, rng, solveF64 } from '../linalg/reference'

const root = fileURLToPath(new URL('../../..', import.meta.url))
function ntkw(args: string[], cwd: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/ntkw.js'), ...args], { cwd, encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

const tmp = tempDir()
let project: ProjectHandle
let datasetId: string
const arch: FcArch = { depth: 1, width: 'inf', activation: { name: 'relu' }, wStd: 1.5, bStd: 0.1, parameterization: 'ntk' }

beforeAll(async () => {
  await initBackend()
  ;({ project, datasetId } = await moonsProject(tmp.dir))
})
afterAll(() => {
  project.close()
  tmp.cleanup()
})

describe('self-distill job', () => {
  it('curves for each α and the optimal schedule, λ/α limits, shrinkage curves', async () => {
    const { runId } = await runLab(project, { kind: 'self-distill', data: { datasetId, train: 120, test: 60 }, arch, diagReg: 0.05, alphas: [0.2, 0.6], steps: 8 })
    const art = new RunStore(project.db).artifacts(runId).find((a) => a.name === 'self-distill')!
    const out = readArtifactJson(project.db, art.id) as Omit<SelfDistillOutput, 'predictions'>
    expect(out.validation).toBe(24)
    expect(out.n).toBe(96)
    expect(out.curves.map((c) => c.alpha)).toEqual([0.2, 0.6, null])
    // step 1 is the same ridge regression for every curve (same fitted rows)
    const first = out.curves.map((c) => c.testMse![0]!)
    for (const v of first) expect(v).toBeCloseTo(first[0]!, 10)
    // constant α: each step shrinks more (b^(τ) decreases to b∞), so the training error grows monotonically
    for (const c of out.curves.slice(0, 2)) for (let t = 1; t < 8; t++) expect(c.trainMse[t]!).toBeGreaterThan(c.trainMse[t - 1]!)
    // smaller α regularises more: higher training error at the last step
    expect(out.curves[0]!.trainMse[7]!).toBeGreaterThan(out.curves[1]!.trainMse[7]!)
    const opt = out.curves[2]!
    expect(opt.alphaPerStep).toHaveLength(8)
    for (const a of opt.alphaPerStep) expect(a >= 0 && a <= 1).toBe(true)
    expect(out.curves[0]!.limitTestMse).toBeGreaterThan(0)
    expect(out.shrinkage.byAlpha).toHaveLength(2)
    expect(out.shrinkage.taus.at(-1)).toBe('inf')
    for (const curve of out.shrinkage.byAlpha[0]!.curves) expect(curve).toHaveLength(out.shrinkage.eigenvalues.length)
    // shrinkage at τ = 1 is d/(d + λ)
    const d0 = out.shrinkage.eigenvalues[40]!
    expect(out.shrinkage.byAlpha[0]!.curves[0]![40]).toBeCloseTo(d0 / (d0 + out.shrinkage.lambda), 12)
  })
})

describe('self-distill label noise', () => {
  it('relabels a seeded share of the training rows: the same fit misses more of them, and the held-out α* turns below 1', async () => {
    const spec = { kind: 'self-distill' as const, data: { datasetId, train: 120, test: 60 }, arch, diagReg: 1e-3, alphas: [0.5], steps: 4 }
    const read = async (labelNoise: number) => {
      const { runId } = await runLab(project, { ...spec, labelNoise })
      const art = new RunStore(project.db).artifacts(runId).find((a) => a.name === 'self-distill')!
      return readArtifactJson(project.db, art.id) as Omit<SelfDistillOutput, 'predictions'>
    }
    const clean = await read(0)
    const noisy = await read(0.4)
    expect(noisy.curves[0]!.trainMse[0]!).toBeGreaterThan(clean.curves[0]!.trainMse[0]!)
    expect(noisy.curves[0]!.testMse![0]!).toBeGreaterThan(clean.curves[0]!.testMse![0]!)
    expect(noisy.curves.at(-1)!.alphaRaw![1]!).toBeLessThan(1)
  })
})

describe('ntkw self-distill', () => {
  const n = 40
  const m = 9
  const d = 4
  const r = rng(3)
  const xa = Float64Array.from({ length: n * d }, () => r() * 2 - 1)
  const xb = Float64Array.from({ length: m * d }, () => r() * 2 - 1)
  const y = Float64Array.from({ length: n * 2 }, () => r() - 0.5)
  const f = (name: string) => path.join(tmp.dir, name)
  beforeAll(() => {
    writeNpy(f('a.npy'), xa, [n, d])
    writeNpy(f('b.npy'), xb, [m, d])
    writeNpy(f('y.npy'), y, [n, 2])
  })

  it('writes (S, m, K) test predictions equal to iterated float64 solves (≤ 1e-6 relative)', async () => {
    const res = ntkw(['self-distill', '--x-train', 'a.npy', '--y-train', 'y.npy', '--x-test', 'b.npy', '--depth', '2', '--activation', 'erf', '--b-std', '0.2', '--kind', 'nngp', '--diag-reg', '1e-2', '--alpha', '0.4', '--steps', '5', '--out', 'sd.npy', '--quiet'], tmp.dir)
    expect(res.err).toBe('')
    expect(res.code).toBe(0)
    expect(res.out.trim()).toBe(f('sd.npy'))
    const p = readNpy(f('sd.npy'))
    expect(p.shape).toEqual([5, m, 2])
    const a2: FcArch = { depth: 2, width: 'inf', activation: { name: 'erf', a: 1, b: 1, c: 0 }, wStd: 1, bStd: 0.2, parameterization: 'ntk' }
    const X = { data: xa, rows: n, cols: d }
    const G = Float64Array.from((await computeAnalyticKernels(X, null, a2, { kernels: ['nngp'], workers: 1 })).nngp!)
    const Ks = Float64Array.from((await computeAnalyticKernels({ data: xb, rows: m, cols: d }, X, a2, { kernels: ['nngp'], workers: 1 })).nngp!)
    let tr = 0
    for (let i = 0; i < n; i++) tr += G[i * n + i]!
    const A = Float64Array.from(G)
    for (let i = 0; i < n; i++) A[i * n + i]! += (1e-2 * tr) / n
    let t = Float64Array.from(y)
    for (let step = 0; step < 5; step++) {
      const beta = solveF64(A, t, n, 2)
      const ref = matmulF64(Ks, beta, m, n, 2)
      expect(relErr((p.data as Float32Array).subarray(step * m * 2, (step + 1) * m * 2), ref)).toBeLessThan(1e-6)
      const yhat = matmulF64(G, beta, n, n, 2)
      t = Float64Array.from(y, (v, i) => 0.4 * v + 0.6 * yhat[i]!)
    }
  })

  it('bad flags get clear errors', () => {
    const base = ['self-distill', '--x-train', 'a.npy', '--y-train', 'y.npy', '--x-test', 'b.npy', '--depth', '1', '--activation', 'relu']
    const cases: [string[], RegExp][] = [
      [[...base, '--diag-reg', '0', '--alpha', '0.5', '--steps', '3', '--out', 'o.npy'], /--diag-reg 0: expected a number in \(0, 10\]/],
      [[...base, '--diag-reg', '1e-2', '--alpha', '1.5', '--steps', '3', '--out', 'o.npy'], /--alpha 1\.5: expected a number in \[0, 1\]/],
      [[...base, '--diag-reg', '1e-2', '--alpha', '0.5', '--out', 'o.npy'], /--steps is required/],
      [[...base, '--diag-reg', '1e-2', '--alpha', '0.5', '--steps', '3'], /--out is required/],
      [['self-distill', '--x-train', 'a.npy', '--y-train', 'b.npy', '--x-test', 'b.npy', '--depth', '1', '--activation', 'relu', '--diag-reg', '1e-2', '--alpha', '0.5', '--steps', '3', '--out', 'o.npy', '--quiet'], /x-train has 40 rows but y-train has 9/],
    ]
    for (const [args, re] of cases) {
      const res = ntkw(args, tmp.dir)
      expect(res.code).not.toBe(0)
      expect(res.err).toMatch(re)
    }
  })
})
