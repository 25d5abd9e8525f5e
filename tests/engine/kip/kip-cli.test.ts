import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../../helpers/tmp'
import { decodeNpy, writeNpy } from '../../../electron/engine/io/npy'
import { listZip, readZipEntry } from '../../../electron/engine/data/zip'
import { mnistSplit } from './mnist-fixture'

const root = fileURLToPath(new URL('../../..', import.meta.url))
function ntkw(args: string[], cwd: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/ntkw.js'), ...args], { cwd, encoding: 'utf8', timeout: 240_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

const tmp = tempDir()
const f = (name: string): string => path.join(tmp.dir, name)

beforeAll(async () => {
  const m = await mnistSplit(500, 200)
  writeNpy(f('x.npy'), m.x, [500, m.d])
  writeNpy(f('y.npy'), m.y, [500])
  writeNpy(f('xt.npy'), m.xt, [200, m.d])
  writeNpy(f('yt.npy'), m.yt, [200])
  const nan = Float32Array.from(m.x)
  nan[5 * m.d + 100] = Number.NaN
  writeNpy(f('xnan.npy'), nan, [500, m.d])
  writeNpy(f('ygap.npy'), Float64Array.from(m.y, (v) => (v === 3 ? 4 : v)), [500])
})
afterAll(() => tmp.cleanup())

const base = ['kip', '--x', 'x.npy', '--y', 'y.npy', '--per-class', '2', '--depth', '2', '--activation', 'relu', '--w-std', '1.414', '--b-std', '0.1']

describe('ntkw kip', () => {
  it('writes SUPPORT.npz with x [K·C, d] and y [K·C, C] float32, progress and test accuracy on stderr', () => {
    const r = ntkw([...base, '--x-test', 'xt.npy', '--y-test', 'yt.npy', '--steps', '6', '--batch', '100', '--eval-every', '3', '--learn-labels', '--out', 'support.npz'], tmp.dir)
    expect(r.err).toMatch(/step 0: test accuracy [\d.]+%/)
    expect(r.err).toMatch(/step 6: test accuracy [\d.]+%/)
    expect(r.code).toBe(0)
    expect(r.out.trim()).toBe(f('support.npz'))
    const buf = new Uint8Array(readFileSync(f('support.npz')))
    const entries = listZip(buf, 'support.npz')
    const arr = (name: string) => decodeNpy(readZipEntry(buf, entries.find((e) => e.name === name)!, 'support.npz'))
    const x = arr('x.npy')
    const y = arr('y.npy')
    expect(x.shape).toEqual([20, 784])
    expect(x.dtype).toBe('f4')
    expect(y.shape).toEqual([20, 10])
    expect(y.dtype).toBe('f4')
    // learned labels moved away from one-hot − 1/C
    expect(Math.abs(Number(y.data[0]) - 0.9)).toBeGreaterThan(1e-5)
  }, 240_000)

  it('bad input: clear errors and a non-zero exit', () => {
    const cases: [string[], RegExp][] = [
      [[...base.map((a) => (a === '2' ? '60' : a)), '--out', 'o.npz'], /more than class \d+ has/],
      [[...base.map((a) => (a === 'y.npy' ? 'ygap.npy' : a)), '--out', 'o.npz'], /class 3 has no samples/],
      [[...base.map((a) => (a === 'x.npy' ? 'xnan.npy' : a)), '--out', 'o.npz'], /contains NaN at row 5, column 100/],
      [[...base, '--x-test', 'xt.npy', '--out', 'o.npz'], /both --x-test and --y-test/],
      [base, /--out is required/],
      [[...base, '--out', 's.txt'], /NPZ archive[\s\S]*--out s\.npz/],
      [[...base.map((a) => (a === 'relu' ? 'gelu' : a)), '--out', 'o.npz'], /cannot use the activation 'gelu'/],
    ]
    for (const [args, msg] of cases) {
      const r = ntkw(args, tmp.dir)
      expect(r.code, r.err).not.toBe(0)
      expect(r.err).toMatch(msg)
    }
  }, 240_000)

  it('--help documents every flag', () => {
    const r = ntkw(['kip', '--help'], tmp.dir)
    for (const flag of ['--x', '--y', '--x-test', '--y-test', '--per-class', '--kernel', '--depth', '--activation', '--w-std', '--b-std', '--diag-reg', '--steps', '--lr', '--batch', '--learn-labels', '--init', '--seed', '--out']) {
      expect(r.out + r.err).toContain(flag)
    }
  })
})
