import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { NetArch, planKernel } from '../../../shared/arch'
import { SpatialTiler } from '../../../electron/engine/ntk/spatial'
import { referenceKernels } from './conv-reference'

// Golden fixtures: neural-tangents' stax in float64 (scripts/fixtures/conv-kernels.py made them).
const DIR = path.join(__dirname, '..', '..', 'fixtures', 'conv-kernels')
interface Fixture {
  name: string
  arch: unknown
  defaults: { wStd: number; bStd: number | null }
  x: number[][]
  nngp: number[][]
  ntk: number[][]
}
const fixtures: Fixture[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as Fixture)

function maxRel(a: number[][], b: ArrayLike<number>[] | number[][]): number {
  let worst = 0
  let scale = 0
  for (const row of a) for (const v of row) scale = Math.max(scale, Math.abs(v))
  a.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i]![j]!) / Math.max(Math.abs(v), 1e-3 * scale)))))
  return worst
}

describe('convolutional NNGP/NTK against neural-tangents (float64 fixtures)', () => {
  it('covers the floor: ≥ 8 architectures, same/valid, avgpool, GAP, flatten, relu/erf/gelu, depth 1–4, 8×8 and 28×28', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(8)
    const text = JSON.stringify(fixtures.map((f) => f.arch))
    for (const word of ['"same"', '"valid"', 'avgpool2d', 'globalavgpool', 'flatten', 'relu', 'erf', 'gelu']) expect(text).toContain(word)
    expect(fixtures.some((f) => JSON.stringify(f.arch).includes('[28,28,1]'))).toBe(true)
  })

  for (const f of fixtures) {
    const plan = planKernel(NetArch.parse(f.arch), f.defaults, [f.x[0]!.length])
    const xs = f.x.map((r) => Float32Array.from(r))

    it(`${f.name}: the float64 reference loop matches neural-tangents to 1e-9`, () => {
      // the naive loop is O(P²·F²) per pair: two points of a 28×28 fixture keep it to seconds
      const m = plan.input[0]! > 8 ? 2 : xs.length
      const ref = referenceKernels(plan, xs.slice(0, m))
      const sub = (k: number[][]): number[][] => k.slice(0, m).map((r) => r.slice(0, m))
      expect(maxRel(sub(f.nngp), ref.nngp)).toBeLessThan(1e-9)
      expect(maxRel(sub(f.ntk), ref.ntk)).toBeLessThan(1e-9)
    })

    it(`${f.name}: the engine's layer modules match neural-tangents to 1e-6`, () => {
      const n = xs.length
      const d = xs[0]!.length
      const flat = new Float32Array(n * d)
      xs.forEach((r, i) => flat.set(r, i * d))
      const tiler = new SpatialTiler(plan, flat, flat, d, ['nngp', 'ntk'])
      // a diagonal tile (upper triangle mirrored) and an off-diagonal one
      const whole = tiler.tile({ row0: 0, rows: n, col0: 0, cols: n }, true)
      const off = tiler.tile({ row0: 1, rows: n - 1, col0: 0, cols: 2 }, false)
      const rows = (a: Float32Array): number[][] => Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)))
      expect(maxRel(f.nngp, rows(whole.nngp!))).toBeLessThan(1e-6)
      expect(maxRel(f.ntk, rows(whole.ntk!))).toBeLessThan(1e-6)
      for (let r = 0; r < n - 1; r++) for (let c = 0; c < 2; c++) expect(off.ntk![r * 2 + c]).toBe(whole.ntk![(r + 1) * n + c])
    })
  }
})
