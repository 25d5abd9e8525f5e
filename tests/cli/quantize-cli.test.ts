import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeNpy } from '../../electron/engine/io/npy'
import { buildModel, mlpArch } from '../../electron/engine/models/build'
import { writeModelFolder } from '../../electron/engine/models/format'
import { modelToFiles } from '../../electron/engine/models/io'
import { initBackend } from '../../electron/engine/runtime/backend'
import { readModelFiles } from '../../electron/engine/quantize/read-model'
import { tempDir } from '../helpers/tmp'

// `ntkw quantize` end to end on a small seeded MLP (no training needed for formats and errors; the MNIST floor
// numbers are measured separately, docs/performance.md).

const root = fileURLToPath(new URL('../..', import.meta.url))
const tmp = tempDir('ntkw-quant-cli-')
let modelJson = ''
function ntkw(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/ntkw.js'), ...args], { cwd: tmp.dir, encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

beforeAll(async () => {
  await initBackend()
  const model = buildModel(mlpArch([32, 32], 'relu'), { inputShape: [64], outputs: 4, seed: 5 })
  modelJson = writeModelFolder(path.join(tmp.dir, 'mlp'), await modelToFiles(model))
  model.dispose()
  const x = new Float32Array(200 * 64).map((_, i) => Math.sin(i * 0.37) + 0.3 * Math.cos(i * 1.7))
  writeFileSync(path.join(tmp.dir, 'x.npy'), encodeNpy(x, [200, 64]))
  writeFileSync(path.join(tmp.dir, 'y.npy'), encodeNpy(Float32Array.from({ length: 200 }, (_, i) => i % 4), [200]))
  writeFileSync(path.join(tmp.dir, 'bad.npy'), encodeNpy(x.subarray(0, 10 * 60), [10, 60]))
})
afterAll(() => tmp.cleanup())

interface Summary {
  format: string
  weightBytes: number
  floatBytes: number
  compression: number
  sizeRatio: number
  layers: { name: string; quantized: boolean; bits: number; granularity: string; exponent?: number }[]
  evaluation?: { float: { accuracy: number; confusion: number[][] }; quantized: { accuracy: number }; confusionDelta: number[][] }
}

describe('ntkw quantize', () => {
  it('is listed in ntkw --help, and its --help documents every flag', () => {
    expect(ntkw(['--help']).out).toMatch(/^ {2}quantize\s+\S/m)
    const h = ntkw(['quantize', '--help']).out
    for (const f of ['--model', '--bits', '--granularity', '--scheme', '--calib', '--method', '--activations', '--calib-x', '--bias-correction', '--format', '--out']) expect(h).toContain(f)
  })

  it('int8 --format tfjs: stock manifest, JSON summary with bytes and per-layer choices, evaluation', () => {
    const r = ntkw(['quantize', '--model', modelJson, '--bits', '8', '--scheme', 'affine', '--format', 'tfjs', '--out', 'int8', '--eval-x', 'x.npy', '--eval-y', 'y.npy', '--json'])
    expect(r.code, r.err).toBe(0)
    const s = JSON.parse(r.out) as Summary
    expect(s.format).toBe('tfjs')
    const json = JSON.parse(readFileSync(path.join(tmp.dir, 'int8/model.json'), 'utf8')) as { weightsManifest: { weights: { name: string; quantization?: { dtype: string } }[] }[] }
    const kernels = json.weightsManifest[0]!.weights.filter((w) => w.name.endsWith('kernel'))
    expect(kernels.every((w) => w.quantization?.dtype === 'uint8')).toBe(true)
    const nKernel = 64 * 32 + 32 * 32 + 32 * 4
    const nBias = 32 + 32 + 4
    expect(s.weightBytes).toBe(nKernel + 4 * nBias)
    expect(s.floatBytes).toBe(4 * (nKernel + nBias))
    expect(s.compression).toBeCloseTo(s.floatBytes / s.weightBytes, 12)
    expect(s.layers.filter((l) => l.quantized).map((l) => l.bits)).toEqual([8, 8, 8])
    const ev = s.evaluation!
    expect(ev.float.confusion.flat().reduce((a, b) => a + b, 0)).toBe(200)
    expect(Math.abs(ev.float.accuracy - ev.quantized.accuracy)).toBeLessThan(0.05)
    // the export is a model the reader (and stock tfjs) decodes
    expect(readModelFiles(path.join(tmp.dir, 'int8/model.json')).format).toBe('tfjs')
  })

  it('4-bit group:32 MSE --format ntkw writes the packed files and the loader; power needs and uses calibration data', () => {
    const r = ntkw(['quantize', '--model', modelJson, '--bits', '4', '--granularity', 'group:32', '--calib', 'mse', '--out', 'g32', '--json'])
    expect(r.code, r.err).toBe(0)
    const s = JSON.parse(r.out) as Summary
    expect(s.format).toBe('ntkw')
    expect(s.layers.find((l) => l.name.endsWith('dense_1/kernel'))?.granularity).toBe('group:32')
    expect(readModelFiles(path.join(tmp.dir, 'g32/model.json')).format).toBe('ntkw')
    // without --json: a few lines a person reads, not the document
    const short = ntkw(['quantize', '--model', modelJson, '--bits', '4', '--granularity', 'group:32', '--calib', 'mse', '--out', 'g32b', '--quiet'])
    expect(short.code, short.err).toBe(0)
    expect(short.out.trim().split('\n').length).toBeLessThanOrEqual(6)
    expect(short.out).toMatch(/^ntkw export in .*g32b\n {2}4 bits, symmetric, group:32, mse, uniform\n {2}3 of 6 weight tensors quantized; weights [\d,]+ bytes \([\d.]+ % of float32/)
    expect(short.out).toMatch(/files: model\.json, weights\.ntkwq, ntkw-quantized\.mjs/)
    const noCalib = ntkw(['quantize', '--model', modelJson, '--bits', '3', '--method', 'power', '--out', 'p3'])
    expect(noCalib.code).toBe(1)
    expect(noCalib.err).toMatch(/needs calibration data/)
    expect(noCalib.err).toMatch(/--calib-x/)
    const p = ntkw(['quantize', '--model', modelJson, '--bits', '3', '--method', 'power', '--calib-x', 'x.npy', '--bias-correction', '--activations', '8', '--out', 'p3', '--json'])
    expect(p.code, p.err).toBe(0)
    const ps = JSON.parse(p.out) as Summary
    expect(ps.layers.filter((l) => l.quantized).every((l) => typeof l.exponent === 'number')).toBe(true)
    const pj = JSON.parse(readFileSync(path.join(tmp.dir, 'p3/model.json'), 'utf8')) as { ntkwActivationQuant: unknown[] }
    expect(pj.ntkwActivationQuant).toHaveLength(3)
  })

  it('bad input: bits out of range, group size not dividing a layer, calibration data of the wrong shape, tfjs for a sub-byte scheme', () => {
    for (const bits of ['1', '9', '12', 'x']) {
      const r = ntkw(['quantize', '--model', modelJson, '--bits', bits, '--out', 'bad'])
      expect(r.code).toBe(1)
      expect(r.err).toMatch(/--bits .*expected 2\.\.8, 16 or float16/)
    }
    const g = ntkw(['quantize', '--model', modelJson, '--bits', '4', '--granularity', 'group:24', '--out', 'bad'])
    expect(g.code).toBe(1)
    expect(g.err).toMatch(/dense_1\/kernel \[64,32\]: group size 24 does not divide its 64 input rows/)
    expect(g.err).toMatch(/hint: Pick a group size dividing 64/)
    const c = ntkw(['quantize', '--model', modelJson, '--bits', '4', '--bias-correction', '--calib-x', 'bad.npy', '--out', 'bad'])
    expect(c.code).toBe(1)
    expect(c.err).toMatch(/--calib-x has shape \[10, 60\].*\[n, 64\]/)
    const t = ntkw(['quantize', '--model', modelJson, '--bits', '4', '--granularity', 'channel', '--format', 'tfjs', '--out', 'bad'])
    expect(t.code).toBe(1)
    expect(t.err).toMatch(/--format tfjs cannot hold this scheme/)
    expect(t.err).toMatch(/hint: Use --format ntkw/)
  })
})


describe('ntkw eval reads both export formats', () => {
  it('a stock int8 export and a packed 4-bit export evaluate, the packed one reporting its stored bytes', () => {
    const a = ntkw(['quantize', '--model', modelJson, '--bits', '8', '--scheme', 'affine', '--format', 'tfjs', '--out', 'ev8', '--quiet', '--json'])
    expect(a.code, a.err).toBe(0)
    const b = ntkw(['quantize', '--model', modelJson, '--bits', '4', '--granularity', 'channel', '--format', 'ntkw', '--out', 'ev4', '--eval-x', 'x.npy', '--eval-y', 'y.npy', '--quiet', '--json'])
    expect(b.code, b.err).toBe(0)
    const sb = JSON.parse(b.out) as Summary
    for (const [dir, bytes] of [
      ['ev8', (JSON.parse(a.out) as Summary).weightBytes],
      ['ev4', sb.weightBytes],
    ] as const) {
      const r = ntkw(['eval', '--model', path.join(dir, 'model.json'), '--x', 'x.npy', '--y', 'y.npy', '--json'])
      expect(r.code, r.err).toBe(0)
      const ev = JSON.parse(r.out) as { accuracy: number; weightBytes: number; n: number }
      expect(ev.n).toBe(200)
      expect(ev.weightBytes).toBe(bytes)
      // the packed export evaluates to what ntkw quantize measured on the same data
      if (dir === 'ev4') expect(ev.accuracy).toBe(sb.evaluation!.quantized.accuracy)
    }
  })
})
