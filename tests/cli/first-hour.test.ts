import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../helpers/tmp'
import { writeNpy } from '../../electron/engine/io/npy'

// Issue 14 from the command line: a freshly imported CSV is usable at once (default recipe, printed),
// a lab spec runs on it, and flags fail with their own messages. Issue 13 defect 1: --backend is honoured.
const root = fileURLToPath(new URL('../..', import.meta.url))
const tmp = tempDir('ntkw-first-hour-')
afterAll(() => tmp.cleanup())
function ntkw(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/ntkw.js'), ...args], { cwd: tmp.dir, encoding: 'utf8', timeout: 180_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

/** 3 classes, 40 rows each; features on scales 1e-3, 1 and 1e3 (a seeded LCG, so the file is fixed). */
export function threeClassCsv(): string {
  let s = 12345
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5
  const lines = ['tiny,unit,huge,label']
  for (let i = 0; i < 120; i++) {
    const c = i % 3
    lines.push([(c + 0.6 * rnd()) * 1e-3, c + 0.6 * rnd(), (c + 0.6 * rnd()) * 1e3].map((v) => v.toPrecision(6)).join(',') + `,${['setosa', 'versicolor', 'virginica'][c]}`)
  }
  return lines.join('\n') + '\n'
}

describe('first hour from the CLI', () => {
  const csv = path.join(tmp.dir, 'three.csv')
  const project = path.join(tmp.dir, 'p.ntkw')

  it('data import prints the default recipe, and a lab spec runs on the dataset as imported', () => {
    writeFileSync(csv, threeClassCsv())
    const r = ntkw(['data', 'import', csv, '--project', project, '--quiet'])
    expect(r.code, r.err).toBe(0)
    const summary = JSON.parse(r.out) as { id: string; rows: number; recipe: { scale: string; split: { train: number; validation: number; stratified: boolean; seed: number } } }
    expect(summary.rows).toBe(120)
    expect(summary.recipe).toMatchObject({ scale: 'standardize', split: { train: 0.7, validation: 0.15, stratified: true, seed: 0 } })
    expect(r.err).toMatch(/recipe \(default/)
    expect(r.err).toMatch(/split: train 70 % \/ validation 15 % \/ test 15 % = 84 \/ 18 \/ 18 rows, stratified by class, seed 0/)
    expect(r.err).toMatch(/scale: standardize/)

    // More points asked for than the parts hold: the run uses what there is and says so.
    const spec = path.join(tmp.dir, 'lab.json')
    writeFileSync(spec, JSON.stringify({ kind: 'lab-kernel', data: { datasetId: summary.id, train: 512, test: 512 }, arch: { depth: 2, activation: { name: 'relu' }, bStd: 0.1 } }))
    const run = ntkw(['run', spec, '--project', project, '--quiet'])
    expect(run.code, run.err).toBe(0)
    const out = JSON.parse(run.out) as { result: { n: number; m: number; ntk: { testAccuracy: number }; nngp: { testAccuracy: number } } }
    expect(out.result.n).toBe(84)
    expect(out.result.m).toBe(18)
    // Standardised, the three well-separated classes are easy; unscaled, the 1e3 column would dominate.
    expect(out.result.ntk.testAccuracy).toBeGreaterThan(0.9)
    expect(out.result.nngp.testAccuracy).toBeGreaterThan(0.9)
  })

  it('explicit recipe flags override the default field by field', () => {
    const r = ntkw(['data', 'import', csv, '--project', project, '--name', 'raw', '--scale', 'none', '--quiet'])
    expect(r.code, r.err).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ recipe: { scale: 'none', split: { train: 0.7, validation: 0.15 } } })
    expect(r.err).toMatch(/scale: none/)
  })

  it('run --backend B runs the job on B and records it (issue 13: not re-initialised with auto)', () => {
    const spec = path.join(tmp.dir, 'bench.json')
    writeFileSync(spec, JSON.stringify({ kind: 'backend-benchmark', matmulSizes: [16], elementwiseSizes: [1024], repeats: 1 }))
    const r = ntkw(['run', spec, '--backend', 'cpu', '--quiet', '--out', tmp.dir])
    expect(r.code, r.err).toBe(0)
    const out = JSON.parse(r.out) as { backend: string; result: { backend: string } }
    expect(out.backend).toBe('cpu')
    expect(out.result.backend).toBe('cpu')
    const bad = ntkw(['run', spec, '--backend', 'gpu'])
    expect(bad.code).not.toBe(0)
    expect(bad.err).toMatch(/--backend gpu/)
    expect(bad.err).toMatch(/auto, tensorflow-gpu, tensorflow, webgpu, wasm, cpu/)
    expect(bad.err).not.toMatch(/invalid_enum_value|"code"/)
  })

  it('a negative depth gets the range error; leaky_relu needs its slope', () => {
    const x = path.join(tmp.dir, 'x.npy')
    writeNpy(x, new Float32Array([1, 0, 0, 1]), [2, 2])
    const neg = ntkw(['kernel', '--x', x, '--depth', '-1', '--activation', 'relu'])
    expect(neg.code).toBe(1)
    expect(neg.err).toMatch(/--depth -1: expected an integer 0\.\.64/)
    const leaky = ntkw(['kernel', '--x', x, '--depth', '1', '--activation', 'leaky_relu'])
    expect(leaky.code).toBe(1)
    expect(leaky.err).toMatch(/leaky_relu:ALPHA with the slope for x < 0/)
    const ok = ntkw(['kernel', '--x', x, '--depth', '1', '--activation', 'leaky_relu:0.1', '--out', path.join(tmp.dir, 'k.npy')])
    expect(ok.code, ok.err).toBe(0)
  })
})
