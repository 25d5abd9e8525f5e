import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { FcArch } from '../../../shared/arch'
import { readNpy, writeNpy } from '../../../electron/engine/io/npy'
import { bruteKernels, gaussianRows, toMatrix } from './analytic-brute-force'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../..', import.meta.url))
const bin = path.join(root, 'bin/ntkw.js')
const dir = mkdtempSync(path.join(tmpdir(), 'ntkw-kernel-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function ntkw(args: string[], cwd = dir): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [bin, ...args], { cwd })
    return { code: 0, stdout: r.stdout, stderr: r.stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, stdout: err.stdout, stderr: err.stderr }
  }
}

const x = gaussianRows(30, 6, 51)
const x2 = gaussianRows(11, 6, 52)
writeNpy(path.join(dir, 'x.npy'), toMatrix(x).data, [30, 6]) // float64
writeNpy(path.join(dir, 'x2.npy'), Float32Array.from(toMatrix(x2).data), [11, 6]) // float32

function expectMatches(file: string, want: number[][]): void {
  const k = readNpy(file)
  expect(k.dtype).toBe('f4')
  expect(k.shape).toEqual([want.length, want[0]!.length])
  const flat = want.flat()
  const scale = Math.max(...flat.map(Math.abs))
  flat.forEach((v, i) => expect(Math.abs((k.data as Float32Array)[i]! - v) / scale).toBeLessThan(1e-5))
}

describe('ntkw kernel', () => {
  it('writes the NTK of x with itself to kernel.npy in the working directory by default', async () => {
    const r = await ntkw(['kernel', '--x', 'x.npy', '--depth', '3', '--activation', 'relu', '--b-std', '0.2', '--w-std', '1.5'])
    expect(r.code, r.stderr).toBe(0)
    const out = path.join(dir, 'kernel.npy')
    expect(r.stdout.trim()).toBe(out)
    expectMatches(out, bruteKernels(x, x, FcArch.parse({ depth: 3, activation: { name: 'relu' }, bStd: 0.2, wStd: 1.5 })).ntk)
  })

  it('computes the NNGP between x and x2 with a parameterised activation and --out', async () => {
    const out = path.join(dir, 'sub', 'k.npy')
    const r = await ntkw(['kernel', '--x', 'x.npy', '--x2', 'x2.npy', '--depth', '2', '--activation', 'erf:1.5,0.7,0.3', '--kind', 'nngp', '--out', out])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe(out)
    expectMatches(out, bruteKernels(x, x2, FcArch.parse({ depth: 2, activation: { name: 'erf', a: 1.5, b: 0.7, c: 0.3 } })).nngp)
  })

  it('supports the standard parameterization with --width', async () => {
    const out = path.join(dir, 'std.npy')
    const r = await ntkw(['kernel', '--x', 'x.npy', '--depth', '2', '--activation', 'leaky_relu:0.2', '--parameterization', 'standard', '--width', '128', '--b-std', '0.1', '--out', out])
    expect(r.code, r.stderr).toBe(0)
    expectMatches(out, bruteKernels(x, x, FcArch.parse({ depth: 2, activation: { name: 'leaky_relu', alpha: 0.2 }, parameterization: 'standard', width: 128, bStd: 0.1 })).ntk)
  })

  it.each([
    [['--x', 'x.npy', '--depth', '2', '--activation', 'swish'], /unknown activation 'swish'/, /hint: e\.g\. --activation relu/],
    [['--x', 'missing.npy', '--depth', '2', '--activation', 'relu'], /no such file: missing\.npy/, /hint: /],
    [['--x', 'x.npy', '--x2', 'bad.npy', '--depth', '2', '--activation', 'relu'], /x has 6 features but x2 has 4/, /hint: Both point sets/],
    [['--x', 'nan.npy', '--depth', '2', '--activation', 'relu'], /contains NaN at row 1, column 2/, /hint: /],
    [['--x', 'x.npy', '--depth', '2', '--activation', 'relu', '--parameterization', 'standard'], /needs a finite width/, /hint: .*--width/],
    [['--x', 'x.npy', '--depth', 'three', '--activation', 'relu'], /--depth three: expected an integer/, /hint: /],
  ])('fails with a clear error: %j', async (args, message, hint) => {
    writeNpy(path.join(dir, 'bad.npy'), new Float32Array(8), [2, 4])
    const nan = new Float64Array(12)
    nan[6 + 2] = Number.NaN
    writeNpy(path.join(dir, 'nan.npy'), nan, [2, 6])
    const out = path.join(dir, 'never.npy')
    const r = await ntkw(['kernel', ...args, '--out', out])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).toMatch(hint)
    expect(r.stdout).toBe('')
    expect(existsSync(out)).toBe(false)
  })
})
