import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import { ntkw } from '../../helpers/ntkw'
import { tempDir } from '../../helpers/tmp'
import { readNpy, writeNpy } from '../../../electron/engine/io/npy'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { randomFeatureMap } from '../../../electron/engine/features/random-features'
import { FcArch } from '../../../shared/arch'
import { bruteKernels, gaussianRows } from '../ntk/analytic-brute-force'
import { matmulF64, relErr, solveF64 } from '../linalg/reference'
import { flat, gram, relFro } from './helpers'

const tmp = tempDir()
const f = (name: string): string => path.join(tmp.dir, name)
const n = 30
const mt = 6
const d = 5
const xa = gaussianRows(n, d, 31)
const xb = gaussianRows(mt, d, 32)
const y = Float64Array.from({ length: n }, (_, i) => Math.cos(i))
const arch = FcArch.parse({ depth: 2, activation: { name: 'relu' }, wStd: 1.4, bStd: 0.1 })

beforeAll(async () => {
  await initBackend()
  writeNpy(f('a.npy'), Float64Array.from(xa.flat()), [n, d])
  writeNpy(f('b.npy'), Float64Array.from(xb.flat()), [mt, d])
  writeNpy(f('y.npy'), y, [n])
})
afterAll(() => tmp.cleanup())

const common = ['--depth', '2', '--activation', 'relu', '--w-std', '1.4', '--b-std', '0.1']

describe('ntkw features', () => {
  it('writes Φ (float32, n × m′) whose Gram approximates the kernel; Nyström with all points is exact; same seed, same file', () => {
    const rf = ntkw(['features', '--x', 'a.npy', ...common, '--method', 'rf', '--features', '512', '--seed', '3', '--out', 'rf.npy', '--quiet'], tmp.dir)
    expect(rf.code).toBe(0)
    expect(rf.out.trim()).toBe(f('rf.npy'))
    expect(rf.err).toMatch(/Φ: 30 × 512/)
    const phi = readNpy(f('rf.npy')) as { data: Float32Array; shape: number[] }
    expect(phi.shape).toEqual([n, 512])
    expect(phi.data).toBeInstanceOf(Float32Array)
    const exact = flat(bruteKernels(xa, xa, arch).ntk)
    const e = relFro(gram(phi.data, n, 512), exact)
    expect(e).toBeLessThan(0.25)
    expect(e).toBeGreaterThan(1e-3)
    ntkw(['features', '--x', 'a.npy', ...common, '--method', 'rf', '--features', '512', '--seed', '3', '--out', 'rf2.npy', '--quiet'], tmp.dir)
    expect(Array.from(readNpy(f('rf2.npy')).data as Float32Array)).toEqual(Array.from(phi.data))

    const ny = ntkw(['features', '--x', 'a.npy', ...common, '--kind', 'nngp', '--method', 'nystrom', '--features', '100', '--out', 'ny.npy', '--quiet'], tmp.dir)
    expect(ny.code).toBe(0)
    const p = readNpy(f('ny.npy')) as { data: Float32Array; shape: number[] }
    expect(p.shape[0]).toBe(n)
    expect(relFro(gram(p.data, n, p.shape[1]!), flat(bruteKernels(xa, xa, arch).nngp))).toBeLessThan(2e-4)
  })

  it('bad flags are clear errors', () => {
    const noMethod = ntkw(['features', '--x', 'a.npy', ...common, '--features', '64', '--out', 'o.npy'], tmp.dir)
    expect(noMethod.code).not.toBe(0)
    expect(noMethod.err).toMatch(/--method is required/)
    const badM = ntkw(['features', '--x', 'a.npy', ...common, '--method', 'rf', '--features', '2', '--out', 'o.npy'], tmp.dir)
    expect(badM.err).toMatch(/--features 2: expected an integer 4..65536/)
    const noApprox = ntkw(['predict', '--x-train', 'a.npy', '--y-train', 'y.npy', '--x-test', 'b.npy', ...common, '--features', '64'], tmp.dir)
    expect(noApprox.err).toMatch(/apply to approximate predictions only/)
    const help = ntkw(['--help'], tmp.dir)
    expect(help.out).toMatch(/features/)
  })
})

describe('ntkw predict --approx', () => {
  it('Nyström with all training points gives the exact predictions (float64 solve), rf approximates them', async () => {
    const refOf = (reg: number): Float64Array => {
      const kt = flat(bruteKernels(xa, xa, arch).ntk)
      const kc = flat(bruteKernels(xb, xa, arch).ntk)
      let tr = 0
      for (let i = 0; i < n; i++) tr += kt[i * n + i]!
      const ks = kt.map((v, i) => (i % (n + 1) === 0 ? v + (reg * tr) / n : v))
      return matmulF64(kc, solveF64(ks, y, n, 1), mt, n, 1)
    }
    const ref = refOf(1e-3)
    const base = ['predict', '--x-train', 'a.npy', '--y-train', 'y.npy', '--x-test', 'b.npy', ...common, '--quiet']
    const ny = ntkw([...base, '--diag-reg', '1e-3', '--approx', 'nystrom', '--features', '30', '--out', 'pn.npy'], tmp.dir)
    expect(ny.code).toBe(0)
    expect(ny.err).toMatch(/nystrom: \d+ features \(requested 30, seed 0\), (primal|dual) solve/)
    expect(relErr(readNpy(f('pn.npy')).data as Float32Array, ref)).toBeLessThan(2e-3)
    const rf = ntkw([...base, '--diag-reg', '0.1', '--approx', 'rf', '--features', '256', '--seed', '2', '--out', 'pr.npy'], tmp.dir)
    expect(rf.code).toBe(0)
    expect(rf.err).toMatch(/rf: 256 features \(requested 256, seed 2\), dual solve/)
    // the same seed in this process gives the same map: a float64 solve on its Θ̃ = ΦΦᵀ reproduces the CLI
    const map = randomFeatureMap({ arch, kind: 'ntk', inDim: d, features: 256, seed: 2 })
    const pa = Float64Array.from(await map.apply(Float32Array.from(xa.flat()), n))
    const pb = Float64Array.from(await map.apply(Float32Array.from(xb.flat()), mt))
    map.dispose()
    const kt = gram(pa, n, 256)
    const kc = new Float64Array(mt * n)
    for (let i = 0; i < mt; i++) for (let j = 0; j < n; j++) for (let c = 0; c < 256; c++) kc[i * n + j] = kc[i * n + j]! + pb[i * 256 + c]! * pa[j * 256 + c]!
    let tr = 0
    for (let i = 0; i < n; i++) tr += kt[i * n + i]!
    const approxRef = matmulF64(kc, solveF64(kt.map((v, i) => (i % (n + 1) === 0 ? v + (0.1 * tr) / n : v)), y, n, 1), mt, n, 1)
    const got = readNpy(f('pr.npy')).data as Float32Array
    expect(relErr(got, approxRef)).toBeLessThan(1e-3)
    // and it is an approximation of the exact predictions, not a copy
    expect(relErr(got, refOf(0.1))).toBeGreaterThan(1e-3)
  })

  it('warns, even with --quiet, when m′ is near n (the interpolation peak), and not otherwise', () => {
    const base = ['predict', '--x-train', 'a.npy', '--y-train', 'y.npy', '--x-test', 'b.npy', ...common, '--diag-reg', '1e-4', '--approx', 'rf', '--quiet']
    const near = ntkw([...base, '--features', '32', '--out', 'p32.npy'], tmp.dir)
    expect(near.code).toBe(0)
    expect(near.err).toMatch(/warn: m′ = 32 features for n = 30 training points: the feature regression is near its interpolation peak .*--features ≥ 120 \(or ≤ 7\)/)
    const far = ntkw([...base, '--features', '256', '--out', 'p256.npy'], tmp.dir)
    expect(far.code).toBe(0)
    expect(far.err).not.toMatch(/interpolation peak/)
  })
})
