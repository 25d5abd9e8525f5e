import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { readNpy, writeNpy } from '../../electron/engine/io/npy'
import { ntkw } from '../helpers/ntkw'
import { tempDir } from '../helpers/tmp'

// `ntkw kernel|predict --arch ARCH.json` end to end, against neural-tangents' float64 fixtures
// (scripts/fixtures/conv-kernels.py), and every bad ARCH.json refused before any file is written.
const root = fileURLToPath(new URL('../..', import.meta.url))
interface Fixture { arch: { input: number[] }; defaults: { wStd: number; bStd: number | null }; x: number[][]; nngp: number[][]; ntk: number[][] }
const fixture = (name: string): Fixture => JSON.parse(readFileSync(path.join(root, 'tests', 'fixtures', 'conv-kernels', `${name}.json`), 'utf8')) as Fixture
const sigmaFlags = (f: Fixture): string[] => ['--w-std', String(f.defaults.wStd), ...(f.defaults.bStd === null ? [] : ['--b-std', String(f.defaults.bStd)])]
const maxRel = (want: number[][], got: ArrayLike<number>): number => {
  const n = want.length
  let worst = 0
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(got[i * n + j]! - want[i]![j]!) / Math.abs(want[i]![j]!))
  return worst
}

/** Points 0–2 of a fixture as training points (xtr.npy, targets y.npy), point 3 as the test point (xte.npy), its ARCH.json as a.json. */
function trainTestFiles(dir: string, f: Fixture, y: number[]): void {
  const d = f.x[0]!.length
  writeNpy(path.join(dir, 'xtr.npy'), Float32Array.from(f.x.slice(0, 3).flat()), [3, d])
  writeNpy(path.join(dir, 'xte.npy'), Float32Array.from(f.x[3]!), [1, d])
  writeNpy(path.join(dir, 'y.npy'), Float32Array.from(y), [3, 1])
  writeFileSync(path.join(dir, 'a.json'), JSON.stringify(f.arch))
}

describe('ntkw kernel --arch', () => {
  it('a GAP CNTK from (n, h, w, c) NPY, and the same from flat rows reshaped by "input", matches neural-tangents', () => {
    const tmp = tempDir()
    const f = fixture('gap-gelu-d2')
    const n = f.x.length
    const flat = Float32Array.from(f.x.flat())
    writeNpy(path.join(tmp.dir, 'img.npy'), flat, [n, ...f.arch.input])
    writeNpy(path.join(tmp.dir, 'flat.npy'), flat, [n, flat.length / n])
    const { input: _drop, ...noInput } = f.arch
    writeFileSync(path.join(tmp.dir, 'with-input.json'), JSON.stringify(f.arch))
    writeFileSync(path.join(tmp.dir, 'no-input.json'), JSON.stringify(noInput))
    for (const [x, a, kinds] of [['img.npy', 'no-input.json', ['ntk', 'nngp']], ['flat.npy', 'with-input.json', ['ntk']]] as const) {
      for (const kind of kinds) {
        const r = ntkw(['kernel', '--x', x!, '--arch', a!, ...sigmaFlags(f), '--kind', kind, '--out', `${kind}.npy`, '--quiet'], tmp.dir)
        expect(r.err).toBe('')
        expect(r.code).toBe(0)
        const k = readNpy(path.join(tmp.dir, `${kind}.npy`))
        expect(k.shape).toEqual([n, n])
        expect(maxRel(f[kind], k.data as Float32Array)).toBeLessThan(1e-5)
      }
    }
    tmp.cleanup()
  })

  it('--dry-run prints the plan and the estimate and writes nothing', () => {
    const tmp = tempDir()
    const f = fixture('avgpool-relu-d2')
    writeNpy(path.join(tmp.dir, 'x.npy'), Float32Array.from(f.x.flat()), [f.x.length, 64])
    writeFileSync(path.join(tmp.dir, 'a.json'), JSON.stringify(f.arch))
    const r = ntkw(['kernel', '--x', 'x.npy', '--arch', 'a.json', '--dry-run', '--workers', '1'], tmp.dir)
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/avgpool 2×2\s+\[8, 8, 8\] → \[4, 4, 8\]/)
    expect(r.out).toMatch(/full P×P covariance up to the last pooling layer/)
    expect(r.out).toMatch(/estimate: 10 pairs, .* on 1 thread, ≈ [\d.]+ MiB working memory/)
    expect(existsSync(path.join(tmp.dir, 'kernel.npy'))).toBe(false)
    tmp.cleanup()
  })

  const conv = { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', activation: 'relu' }
  const bad: [string, unknown, RegExp][] = [
    ['an unknown layer', { layers: [conv, { type: 'lstm', units: 3 }] }, /layer 2 \(lstm\)/],
    ['pooling larger than the image', { layers: [conv, { type: 'avgpool2d', pool: 9 }] }, /layer 2 \(avgpool2d\): pool 9×9 is larger than the 8×8 image/],
    ['valid padding that empties the image', { layers: [conv, { type: 'conv2d', filters: 2, kernel: 5, padding: 'valid' }, { type: 'conv2d', filters: 2, kernel: 5, padding: 'valid' }] }, /layer 3 \(conv2d\): a 5×5 filter with valid padding empties the 4×4 image/],
    ['maxpool in a kernel', { layers: [conv, { type: 'maxpool2d' }] }, /layer 2 \(maxpool2d\): max pooling has no closed-form/],
    ['an input shape that does not match the rows', { input: [7, 7, 1], layers: [conv] }, /"input" \[7, 7, 1\] holds 49 values per point, but the data rows have 64/],
  ]
  for (const [what, arch, message] of bad) {
    it(`refuses ${what} before any work, naming the layer`, () => {
      const tmp = tempDir()
      writeNpy(path.join(tmp.dir, 'x.npy'), new Float32Array(3 * 64).fill(0.5), [3, 8, 8, 1])
      writeFileSync(path.join(tmp.dir, 'a.json'), JSON.stringify(arch))
      const trio = ['--x-train', 'x.npy', '--y-train', 'x.npy', '--x-test', 'x.npy']
      for (const cmd of [['kernel', '--x', 'x.npy'], ['predict', ...trio], ['self-distill', ...trio, '--diag-reg', '0.01', '--alpha', '0.5', '--steps', '2']]) {
        const r = ntkw([...cmd, '--arch', 'a.json', '--out', 'k.npy'], tmp.dir)
        expect(r.code).toBe(1)
        expect(r.err).toMatch(message)
        expect(r.err).toMatch(/hint: /)
        expect(r.err).not.toMatch(/%/) // no progress: nothing started
        expect(existsSync(path.join(tmp.dir, 'k.npy'))).toBe(false)
      }
      tmp.cleanup()
    })
  }

  it('--arch and the FC flags exclude each other', () => {
    const tmp = tempDir()
    writeNpy(path.join(tmp.dir, 'x.npy'), new Float32Array(64), [1, 8, 8, 1])
    writeFileSync(path.join(tmp.dir, 'a.json'), JSON.stringify({ layers: [conv] }))
    const r = ntkw(['kernel', '--x', 'x.npy', '--arch', 'a.json', '--depth', '2'], tmp.dir)
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/--depth describes an FC network and cannot be combined with --arch/)
    tmp.cleanup()
  })
})

describe('ntkw self-distill --arch', () => {
  it('step 1 is kernel ridge regression with the ARCH.json kernel', () => {
    const tmp = tempDir()
    const f = fixture('valid-erf-flatten-d2')
    const y = [0.3, -1, 0.8]
    trainTestFiles(tmp.dir, f, y)
    const r = ntkw(['self-distill', '--x-train', 'xtr.npy', '--y-train', 'y.npy', '--x-test', 'xte.npy', '--arch', 'a.json', ...sigmaFlags(f), '--diag-reg', '0.1', '--alpha', '0.5', '--steps', '2', '--out', 'p.npy', '--quiet'], tmp.dir)
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    const p = readNpy(path.join(tmp.dir, 'p.npy'))
    expect(p.shape).toEqual([2, 1, 1])
    // (K + λI) α = y, λ = 0.1 · trace(K)/3, by Gaussian elimination in float64
    const K = f.ntk
    const lambda = (0.1 * (K[0]![0]! + K[1]![1]! + K[2]![2]!)) / 3
    const A = [0, 1, 2].map((i) => [...[0, 1, 2].map((j) => K[i]![j]! + (i === j ? lambda : 0)), y[i]!])
    for (let c = 0; c < 3; c++) for (let r2 = c + 1; r2 < 3; r2++) {
      const m = A[r2]![c]! / A[c]![c]!
      for (let k = c; k < 4; k++) A[r2]![k] = A[r2]![k]! - m * A[c]![k]!
    }
    const alpha = [0, 0, 0]
    for (let c = 2; c >= 0; c--) alpha[c] = (A[c]![3]! - [0, 1, 2].filter((k) => k > c).reduce((s, k) => s + A[c]![k]! * alpha[k]!, 0)) / A[c]![c]!
    const want = alpha.reduce((s, a, i) => s + a * K[3]![i]!, 0)
    expect(Math.abs((p.data as Float32Array)[0]! - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)))
    tmp.cleanup()
  })
})

describe('ntkw predict --arch', () => {
  it('t = ∞ predictions are K(x*, X) K(X, X)⁻¹ y with the fixture kernel (float64 solve here)', () => {
    const tmp = tempDir()
    const f = fixture('per-layer-sigmas-dense-head')
    const y = [1, -0.5, 2]
    trainTestFiles(tmp.dir, f, y)
    const r = ntkw(['predict', '--x-train', 'xtr.npy', '--y-train', 'y.npy', '--x-test', 'xte.npy', '--arch', 'a.json', ...sigmaFlags(f), '--out', 'p.npy', '--quiet'], tmp.dir)
    expect(r.code).toBe(0)
    const got = (readNpy(path.join(tmp.dir, 'p.npy')).data as Float32Array)[0]!
    // Cramer's rule on the 3×3 system K α = y
    const K = f.ntk
    const det3 = (m: number[][]): number => m[0]![0]! * (m[1]![1]! * m[2]![2]! - m[1]![2]! * m[2]![1]!) - m[0]![1]! * (m[1]![0]! * m[2]![2]! - m[1]![2]! * m[2]![0]!) + m[0]![2]! * (m[1]![0]! * m[2]![1]! - m[1]![1]! * m[2]![0]!)
    const A = [0, 1, 2].map((i) => [0, 1, 2].map((j) => K[i]![j]!))
    const alpha = [0, 1, 2].map((c) => det3(A.map((row, i) => row.map((v, j) => (j === c ? y[i]! : v)))) / det3(A))
    const want = alpha.reduce((s, a, i) => s + a * K[3]![i]!, 0)
    expect(Math.abs(got - want)).toBeLessThan(1e-3 * Math.max(1, Math.abs(want)))
    tmp.cleanup()
  })
})
