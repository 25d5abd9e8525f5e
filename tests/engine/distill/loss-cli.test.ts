import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../../helpers/tmp'
import { writeNpy } from '../../../electron/engine/io/npy'

const root = fileURLToPath(new URL('../../..', import.meta.url))
function ntkw(args: string[], cwd: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/ntkw.js'), ...args], { cwd, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

const tmp = tempDir()
const n = 4
const C = 3
// hand-picked logits: each expected value below is written out from the definitions
const zs = [1, 0, -1, 0.5, 0.5, 0, 2, -1, 0, 0, 0, 3]
const zt = [2, 0, -2, 0, 1, 0, 1, 1, -1, -1, 0, 2]
const y = [0, 1, 0, 2]
const soft = (v: number[], t: number) => {
  const e = v.map((x) => Math.exp(x / t))
  const s = e.reduce((a, b) => a + b, 0)
  return e.map((x) => x / s)
}
const rows = (z: number[]) => [0, 1, 2, 3].map((i) => z.slice(i * C, i * C + C))
function klAt(t: number): number {
  let s = 0
  rows(zt).forEach((r, i) => {
    const p = soft(r, t)
    const q = soft(rows(zs)[i]!, t)
    p.forEach((pi, c) => (s += pi * Math.log(pi / q[c]!)))
  })
  return s / n
}

beforeAll(() => {
  writeNpy(path.join(tmp.dir, 'zs.npy'), Float32Array.from(zs), [n, C])
  writeNpy(path.join(tmp.dir, 'zt.npy'), Float64Array.from(zt), [n, C])
  writeNpy(path.join(tmp.dir, 'y.npy'), Float64Array.from(y), [n])
  const oh = new Float32Array(n * C)
  y.forEach((c, i) => (oh[i * C + c] = 1))
  writeNpy(path.join(tmp.dir, 'y1h.npy'), oh, [n, C])
  writeNpy(path.join(tmp.dir, 'zt4.npy'), new Float32Array(n * 4), [n, 4])
  writeNpy(path.join(tmp.dir, 'ybad.npy'), Float64Array.from([0, 1, 3, 2]), [n])
  writeNpy(path.join(tmp.dir, 'znan.npy'), Float32Array.from(zs.map((v, i) => (i === 4 ? NaN : v))), [n, C])
})
afterAll(() => tmp.cleanup())

const base = ['--student', 'zs.npy', '--teacher', 'zt.npy', '--labels', 'y.npy']
const value = (r: { out: string }) => (JSON.parse(r.out) as { loss: number }).loss

describe('ntkw loss', () => {
  it('kd uses the repository defaults T = 4, α = 0.9 and prints {"loss": value}', () => {
    const r = ntkw(['loss', '--kind', 'kd', ...base], tmp.dir)
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(Object.keys(JSON.parse(r.out))).toEqual(['loss'])
    expect(value(r)).toBeCloseTo(0.9 * 16 * klAt(4), 6)
    const r2 = ntkw(['loss', '--kind', 'kd', ...base, '--temperature', '2', '--alpha', '1'], tmp.dir)
    expect(value(r2)).toBeCloseTo(4 * klAt(2), 6)
  })

  it('ce needs no teacher; one-hot labels give the same value as indices', () => {
    let ce = 0
    rows(zs).forEach((r, i) => (ce -= Math.log(soft(r, 1)[y[i]!]!)))
    const r = ntkw(['loss', '--kind', 'ce', '--student', 'zs.npy', '--labels', 'y1h.npy'], tmp.dir)
    expect(r.code).toBe(0)
    expect(value(r)).toBeCloseTo(ce / n, 6)
  })

  it('topkld with --k C --lambda 0 equals kd with --alpha 1; nkd and dkd run with their defaults', () => {
    const a = value(ntkw(['loss', '--kind', 'topkld', ...base, '--k', '3', '--lambda', '0', '--temperature', '3'], tmp.dir))
    const b = value(ntkw(['loss', '--kind', 'kd', ...base, '--alpha', '1', '--temperature', '3'], tmp.dir))
    expect(a).toBeCloseTo(b, 10)
    // nkd, T = 1, γ = 1.5: −p_t(y) log p_s(y) − γ Σ_{k≠y} q_t log q_s
    let nkd = 0
    rows(zs).forEach((r, i) => {
      const t = rows(zt)[i]!
      const yi = y[i]!
      nkd -= soft(t, 1)[yi]! * Math.log(soft(r, 1)[yi]!)
      const qs = soft(r.filter((_, c) => c !== yi), 1)
      const qt = soft(t.filter((_, c) => c !== yi), 1)
      qt.forEach((q, k) => (nkd -= 1.5 * q * Math.log(qs[k]!)))
    })
    expect(value(ntkw(['loss', '--kind', 'nkd', ...base], tmp.dir))).toBeCloseTo(nkd / n, 6)
    const dkd = ntkw(['loss', '--kind', 'dkd', ...base], tmp.dir)
    expect(dkd.code).toBe(0)
    expect(value(dkd)).toBeGreaterThan(0)
  })

  it('bad input: class counts differ, labels out of range, NaN logits, T ≤ 0, missing kind', () => {
    const cases: [string[], RegExp][] = [
      [['--kind', 'kd', '--student', 'zs.npy', '--teacher', 'zt4.npy', '--labels', 'y.npy'], /teacher has 4 classes but the student has 3/],
      [['--kind', 'kd', '--student', 'zs.npy', '--teacher', 'zt.npy', '--labels', 'ybad.npy'], /label 3 at row 2 is not a class index in 0\.\.2/],
      [['--kind', 'dkd', '--student', 'znan.npy', '--teacher', 'zt.npy', '--labels', 'y.npy'], /student logits contain NaN or Inf \(first at row 1, column 1\)/],
      [['--kind', 'kd', ...base, '--temperature', '0'], /--temperature 0: expected a number > 0/],
      [['--kind', 'kd', ...base, '--temperature=-2'], /--temperature -2: expected a number > 0/],
      [['--kind', 'xd', ...base], /--kind xd: expected one of ce, kd, nkd, dkd, topkld/],
      [base, /--kind is required/],
      [['--kind', 'kd', '--student', 'zs.npy', '--labels', 'y.npy'], /--teacher is required/],
    ]
    for (const [args, re] of cases) {
      const r = ntkw(['loss', ...args], tmp.dir)
      expect(r.code).not.toBe(0)
      expect(r.out).toBe('')
      expect(r.err).toMatch(re)
    }
  })

  it('--help documents every flag and the defaults', () => {
    const r = ntkw(['loss', '--help'], tmp.dir)
    for (const flag of ['--kind', '--student', '--teacher', '--labels', '--temperature', '--alpha', '--beta', '--gamma', '--k', '--lambda']) expect(r.out).toContain(flag)
    expect(r.out).toContain('T = 4, alpha = 0.9')
    expect(r.out).toContain('T = 1, gamma = 1.5')
    expect(r.out).toContain('T = 4, alpha = 1, beta = 8')
  })
})
