import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { FcArch } from '../../../shared/arch'
import { AUTO_RATES, chooseApprox, estimateExact, estimateRf, rfCrossover } from '../../../electron/engine/features/auto'
import { interpolationWarning, nearInterpolation } from '../../../electron/engine/features/interpolation'
import { readNpy, writeNpy } from '../../../electron/engine/io/npy'
import { tempDir } from '../../helpers/tmp'

const arch = FcArch.parse({ depth: 3, activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.1 })
const base = { nTest: 1000, d: 784, arch, kind: 'ntk' as const }

describe('--approx auto: exact where it is cheaper, random features where they pay off', () => {
  it('small n runs exact, and says so with both estimates', () => {
    const c = chooseApprox({ ...base, n: 2000, features: 8192, memoryBytes: 16 * 2 ** 30 })
    expect(c.use).toBe('exact')
    expect(c.reason).toMatch(/^exact kernel: estimated faster .* n = 2000 \(exact ≈ .* random features \(m = 8192\) ≈ /)
    expect(c.exactSeconds).toBeLessThan(c.rfSeconds)
  })

  it('memory decides first: an n × n kernel that does not fit in half the RAM means features', () => {
    const n = 50_000
    const c = chooseApprox({ ...base, n, features: 8192, memoryBytes: 16 * 2 ** 30 })
    expect(c.exactBytes).toBeGreaterThan(8 * 2 ** 30)
    expect(c.use).toBe('rf')
    expect(c.reason).toMatch(/more than half the memory/)
  })

  for (const provider of ['mlas', 'tfjs'] as const) {
    const rates = AUTO_RATES[provider]
    it(`the crossover is where Auto starts choosing features, and it grows with m (features cost n·m²), at ${provider}'s rates`, () => {
      const ms = [2048, 4096, 8192]
      const cross = ms.map((features) => rfCrossover({ ...base, features, rates })!)
      expect(cross[0]).toBeLessThan(cross[1]!)
      expect(cross[1]).toBeLessThan(cross[2]!)
      for (const [i, features] of ms.entries()) {
        const at = cross[i]!
        const below = Math.floor(at / 1.1)
        // features there are estimated faster and m′ is clear of n; just below, one of the two fails
        expect(estimateRf({ ...base, n: at, features }, rates).seconds).toBeLessThan(estimateExact({ n: at, nTest: 1000, d: 784, depth: 3 }, rates).seconds)
        expect(nearInterpolation(at, features)).toBe(false)
        const slower = estimateRf({ ...base, n: below, features }, rates).seconds >= estimateExact({ n: below, nTest: 1000, d: 784, depth: 3 }, rates).seconds
        expect(slower || nearInterpolation(below, features)).toBe(true)
        expect(chooseApprox({ ...base, n: at, features, memoryBytes: 2 ** 50, rates }).use).toBe('rf')
        expect(chooseApprox({ ...base, n: below, features, memoryBytes: 2 ** 50, rates }).use).toBe('exact')
      }
    })
  }

  it('features faster than the exact kernel but with m′ near n: the exact kernel, and the reason says why', () => {
    const rates = AUTO_RATES.mlas
    // m′ = 4 096 features at n = 8 192: estimated faster (from n ≈ 5 300 on), and within a factor 2 of n
    const features = 4096
    const n = 2 * features
    expect(nearInterpolation(n, features)).toBe(true)
    const c = chooseApprox({ ...base, n, features, memoryBytes: 2 ** 50, rates })
    expect(c.rfSeconds).toBeLessThan(c.exactSeconds)
    expect(c.use).toBe('exact')
    expect(c.reason).toMatch(new RegExp(`^exact kernel: random features are estimated faster, but m′ = ${features} features for n = ${n} .*interpolation peak`))
    // memory still comes first
    expect(chooseApprox({ ...base, n, features, memoryBytes: 1e6, rates }).use).toBe('rf')
  })

  it('flags maps within a factor 2 of n on either side, with what to do', () => {
    expect(nearInterpolation(4000, 1999)).toBe(false)
    expect(nearInterpolation(4000, 2000)).toBe(true)
    expect(nearInterpolation(4000, 8000)).toBe(true)
    expect(nearInterpolation(4000, 8001)).toBe(false)
    expect(interpolationWarning(4000, 16384)).toBeNull()
    expect(interpolationWarning(4000, 4096)).toMatch(/m′ = 4096 features for n = 4000 .*interpolation peak.*--features ≥ 16000 \(or ≤ 1000\)/)
  })

  it('the crossover table in docs/performance.md is what Auto computes (to the hundred)', async () => {
    const { readFileSync } = await import('node:fs')
    const doc = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/performance.md'), 'utf8')
    const section = doc.slice(doc.indexOf('## Exact or random features'))
    const row = (label: string): number[] => {
      const line = section.split('\n').find((l) => l.startsWith(`| ${label} |`))!
      return line.split('|').slice(2, -1).map((c) => Number(c.replace(/[≈\s]/g, '')))
    }
    const ms = row('m')
    expect(ms).toEqual([2048, 4096, 8192, 16384])
    for (const provider of ['mlas', 'tfjs'] as const) {
      row(`n, ${provider}`).forEach((n, i) => expect(n).toBe(Math.round(rfCrossover({ ...base, features: ms[i]!, rates: AUTO_RATES[provider] })! / 100) * 100))
    }
  })

  it('prices the exact path by its matmul flops, recursion entries and n³/3 Cholesky', () => {
    const n = 4000
    const r = AUTO_RATES.mlas
    const e = estimateExact({ n, nTest: 1000, d: 784, depth: 3 }, r)
    const expected = (2 * n * 5000 * 784) / r.gemmFlopsPerSecond + n * 5000 * 3 * r.recursionSecondsPerEntryLayer + (n ** 3 / 3 + 6 * n * n) / r.gemmFlopsPerSecond
    expect(e.seconds).toBeCloseTo(expected, 6)
  })
})

describe('ntkw predict --approx auto', () => {
  const root = fileURLToPath(new URL('../../..', import.meta.url))
  const tmp = tempDir()
  afterAll(() => tmp.cleanup())
  const ntkw = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/ntkw.js'), ...args], { cwd: tmp.dir, encoding: 'utf8', timeout: 120_000 })

  it('on a small problem runs the exact path (same predictions as without --approx) and says why', () => {
    const n = 40
    const d = 6
    const x = Float32Array.from({ length: n * d }, (_, i) => Math.sin(i * 1.7) + 0.1 * (i % 5))
    const y = Float32Array.from({ length: n }, (_, i) => Math.cos(i))
    const xt = Float32Array.from({ length: 10 * d }, (_, i) => Math.cos(i * 0.9))
    for (const [name, a, shape] of [['x', x, [n, d]], ['y', y, [n]], ['xt', xt, [10, d]]] as const) writeNpy(path.join(tmp.dir, `${name}.npy`), a, [...shape])
    const common = ['predict', '--x-train', 'x.npy', '--y-train', 'y.npy', '--x-test', 'xt.npy', '--depth', '2', '--activation', 'relu', '--diag-reg', '1e-3', '--quiet']
    const exact = ntkw([...common, '--out', 'exact.npy'])
    expect(exact.status, exact.stderr).toBe(0)
    const auto = ntkw([...common, '--out', 'auto.npy', '--approx', 'auto', '--features', '256'])
    expect(auto.status, auto.stderr).toBe(0)
    expect(auto.stderr).toMatch(/auto: exact kernel: estimated faster than random features at n = 40/)
    expect(Array.from(readNpy(path.join(tmp.dir, 'auto.npy')).data as Float32Array)).toEqual(Array.from(readNpy(path.join(tmp.dir, 'exact.npy')).data as Float32Array))
    const bad = ntkw([...common, '--approx', 'fastest', '--features', '256'])
    expect(bad.status).toBe(1)
    expect(bad.stderr).toMatch(/--approx fastest: expected rf, nystrom or auto/)
  })
})
