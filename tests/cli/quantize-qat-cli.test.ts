import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeNpy } from '../../electron/engine/io/npy'
import { buildModel, mlpArch } from '../../electron/engine/models/build'
import { writeModelFolder } from '../../electron/engine/models/format'
import { modelToFiles } from '../../electron/engine/models/io'
import { readModelFiles } from '../../electron/engine/quantize/read-model'
import { initBackend } from '../../electron/engine/runtime/backend'
import { tempDir } from '../helpers/tmp'

// Issue 21: quantization-aware training had no CLI flag. `ntkw quantize --qat` trains a tiny untrained MLP
// at 2 bits on a learnable rule (labels = argmax of a fixed linear map): plain PTQ of the random network is
// near chance, QAT must learn the rule through the quantized weights. The written file is checked on its own:
// every output channel holds at most 2² levels, and a float64 forward pass of its decoded weights gives the
// accuracy the summary reports.

const root = fileURLToPath(new URL('../..', import.meta.url))
const tmp = tempDir('ntkw-qat-cli-')
const N = 400
const D = 8
const K = 4
let modelJson = ''
const x = new Float64Array(N * D)
const y = new Int32Array(N)

function ntkw(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/ntkw.js'), ...args], { cwd: tmp.dir, encoding: 'utf8', timeout: 180_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

beforeAll(async () => {
  await initBackend()
  let s = 12345
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1
  const w = Array.from({ length: D * K }, rand)
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < D; j++) x[i * D + j] = rand()
    let best = 0
    const score = (k: number) => w.slice(k * D, k * D + D).reduce((a, v, j) => a + v * x[i * D + j]!, 0)
    for (let k = 1; k < K; k++) if (score(k) > score(best)) best = k
    y[i] = best
  }
  const model = buildModel(mlpArch([32], 'relu'), { inputShape: [D], outputs: K, seed: 3 })
  modelJson = writeModelFolder(path.join(tmp.dir, 'mlp'), await modelToFiles(model))
  model.dispose()
  writeFileSync(path.join(tmp.dir, 'x.npy'), encodeNpy(Float32Array.from(x), [N, D]))
  writeFileSync(path.join(tmp.dir, 'y.npy'), encodeNpy(Float32Array.from(y), [N]))
})
afterAll(() => tmp.cleanup())

/** accuracy of a dense ReLU MLP (weights in manifest order: kernel [in, out], bias) in float64 */
function accuracyOf(weights: { name: string; shape: number[]; values: Float32Array }[]): number {
  let correct = 0
  for (let i = 0; i < N; i++) {
    let h: number[] = Array.from(x.subarray(i * D, i * D + D))
    for (let l = 0; l < weights.length; l += 2) {
      const [kern, bias] = [weights[l]!, weights[l + 1]!]
      const [nin, nout] = kern.shape as [number, number]
      const z = Array.from({ length: nout }, (_, o) => bias.values[o]! + h.reduce((a, v, r) => a + v * kern.values[r * nout + o]!, 0))
      h = l + 2 < weights.length ? z.map((v) => Math.max(0, v)) : z
      expect(nin).toBe(kern.values.length / nout)
    }
    if (h.indexOf(Math.max(...h)) === y[i]) correct++
  }
  return correct / N
}

interface QatSummary {
  format: string
  qat: { epochs: number; learningRate: number; batchSize: number; seed: number; teacher: unknown; history: { epoch: number; trainLoss: number }[]; ptqAccuracy: number }
  evaluation: { float: { accuracy: number }; quantized: { accuracy: number } }
}

describe('ntkw quantize --qat', () => {
  it('trains the 2-bit grid: far above PTQ of the same scheme, the written weights on the grid and as accurate as reported', () => {
    const r = ntkw(['quantize', '--model', modelJson, '--bits', '2', '--granularity', 'channel', '--format', 'ntkw', '--qat', '--qat-x', 'x.npy', '--qat-y', 'y.npy', '--qat-epochs', '12', '--qat-lr', '0.01', '--qat-batch', '32', '--eval-x', 'x.npy', '--eval-y', 'y.npy', '--out', 'q2', '--quiet', '--json'])
    expect(r.code, r.err).toBe(0)
    const s = JSON.parse(r.out) as QatSummary
    expect(s.qat).toMatchObject({ epochs: 12, learningRate: 0.01, batchSize: 32, seed: 0, teacher: null })
    expect(s.qat.history.map((h) => h.epoch)).toHaveLength(12)
    expect(s.qat.history.at(-1)!.trainLoss).toBeLessThan(s.qat.history[0]!.trainLoss)
    // the untrained float network and its plain 2-bit quantization guess; QAT learned the rule
    expect(s.evaluation.float.accuracy).toBeLessThan(0.5)
    expect(s.qat.ptqAccuracy).toBeLessThan(0.5)
    expect(s.evaluation.quantized.accuracy).toBeGreaterThan(s.qat.ptqAccuracy + 0.25)

    const written = readModelFiles(path.join(tmp.dir, 'q2/model.json'))
    expect(written.format).toBe('ntkw')
    for (const k of written.weights.filter((w) => w.name.endsWith('kernel'))) {
      const [rows, cols] = k.shape as [number, number]
      for (let c = 0; c < cols; c++) {
        const levels = new Set(Array.from({ length: rows }, (_, r) => k.values[r * cols + c]))
        expect(levels.size, `${k.name} channel ${c}`).toBeLessThanOrEqual(4)
      }
    }
    expect(Math.abs(accuracyOf(written.weights) - s.evaluation.quantized.accuracy)).toBeLessThanOrEqual(1 / N)

    // a reader's summary names the training and the PTQ baseline
    const short = ntkw(['quantize', '--model', modelJson, '--bits', '2', '--granularity', 'channel', '--qat', '--qat-x', 'x.npy', '--qat-y', 'y.npy', '--qat-epochs', '2', '--qat-teacher', '--eval-x', 'x.npy', '--eval-y', 'y.npy', '--out', 'q2b', '--quiet'])
    expect(short.code, short.err).toBe(0)
    expect(short.out).toMatch(/QAT 2 epochs distilled from the float model: train loss [\d.e+-]+ → [\d.e+-]+; accuracy without QAT [\d.]+ %/)
  })

  it('bad input: QAT flags without --qat, --qat without data, with onnx or activation grids, labels of another length', () => {
    const base = ['quantize', '--model', modelJson, '--bits', '4', '--out', 'bad']
    const cases: [string[], RegExp][] = [
      [['--qat-x', 'x.npy'], /--qat-x belongs to quantization-aware training[\s\S]*hint: Add --qat/],
      [['--qat'], /--qat-x is required[\s\S]*--qat --qat-x X\.npy --qat-y Y\.npy/],
      [['--qat', '--qat-x', 'x.npy', '--qat-y', 'y.npy', '--format', 'onnx', '--bits', '8'], /--qat exports the trained grid as --format tfjs or ntkw/],
      [['--qat', '--qat-x', 'x.npy', '--qat-y', 'y.npy', '--activations', '8', '--calib-x', 'x.npy'], /does not combine with --activations/],
      [['--qat', '--qat-x', 'x.npy', '--qat-y', 'y.npy', '--qat-epochs', '0'], /--qat-epochs 0: expected an integer 1\.\.1000/],
      [['--qat', '--qat-x', 'x.npy', '--qat-y', 'y.npy', '--method', 'kmeans'], /QAT trains uniform or power grids/],
    ]
    for (const [extra, want] of cases) {
      const r = ntkw([...base, ...extra])
      expect(r.code, extra.join(' ')).toBe(1)
      expect(r.err).toMatch(want)
    }
    writeFileSync(path.join(tmp.dir, 'y3.npy'), encodeNpy(new Float32Array(3), [3]))
    const m = ntkw([...base, '--qat', '--qat-x', 'x.npy', '--qat-y', 'y3.npy'])
    expect(m.code).toBe(1)
    expect(m.err).toMatch(/--qat-y has 3 labels for 400 rows of --qat-x/)
  })
})
