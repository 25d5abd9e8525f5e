import * as tf from '@tensorflow/tfjs-core'
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseActivation } from '../../../shared/arch'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { initMlp, disposeMlp } from '../../../electron/engine/nn/mlp'
import { forward } from '../../../electron/engine/nn/forward'
import { buildModel, parseArch } from '../../../electron/engine/models/build'
import { inputTensor } from '../../../electron/engine/models/data'
import { evaluateModel, predictLogits } from '../../../electron/engine/models/evaluate'
import { writeModelFolder } from '../../../electron/engine/models/format'
import { filesToModel, modelToFiles } from '../../../electron/engine/models/io'
import { importModel } from '../../../electron/engine/models/import'
import { mlpToLayersModel } from '../../../electron/engine/models/ntk-export'
import { trainModel } from '../../../electron/engine/models/train'
import { mnistRows } from '../../helpers/mnist'
import { tempDir } from '../../helpers/tmp'

// Stock @tensorflow/tfjs, in its own Node process with no workbench code on its load path, loads what we
// export (over HTTP, as a browser would) and gives the same logits; a model stock tfjs saves imports.

const run = promisify(execFile)
const CHILD = path.resolve('tests/fixtures/models/stock-tfjs.mjs')
const tmp = tempDir('ntkw-stock-')
let server: http.Server
let base = ''

beforeAll(async () => {
  await initBackend()
  // static files under tmp.dir for GET; multipart uploads (tf.io.http save) written to tmp.dir/<path>/ for POST
  server = http.createServer((req, res) => {
    const rel = decodeURIComponent((req.url ?? '/').split('?')[0]!)
    const file = path.join(tmp.dir, rel)
    if (req.method === 'GET') {
      if (!existsSync(file)) return res.writeHead(404).end()
      return res.writeHead(200).end(readFileSync(file))
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void new Request('http://local/', { method: 'POST', headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) })
        .formData()
        .then(async (form) => {
          mkdirSync(file, { recursive: true })
          for (const [name, v] of form.entries()) writeFileSync(path.join(file, name), Buffer.from(await (v as Blob).arrayBuffer()))
          res.writeHead(200).end('{}')
        })
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((r) => server.close(r))
  tmp.cleanup()
})

type Out = { data: number[]; shape: number[] }
async function stockPredictAll(dirs: string[], x: Float32Array, shape: number[]): Promise<Out[]> {
  const xf = path.join(tmp.dir, `${dirs[0]}-x.json`)
  const of = path.join(tmp.dir, `${dirs[0]}-out.json`)
  writeFileSync(xf, JSON.stringify({ shape, data: Array.from(x) }))
  await run(process.execPath, [CHILD, 'predict', dirs.map((d) => `${base}/${d}/model.json`).join(','), xf, of], { timeout: 120_000 })
  return JSON.parse(readFileSync(of, 'utf8')) as Out[]
}
const stockPredict = async (dir: string, x: Float32Array, shape: number[]): Promise<Out> => (await stockPredictAll([dir], x, shape))[0]!

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let d = 0
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!))
  return d
}

describe('stock tfjs reads our models', () => {
  it('a trained MNIST MLP: same logits (max difference ≤ 1e-4)', async () => {
    const d = await mnistRows(1200)
    const x = inputTensor({ data: d.x.subarray(0, 1000 * 784), shape: [1000, 784] }, [784])
    const model = buildModel(parseArch({ layers: [{ type: 'dense', units: 64, activation: 'relu' }, { type: 'dense', units: 32, activation: 'relu' }] }), { inputShape: [784], outputs: 10, seed: 0 })
    await trainModel({ model, x, labels: d.y.subarray(0, 1000), epochs: 2, batchSize: 64, optimizer: 'adam', learningRate: 1e-3, seed: 0 })
    writeModelFolder(path.join(tmp.dir, 'mlp'), await modelToFiles(model))
    const xt = d.x.subarray(1000 * 784, 1200 * 784)
    const ours = predictLogits(model, inputTensor({ data: xt, shape: [200, 784] }, [784]))
    const stock = await stockPredict('mlp', xt, [200, 784])
    expect(stock.shape).toEqual([200, 10])
    expect(maxDiff(ours, stock.data)).toBeLessThanOrEqual(1e-4)
    // and the logits are not trivially equal (a trained model separates classes)
    expect(Math.max(...ours) - Math.min(...ours)).toBeGreaterThan(1)
    tf.dispose(x)
    model.dispose()
  })

  it('a small CNN (conv, batchnorm, pooling, dropout): same logits', async () => {
    const d = await mnistRows(300)
    const x = inputTensor({ data: d.x, shape: [300, 784] }, [28, 28, 1])
    const arch = parseArch({ input: [28, 28, 1], layers: [{ type: 'conv2d', filters: 4, kernel: 3, padding: 'same', activation: 'relu' }, { type: 'batchnorm' }, { type: 'avgpool2d' }, { type: 'conv2d', filters: 6, kernel: 3, stride: 2 }, { type: 'relu' }, { type: 'maxpool2d' }, { type: 'dropout', rate: 0.2 }] })
    const model = buildModel(arch, { inputShape: [28, 28, 1], outputs: 10, seed: 1 })
    await trainModel({ model, x, labels: d.y, epochs: 1, batchSize: 50, optimizer: 'sgd', learningRate: 0.05, seed: 0 })
    writeModelFolder(path.join(tmp.dir, 'cnn'), await modelToFiles(model))
    const ours = predictLogits(model, tf.slice(x, 0, 50))
    const stock = await stockPredict('cnn', d.x.subarray(0, 50 * 784), [50, 28, 28, 1])
    expect(maxDiff(ours, stock.data)).toBeLessThanOrEqual(1e-4)
    tf.dispose(x)
    model.dispose()
  })

  it('NTK-parameterized MLPs with every expressible activation: stock forward = engine forward', async () => {
    const acts = ['relu', 'gelu', 'identity', 'abs', 'leaky_relu:0.1', 'abrelu:-0.5,2', 'abrelu:0.3,0']
    const x = Float32Array.from({ length: 20 * 5 }, (_, i) => Math.sin(i * 1.3))
    const refs: Float32Array[] = []
    for (const [k, a] of acts.entries()) {
      const net = initMlp({ depth: 2, width: 12, activation: parseActivation(a), wStd: 1.5, bStd: 0.2, parameterization: 'ntk' }, 5, 3, k)
      const ref = forward(net, tf.tensor2d(x, [20, 5]))
      refs.push(ref.dataSync() as Float32Array)
      const layers = mlpToLayersModel(net)
      writeModelFolder(path.join(tmp.dir, `ntk${k}`), await modelToFiles(layers))
      ref.dispose()
      layers.dispose()
      disposeMlp(net)
    }
    const stock = await stockPredictAll(acts.map((_, k) => `ntk${k}`), x, [20, 5])
    acts.forEach((a, k) => expect(maxDiff(refs[k]!, stock[k]!.data), a).toBeLessThanOrEqual(1e-4))
  })
})

describe('models written by stock tfjs', () => {
  it('import, and their evaluation matches stock predict', async () => {
    const n = 60
    const x = Float32Array.from({ length: n * 4 }, (_, i) => Math.cos(i * 0.7) + (i % 4) * 0.1)
    const xf = path.join(tmp.dir, 'stock-x.json')
    const of = path.join(tmp.dir, 'stock-out.json')
    writeFileSync(xf, JSON.stringify({ shape: [n, 4], data: Array.from(x) }))
    await run(process.execPath, [CHILD, 'create', `${base}/saved`, xf, of], { timeout: 120_000 })
    expect(existsSync(path.join(tmp.dir, 'saved', 'model.json'))).toBe(true)
    const stock = JSON.parse(readFileSync(of, 'utf8')) as { data: number[] }
    const stored = await importModel(path.join(tmp.dir, 'saved'))
    expect(stored.meta.source.kind).toBe('import')
    expect(stored.meta.inputShape).toEqual([4])
    const model = await filesToModel({ modelJson: stored.modelJson as never, weights: stored.weights })
    const xt = inputTensor({ data: x, shape: [n, 4] }, [4])
    const ours = predictLogits(model, xt)
    expect(maxDiff(ours, stock.data)).toBeLessThanOrEqual(1e-5)
    // accuracy from stock's predictions, computed here, equals our evaluation's
    const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % 3)
    let hits = 0
    for (let i = 0; i < n; i++) {
      const row = stock.data.slice(i * 3, i * 3 + 3)
      if (row.indexOf(Math.max(...row)) === labels[i]) hits++
    }
    const ev = await evaluateModel(model, xt, labels, stored.weights.byteLength, tf.getBackend())
    expect(ev.accuracy).toBeCloseTo(hits / n, 12)
    expect(ev.params).toBe(4 * 16 + 16 + 16 * 3 + 3)
    tf.dispose(xt)
    model.dispose()
  })
})
