import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../helpers/tmp'
import { checkChoices } from '../../electron/cli/flags'
import { errorInfo } from '../../shared/errors'
import { BackendChoice } from '../../shared/backend'

const root = fileURLToPath(new URL('../..', import.meta.url))
function ntkw(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/ntkw.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

// Defect 4 of issue 13: `--backend gpu` printed a raw zod schema dump instead of the valid choices.
describe('enum-like CLI flags', () => {
  it('ntkw run --backend gpu names the valid backends, no schema dump', () => {
    const tmp = tempDir()
    const spec = path.join(tmp.dir, 'spec.json')
    writeFileSync(spec, JSON.stringify({ kind: 'backend-benchmark', matmulSizes: [16], elementwiseSizes: [64], repeats: 1 }))
    const r = ntkw(['run', spec, '--backend', 'gpu'])
    tmp.cleanup()
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/--backend gpu: not a valid choice/)
    expect(r.err).toMatch(/Valid choices for --backend: auto, tensorflow-gpu, tensorflow, webgpu, wasm, cpu/)
    expect(r.err).not.toMatch(/"code":|invalid_value|\[\s*\{/)
    expect(r.out).toBe('')
  })

  it('every command with an enum flag rejects a bad value before doing any work', () => {
    const cases: [string[], RegExp][] = [
      [['info', '--backend', 'gpu'], /--backend gpu.*\n.*auto, tensorflow-gpu/],
      [['kernel', '--x', 'nope.npy', '--kind', 'rbf'], /--kind rbf: not a valid choice\n.*ntk, nngp/],
      [['kernel', '--x', 'nope.npy', '--parameterization', 'mup'], /ntk, standard/],
      [['empirical', '--x', 'nope.npy', '--parameterization', 'mup'], /ntk, standard/],
      [['predict', '--kind', 'gp'], /--kind gp.*\n.*ntk, nngp/],
      [['data', 'inspect', 'x.csv', '--format', 'xlsx'], /--format xlsx.*\n.*auto, .*csv/],
      [['data', 'inspect', 'x.csv', '--scale', 'zscore'], /none, standardize, min-max/],
      [['data', 'inspect', 'x.csv', '--color', 'cmyk'], /auto, grayscale, rgb/],
    ]
    for (const [args, re] of cases) {
      const r = ntkw(args)
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.err, args.join(' ')).toMatch(re)
    }
  })

  it('checkChoices accepts listed values and repeated flags; rejects the rest', () => {
    const choices = { backend: BackendChoice.options }
    expect(() => checkChoices({ backend: 'cpu' }, choices)).not.toThrow()
    expect(() => checkChoices({}, choices)).not.toThrow()
    expect(() => checkChoices({ backend: ['cpu', 'gpu'] }, choices)).toThrow(/--backend gpu/)
  })

  it('a zod error that escapes is summarised by field, never dumped', () => {
    const r = BackendChoice.safeParse('gpu')
    const info = errorInfo(r.error)
    expect(info.code).toBe('bad_input')
    expect(info.message).toMatch(/^invalid input: \(value\): /)
    expect(info.message).not.toMatch(/\n/)
  })
})
