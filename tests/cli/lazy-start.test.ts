import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../helpers/tmp'
import { writeNpy } from '../../electron/engine/io/npy'
import { commands } from '../../electron/cli/commands/index'
import { DATA_VOCAB } from '../../electron/cli/commands/data'
import { LOSS_DEFAULTS_HELP } from '../../electron/cli/commands/loss'
import { trainCommand } from '../../electron/cli/commands/train'
import { kernelArchFlags } from '../../electron/cli/commands/kernel'
import { empiricalArchFlags } from '../../electron/cli/commands/empirical'
import { kipArchFlags } from '../../electron/cli/commands/kip'
import { ArchFlagSet, BACKEND_CHOICES } from '../../electron/cli/flags'
import { BackendChoice } from '../../shared/backend'
import { DATA_FORMATS, ImportOptions, Recipe } from '../../shared/dataset'
import { importDefaults } from '../../shared/import-defaults'
import { EXAMPLES } from '../../electron/engine/data/examples'
import { LOSS_DEFAULTS } from '../../electron/engine/distill/losses/index'
import { MODEL_ACTIVATIONS } from '../../electron/engine/models/activations'
import { backendWithoutTfjs } from '../../electron/engine/runtime/backend-plan'
import { initBackend } from '../../electron/engine/runtime/backend'

// Issue 22 item 1: the CLI parses its arguments and loads only what the command needs. A resolve hook
// records every module the process loads (the bundle's chunks and each npm package), so the test checks
// what was loaded, not how long it took. The bundle loads CommonJS packages (tfjs) with require(), which
// ESM hooks do not see, so the CommonJS loader is wrapped as well (its load, not its resolver: resolving a
// package, as runtime/backend-plan.ts does to know whether one is installed, loads nothing).
const root = fileURLToPath(new URL('../..', import.meta.url))
const tmp = tempDir()
afterAll(() => tmp.cleanup())
const hook = path.join(tmp.dir, 'trace-hook.mjs')
writeFileSync(
  hook,
  `import Module, { register } from 'node:module'
import { isMainThread } from 'node:worker_threads'
const load = Module.prototype.load
Module.prototype.load = function (file) {
  process.stderr.write('NTKW_TRACE_LOADED ' + file + '\\n')
  if (!isMainThread) process.stderr.write('NTKW_TRACE_WORKER_LOADED ' + file + '\\n')
  return load.call(this, file)
}
register('data:text/javascript,' + encodeURIComponent(\`
export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx)
  process.stderr.write('NTKW_TRACE_LOADED ' + r.url + '\\\\n')
  return r
}\`))
`,
)

/** modules: every module the process loaded; workerModules: the CommonJS ones worker threads loaded */
function loaded(args: string[]): { code: number | null; modules: string[]; workerModules: string[]; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', hook, path.join(root, 'bin/ntkw.js'), ...args], { cwd: tmp.dir, encoding: 'utf8', timeout: 120_000 })
  const lines = r.stderr.split('\n')
  const tagged = (tag: string) => lines.filter((l) => l.startsWith(tag)).map((l) => l.slice(tag.length))
  return { code: r.status, modules: tagged('NTKW_TRACE_LOADED '), workerModules: tagged('NTKW_TRACE_WORKER_LOADED '), out: r.stdout, err: lines.filter((l) => !l.startsWith('NTKW_TRACE_')).join('\n') }
}
// A package the build bundles (zod) has no file of its own: esbuild names its sources in the chunk that holds
// it ("// node_modules/zod/…" comment lines), so a loaded chunk stands for the packages bundled in it.
const bundledIn = (chunk: string): string[] =>
  [...readFileSync(fileURLToPath(chunk), 'utf8').matchAll(/^\/\/ node_modules\/((?:@[^/]+\/)?[^/\n]+)\//gm)].map((m) => m[1]!)
const packages = (modules: string[]) => [
  ...new Set([
    ...modules.filter((m) => m.includes('/node_modules/')).map((m) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(m)![1]!),
    ...modules.filter((m) => m.startsWith('file:') && /\/out\/node\/[^/]+\.js$/.test(m)).flatMap(bundledIn),
  ]),
]

describe('ntkw start-up loads only what the command needs', () => {
  const csv = path.join(tmp.dir, 'small.csv')
  writeFileSync(csv, 'a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n')

  it.each([['--version'], ['--help'], ['kernel', '--help'], ['predict', '--help'], ['data', '--help']])('ntkw %s %s loads no npm package at all', (...args) => {
    const r = loaded(args)
    expect(r.code).toBe(0)
    expect(r.modules.some((m) => m.endsWith('/out/node/ntkw.js')), 'the trace hook saw the bundle').toBe(true)
    expect(packages(r.modules)).toEqual([])
  })

  it('ntkw data inspect of a plain CSV loads no npm package (zod, csv-parse, image codecs, SQLite)', () => {
    const r = loaded(['data', 'inspect', csv])
    expect(r.code).toBe(0)
    expect(r.out).toContain('rows:     4')
    expect(packages(r.modules)).toEqual([])
  })

  it('with an option to validate it loads zod, and a quoted CSV csv-parse', () => {
    const quoted = path.join(tmp.dir, 'quoted.csv')
    writeFileSync(quoted, 'a,b,label\n"1",2,0\n3,4,1\n5,6,0\n7,8,1\n')
    const r = loaded(['data', 'inspect', quoted, '--label', 'b'])
    expect(r.code).toBe(0)
    expect(r.out).toContain('labels:   b')
    expect(packages(r.modules).sort()).toEqual(['csv-parse', 'zod'])
  })

  it.each([
    [['schema'], 0],
    [['schema', 'kernel'], 0],
    [['kernel', '--x', 'missing.npy', '--depth', '1', '--activation', 'relu'], 1],
    [['kernel', '--kind', 'rbf'], 1],
  ])('ntkw %j never loads tfjs or SQLite', (args, code) => {
    const r = loaded(args)
    expect(r.code).toBe(code)
    const pk = packages(r.modules)
    expect(pk.filter((p) => p.startsWith('@tensorflow/') || p === 'better-sqlite3')).toEqual([])
  })

  it("zod is bundled with its English messages only (scripts/build-node.mjs leaves its other locales out)", () => {
    const r = loaded(['data', 'inspect', path.join(tmp.dir, 'small.csv'), '--label', 'b'])
    expect(r.code).toBe(0)
    const zodChunk = r.modules.filter((m) => m.startsWith('file:') && /\/out\/node\/[^/]+\.js$/.test(m)).find((m) => bundledIn(m).includes('zod'))!
    const text = readFileSync(fileURLToPath(zodChunk), 'utf8')
    expect(text).toContain('// node_modules/zod/v4/locales/en.js')
    expect(text).not.toMatch(/\/\/ node_modules\/zod\/v4\/locales\/(?!en\.js)/)
  })

  it('ntkw empirical of a ReLU MLP loads no tfjs where the backend is known without it, and reports the one initBackend chooses', async () => {
    // 300 points, 3 × 1024: large enough that the CLI also starts its prefetch worker (ntk/empirical-prefetch.ts)
    const n = 300
    const d = 20
    const x = path.join(tmp.dir, 'xe.npy')
    writeNpy(x, Float32Array.from({ length: n * d }, (_, i) => Math.sin(i * 0.7)), [n, d])
    const r = loaded(['empirical', '--x', x, '--depth', '3', '--width', '1024', '--activation', 'relu', '--out', path.join(tmp.dir, 'e.npy')])
    expect(r.code, r.err).toBe(0)
    // this process answers the same two questions: without tfjs (runtime/backend-plan.ts), then with it
    const planned = await backendWithoutTfjs()
    const info = await initBackend()
    const tfjsPackages = packages(r.modules).filter((p) => p.startsWith('@tensorflow/'))
    if (planned) {
      expect(tfjsPackages).toEqual([])
      expect([planned.active, planned.gemm.provider]).toEqual([info.active, info.gemm?.provider])
    } else expect(tfjsPackages).toContain('@tensorflow/tfjs-core')
    expect(r.err).toContain(`empirical ntk: backend ${info.active}\n`)
    // another activation's φ runs through its tfjs ops: tfjs is loaded (the trace would see it)
    const erf = loaded(['empirical', '--x', x, '--depth', '1', '--width', '8', '--activation', 'erf', '--out', path.join(tmp.dir, 'e2.npy'), '--quiet'])
    expect(erf.code, erf.err).toBe(0)
    expect(packages(erf.modules)).toContain('@tensorflow/tfjs-core')
  })

  it('ntkw kernel with worker threads writes the bytes of one thread, and its workers load no tfjs on MLAS', async () => {
    // 600 points: above the size from which ntkw kernel starts worker threads (ntk/analytic.ts)
    const n = 600
    const x = path.join(tmp.dir, 'xk.npy')
    writeNpy(x, Float32Array.from({ length: n * 5 }, (_, i) => Math.cos(i * 0.3)), [n, 5])
    const args = (workers: number, out: string) => ['kernel', '--x', x, '--depth', '2', '--activation', 'relu', '--b-std', '0.1', '--workers', String(workers), '--out', path.join(tmp.dir, out), '--quiet']
    const pooled = loaded(args(2, 'k2.npy'))
    expect(pooled.code, pooled.err).toBe(0)
    const alone = loaded(args(1, 'k1.npy'))
    expect(alone.code, alone.err).toBe(0)
    expect(readFileSync(path.join(tmp.dir, 'k2.npy')).equals(readFileSync(path.join(tmp.dir, 'k1.npy')))).toBe(true)
    // whether a worker computed any tile is a race with this thread (tests/engine/ntk/worker-without-tfjs.test.ts
    // drives one deterministically); those that loaded anything loaded no tfjs
    const info = await initBackend()
    if (info.gemm?.provider === 'mlas' && (info.active === 'wasm' || info.active === 'cpu')) {
      expect(packages(pooled.workerModules).filter((p) => p.startsWith('@tensorflow/'))).toEqual([])
    }
    // the job's own thread still initialises tfjs (its tiles and backend report go through it)
    expect(packages(pooled.modules)).toContain('@tensorflow/tfjs-core')
  })

  it('a computing command does load tfjs (the trace would see it)', () => {
    const x = path.join(tmp.dir, 'x.npy')
    writeNpy(x, Float32Array.from([1, 0, 0, 1, 1, 1]), [3, 2])
    const r = loaded(['kernel', '--x', x, '--depth', '1', '--activation', 'relu', '--workers', '1', '--out', path.join(tmp.dir, 'k.npy'), '--quiet'])
    expect(r.code).toBe(0)
    expect(packages(r.modules)).toContain('@tensorflow/tfjs-core')
  })
})

describe('descriptors copy vocabularies as plain data, equal to their definitions', () => {
  it('data: formats, enums and examples', () => {
    expect(DATA_VOCAB.formats).toEqual([...DATA_FORMATS])
    expect(DATA_VOCAB.task).toEqual(ImportOptions.shape.task.unwrap().options)
    expect(DATA_VOCAB.categorical).toEqual(ImportOptions.shape.categorical.unwrap().options)
    expect(DATA_VOCAB.missing).toEqual(ImportOptions.shape.missing.unwrap().options)
    expect(DATA_VOCAB.color).toEqual(ImportOptions.shape.color.unwrap().options)
    expect(DATA_VOCAB.scale).toEqual(Recipe.shape.scale.unwrap().options)
    expect(DATA_VOCAB.labels).toEqual(Recipe.shape.labels.unwrap().options)
    expect(DATA_VOCAB.examples).toEqual(EXAMPLES)
    // the defaults a file without options is read with, without zod
    expect(importDefaults()).toEqual(ImportOptions.parse({}))
    expect(importDefaults().drop).not.toBe(importDefaults().drop)
  })
  it('backends, loss defaults, model activations', () => {
    expect([...BACKEND_CHOICES]).toEqual(BackendChoice.options)
    for (const [kind, d] of Object.entries(LOSS_DEFAULTS)) {
      const parts = Object.entries(d).map(([k, v]) => `${k === 'temperature' ? 'T' : k} = ${v}`)
      expect(LOSS_DEFAULTS_HELP[kind as keyof typeof LOSS_DEFAULTS_HELP]).toBe(parts.length ? parts.join(', ') : 'no parameters')
    }
    expect(trainCommand.usage).toContain(MODEL_ACTIVATIONS)
  })
})

describe('one architecture flag set for every kernel command', () => {
  const archCommands = ['kernel', 'empirical', 'predict', 'features', 'self-distill', 'kip']
  it.each(archCommands)('ntkw %s takes --depth/--activation/--w-std/--b-std from the shared set, and its help lists them', (name) => {
    const cmd = commands.find((c) => c.name === name)!
    for (const f of ['depth', 'activation', 'w-std', 'b-std']) {
      expect(cmd.options?.[f], `--${f}`).toEqual({ type: 'string' })
      expect(cmd.usage).toContain(`  --${f} `)
    }
    expect(cmd.usage).toContain('weight standard deviation σ_w (default 1)')
  })

  it('parses what each command offers, with one range check and message per flag', async () => {
    const k = await kernelArchFlags.parse({ depth: '3', activation: 'relu', 'w-std': '1.5' })
    expect(k).toEqual({ arch: { depth: 3, activation: { name: 'relu' }, wStd: 1.5, bStd: null, parameterization: 'ntk', width: 'inf' }, kind: 'ntk' })
    const e = await empiricalArchFlags.parse({ depth: '2', width: '64', activation: 'erf', 'b-std': '0.1', parameterization: 'standard' })
    expect(e.arch).toEqual({ depth: 2, width: 64, activation: { name: 'erf', a: 1, b: 1, c: 0 }, wStd: 1, bStd: 0.1, parameterization: 'standard' })
    const kip = await kipArchFlags.parse({ depth: '1', activation: 'relu', kernel: 'nngp' })
    expect(kip.kind).toBe('nngp')
    expect(kip.arch).not.toHaveProperty('width')
    await expect(kernelArchFlags.parse({ activation: 'relu' })).rejects.toThrow(/--depth is required/)
    await expect(kernelArchFlags.parse({ depth: '65', activation: 'relu' })).rejects.toThrow(/--depth 65: expected an integer 0..64/)
    await expect(empiricalArchFlags.parse({ depth: '1', activation: 'relu' })).rejects.toThrow(/--width is required/)
    await expect(kernelArchFlags.parse({ depth: '1', activation: 'tanhh' })).rejects.toThrow(/tanhh/)
    await expect(kernelArchFlags.parse({ depth: '1', activation: 'relu', 'w-std': '0' })).rejects.toThrow(/--w-std 0: expected a positive number/)
    expect(new ArchFlagSet({ kindFlag: 'kernel' }).choices).toEqual({ kernel: ['ntk', 'nngp'] })
  })
})
