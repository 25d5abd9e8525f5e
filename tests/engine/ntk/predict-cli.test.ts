import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../../helpers/tmp'
import { readNpy, writeNpy } from '../../../electron/engine/io/npy'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { computeAnalyticKernels } from '../../../electron/engine/ntk/analytic'
import type { FcArch } from '../../../shared/arch'
import { matmulF64, relErr, rng, solveF64 } from '../linalg/reference'

const root = fileURLToPath(new URL('../../..', import.meta.url))
function ntkw(args: string[], cwd: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/ntkw.js'), ...args], { cwd, encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

const tmp = tempDir()
const n = 30
const m = 7
const d = 5
const r = rng(21)
const xa = Float64Array.from({ length: n * d }, () => r())
const xb = Float32Array.from({ length: m * d }, () => r())
const y1 = Float64Array.from({ length: n }, () => r())
const f = (name: string): string => path.join(tmp.dir, name)

beforeAll(async () => {
  await initBackend()
  writeNpy(f('a.npy'), xa, [n, d])
  writeNpy(f('b.npy'), xb, [m, d])
  writeNpy(f('y.npy'), y1, [n])
  writeNpy(f('y-short.npy'), y1.subarray(0, n - 1), [n - 1])
  writeNpy(f('b4.npy'), new Float32Array(m * 4), [m, 4])
  const dup = new Float64Array(n * d)
  for (let i = 0; i < n; i++) dup.set(xa.subarray((i % 10) * d, (i % 10) * d + d), i * d)
  writeNpy(f('dup.npy'), dup, [n, d])
})
afterAll(() => tmp.cleanup())

describe('ntkw predict', () => {
  it('t = ∞ (default) writes predictions.npy in the cwd equal to a float64 solve, and --var writes the variance', async () => {
    const res = ntkw(['predict', '--x-train', 'a.npy', '--y-train', 'y.npy', '--x-test', 'b.npy', '--depth', '2', '--activation', 'erf', '--b-std', '0.2', '--kind', 'nngp', '--var', 'v.npy', '--quiet'], tmp.dir)
    expect(res.err).toBe('')
    expect(res.code).toBe(0)
    expect(res.out.trim().split('\n')).toEqual([f('predictions.npy'), f('v.npy')])
    const p = readNpy(f('predictions.npy'))
    expect(p.shape).toEqual([m, 1])
    const arch: FcArch = { depth: 2, width: 'inf', activation: { name: 'erf', a: 1, b: 1, c: 0 }, wStd: 1, bStd: 0.2, parameterization: 'ntk' }
    const x = { data: xa, rows: n, cols: d }
    const kt = (await computeAnalyticKernels(x, null, arch, { kernels: ['nngp'], workers: 1 })).nngp!
    const kc = (await computeAnalyticKernels({ data: xb, rows: m, cols: d }, x, arch, { kernels: ['nngp'], workers: 1 })).nngp!
    const ref = matmulF64(kc, solveF64(Float64Array.from(kt), y1, n, 1), m, n, 1)
    expect(relErr(p.data as Float32Array, ref)).toBeLessThan(1e-5)
    const v = readNpy(f('v.npy'))
    expect(v.shape).toEqual([m])
    expect(Array.from(v.data as Float32Array).every((s) => s >= 0 && Number.isFinite(s))).toBe(true)
  })

  it('several --t give [times, m, K] at --out', () => {
    const res = ntkw(['predict', '--x-train', 'a.npy', '--y-train', 'y.npy', '--x-test', 'b.npy', '--depth', '1', '--activation', 'relu', '--t', '0,10,100', '--lr', '0.5', '--out', 'sub/pt.npy'], tmp.dir)
    expect(res.code).toBe(0)
    expect(res.out.trim()).toBe(f('sub/pt.npy'))
    const p = readNpy(f('sub/pt.npy'))
    expect(p.shape).toEqual([3, m, 1])
    expect(Array.from((p.data as Float32Array).subarray(0, m))).toEqual(new Array(m).fill(0))
  })

  it('clear errors: row count, feature dimension, singular kernel with a suggested --diag-reg', () => {
    const base = ['--x-test', 'b.npy', '--depth', '1', '--activation', 'relu', '--out', 'e.npy']
    const rows = ntkw(['predict', '--x-train', 'a.npy', '--y-train', 'y-short.npy', ...base], tmp.dir)
    expect(rows.code).toBe(1)
    expect(rows.err).toMatch(/x-train has 30 rows but y-train has 29/)
    const dims = ntkw(['predict', '--x-train', 'a.npy', '--y-train', 'y.npy', '--x-test', 'b4.npy', '--depth', '1', '--activation', 'relu'], tmp.dir)
    expect(dims.code).toBe(1)
    expect(dims.err).toMatch(/5 features but x-test has 4/)
    const sing = ntkw(['predict', '--x-train', 'dup.npy', '--y-train', 'y.npy', ...base], tmp.dir)
    expect(sing.code).toBe(1)
    expect(sing.err).toMatch(/not positive definite|numerically singular/)
    const reg = /--diag-reg ([0-9.e+-]+)/.exec(sing.err)
    expect(reg).not.toBeNull()
    expect(existsSync(f('e.npy'))).toBe(false)
    const fixed = ntkw(['predict', '--x-train', 'dup.npy', '--y-train', 'y.npy', ...base, '--diag-reg', reg![1]!], tmp.dir)
    expect(fixed.code).toBe(0)
    expect(existsSync(f('e.npy'))).toBe(true)
  })
})
