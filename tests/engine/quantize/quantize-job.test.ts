import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as tf from '@tensorflow/tfjs-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { QuantizeJobResult } from '../../../shared/index'
import { encodeNpy } from '../../../electron/engine/io/npy'
import { buildModel, mlpArch } from '../../../electron/engine/models/build'
import { writeModelFolder } from '../../../electron/engine/models/format'
import { modelToFiles } from '../../../electron/engine/models/io'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { readModelFiles } from '../../../electron/engine/quantize/read-model'
import { tempDir } from '../../helpers/tmp'
import { gaussian } from './helpers'

// The quantize job through `ntkw run` (real engine, real sinks): a seeded MLP labelled by its own argmax
// (float accuracy 1), a sweep with a cell that cannot be computed, sensitivity, mixed precision, NTK shift,
// and a stock TF.js export into a folder and into the run's model store.

const root = fileURLToPath(new URL('../../..', import.meta.url))
const tmp = tempDir('ntkw-quant-job-')
let modelJson = ''

beforeAll(async () => {
  await initBackend()
  const model = buildModel(mlpArch([32, 32], 'relu'), { inputShape: [16], outputs: 4, seed: 11 })
  modelJson = writeModelFolder(path.join(tmp.dir, 'mlp'), await modelToFiles(model))
  const x = gaussian(300 * 16, 12)
  const y = tf.tidy(() => tf.argMax(model.apply(tf.tensor2d(x, [300, 16])) as tf.Tensor, 1).dataSync())
  writeFileSync(path.join(tmp.dir, 'x.npy'), encodeNpy(x, [300, 16]))
  writeFileSync(path.join(tmp.dir, 'y.npy'), encodeNpy(Float32Array.from(y), [300]))
  model.dispose()
})
afterAll(() => tmp.cleanup())

describe('quantize job', () => {
  it('sweeps bits × granularity × method, reports sensitivity, mixed precision, NTK shift and exports int8', () => {
    const spec = {
      kind: 'quantize',
      model: modelJson,
      xEval: { type: 'npy', path: path.join(tmp.dir, 'x.npy') },
      yEval: { type: 'npy', path: path.join(tmp.dir, 'y.npy') },
      xCalib: { type: 'npy', path: path.join(tmp.dir, 'x.npy') },
      bits: [2, 8],
      granularities: ['tensor', 'channel', 'group:7'],
      methods: ['uniform', 'kmeans'],
      sensitivityBits: [2, 4],
      mixedBudget: 0.15,
      ntkProbe: 20,
      export: { bits: 8, format: 'tfjs', dir: path.join(tmp.dir, 'export') },
      qat: { bits: 2, granularity: 'tensor', calibration: 'minmax', xTrain: { type: 'npy', path: path.join(tmp.dir, 'x.npy') }, yTrain: { type: 'npy', path: path.join(tmp.dir, 'y.npy') }, epochs: 4, learningRate: 3e-3, batchSize: 32 },
    }
    writeFileSync(path.join(tmp.dir, 'spec.json'), JSON.stringify(spec))
    const r = spawnSync(process.execPath, [path.join(root, 'bin/ntkw.js'), 'run', 'spec.json', '--out', 'out', '--quiet'], { cwd: tmp.dir, encoding: 'utf8', timeout: 300_000 })
    expect(r.status, r.stderr).toBe(0)
    const res = (JSON.parse(r.stdout) as { result: QuantizeJobResult }).result
    expect(res.float.accuracy).toBe(1)
    expect(res.cells).toHaveLength(2 * 2 * 3)
    const cell = (m: string, b: number, g: string) => res.cells.find((c) => c.method === m && c.bits === b && c.granularity === g)!
    // group:7 divides no layer (16 and 32 rows): recorded per cell, the sweep goes on
    expect(cell('uniform', 8, 'group:7').error).toMatch(/group size 7 does not divide/)
    expect(cell('uniform', 8, 'tensor').accuracy!).toBeGreaterThanOrEqual(cell('uniform', 2, 'tensor').accuracy!)
    expect(cell('uniform', 8, 'tensor').sizeRatio!).toBeLessThan(0.3)
    // per-tensor cells carry the grid levels: at most 2^b − 1 symmetric levels
    for (const levels of Object.values(cell('uniform', 2, 'tensor').levels)) expect(levels!.length).toBeLessThanOrEqual(3)
    expect(cell('uniform', 2, 'tensor').ntkShift!).toBeGreaterThan(cell('uniform', 8, 'tensor').ntkShift!)
    // confusion difference sums to zero over the table (the same rows are classified)
    expect(cell('uniform', 2, 'tensor').confusionDelta!.flat().reduce((a, b) => a + b, 0)).toBe(0)
    expect(res.histograms.map((h) => h.layer)).toEqual(['dense_1/kernel', 'dense_2/kernel', 'dense_3/kernel'])
    expect(res.sensitivity).toHaveLength(6)
    expect(res.mixed!.bytes).toBeLessThanOrEqual(res.mixed!.budgetBytes)
    expect(res.export!.format).toBe('tfjs')
    expect(existsSync(res.export!.dir!)).toBe(true)
    expect(readModelFiles(res.export!.dir!).format).toBe('tfjs')
    // QAT at 2 bits per-tensor recovers accuracy PTQ lost
    expect(res.qat!.history).toHaveLength(4)
    expect(res.qat!.ptqAccuracy).toBe(cell('uniform', 2, 'tensor').accuracy)
    expect(res.qat!.accuracy).toBeGreaterThan(res.qat!.ptqAccuracy)
  })
})
