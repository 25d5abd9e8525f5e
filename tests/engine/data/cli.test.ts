import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { fx } from './helpers'

// Runs the built CLI (tests/global-setup.ts builds out/node before the tests).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const bin = path.join(root, 'bin/ntkw.js')
const dir = mkdtempSync(path.join(tmpdir(), 'ntkw-cli-data-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const ntkw = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir })

describe('ntkw data', () => {
  it('inspect prints format, shape, classes (text and --json)', () => {
    const text = ntkw('data', 'inspect', fx('npz', 'xy.npz'))
    expect(text.status).toBe(0)
    expect(text.stdout).toMatch(/format:\s+npz/)
    expect(text.stdout).toMatch(/shape:\s+6 × 2 \(float32\)/)
    expect(text.stdout).toMatch(/classes:\s+3: 0 \(2\), 1 \(2\), 2 \(2\)/)
    const json = JSON.parse(ntkw('data', 'inspect', fx('csv', 'mixed.csv'), '--json').stdout)
    expect(json).toMatchObject({ format: 'csv', ok: true, rows: 5, shape: [5, 5], task: 'classification' })
  })

  it('inspect reports a problem with exit code 1', () => {
    const r = ntkw('data', 'inspect', fx('idx', 'mismatch', 'train-images-idx3-ubyte'))
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/problem:.*2 labels but .* 3 images/)
    expect(r.stdout).toMatch(/fix:/)
  })

  it('import --project stores, list shows it; bad input fails with a hint', () => {
    const project = path.join(dir, 'p.ntkw')
    const r = ntkw('data', 'import', fx('csv', 'missing.csv'), '--project', project, '--missing', 'mean', '--split', '0.6', '--quiet')
    expect(r.status, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 5, xShape: [5, 2], recipe: { split: { train: 0.6 } } })
    const bad = ntkw('data', 'import', fx('csv', 'missing.csv'), '--project', project, '--quiet')
    expect(bad.status).toBe(1)
    expect(bad.stderr).toMatch(/missing values/)
    expect(bad.stderr).toMatch(/hint: .*--missing drop\|mean/)
    const list = execFileSync(process.execPath, [bin, 'data', 'list', '--project', project, '--json'], { encoding: 'utf8' })
    expect(JSON.parse(list).map((d: { name: string; source: string }) => [d.name, d.source])).toEqual([['missing', 'missing.csv']])
  })

  it('import --out converts to .npy files', () => {
    const out = path.join(dir, 'out')
    const r = ntkw('data', 'import', fx('images', 'gray'), '--out', out, '--size', '2', '--quiet')
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/wrote .*x\.npy/)
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 5, xShape: [5, 2, 2, 1], classes: ['cat', 'dog'] })
  })
})
