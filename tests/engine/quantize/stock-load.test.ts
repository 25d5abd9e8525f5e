import * as tfjs from '@tensorflow/tfjs'
import * as tf from '@tensorflow/tfjs-core'
import * as tfl from '@tensorflow/tfjs-layers'
import { createServer, type Server } from 'node:http'
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { writeQuantizedExport } from '../../../electron/engine/quantize/export/write-export'
import { quantizeModel, type NamedWeight } from '../../../electron/engine/quantize/quantize-model'
import { readModelFiles } from '../../../electron/engine/quantize/read-model'
import { loadNtkwModel } from '../../../resources/loader/ntkw-quantized.mjs'
import { UserError } from '../../../shared/errors'
import { tempDir } from '../../helpers/tmp'
import { gaussian } from './helpers'

// A real stock tfjs-layers model, exported quantized, loaded back by stock @tensorflow/tfjs over HTTP (int8
// manifest) and by the standalone loader + tfjs-layers (packed format).

let server: Server
let base = ''
let root = ''
let cleanup = () => {}

beforeAll(async () => {
  await initBackend()
  ;({ dir: root, cleanup } = tempDir('ntkw-quant-stock-'))
  server = createServer((req, res) => {
    try {
      const file = path.join(root, decodeURIComponent(new URL(req.url!, 'http://x').pathname))
      res.end(readFileSync(file))
    } catch {
      res.statusCode = 404
      res.end()
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const addr = server.address()
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
})

afterAll(() => {
  server?.close()
  cleanup()
})

async function stockModel(): Promise<{ model: tfl.LayersModel; topology: unknown; weights: NamedWeight[] }> {
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ inputShape: [20], units: 32, activation: 'relu' }), tfl.layers.dense({ units: 32, activation: 'relu' }), tfl.layers.dense({ units: 3 })],
  })
  // deterministic weights
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(gaussian(w.size, 300 + i, 0.3), w.shape)))
  let artifacts: tf.io.ModelArtifacts | null = null
  await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })))
  const a = artifacts! as tf.io.ModelArtifacts
  const t = tf.io.decodeWeights(a.weightData!, a.weightSpecs!)
  const weights = a.weightSpecs!.map((s) => ({ name: s.name, shape: s.shape, values: Float32Array.from(t[s.name]!.dataSync()) }))
  tf.dispose(Object.values(t))
  return { model, topology: a.modelTopology, weights }
}

function predictWith(model: tfl.LayersModel, weights: NamedWeight[], x: tf.Tensor): Float32Array {
  const old = model.getWeights().map((w) => w.clone())
  model.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)))
  const y = model.predict(x) as tf.Tensor
  const out = Float32Array.from(y.dataSync())
  y.dispose()
  model.setWeights(old)
  tf.dispose(old)
  return out
}

describe('exports load in stock TF.js', () => {
  it('int8 per-tensor (--format tfjs): stock tf.loadLayersModel over HTTP predicts exactly what the dequantised model predicts', async () => {
    const { model, topology, weights } = await stockModel()
    const qm = quantizeModel(weights, { bits: 8, scheme: 'affine', granularity: { kind: 'tensor' }, calibration: { kind: 'minmax' }, method: 'uniform', format: 'tfjs' })
    const dir = path.join(root, 'int8')
    const written = writeQuantizedExport(dir, topology, qm, 'test')
    expect(readdirSync(dir).sort()).toEqual(['group1-shard1of1.bin', 'model.json'])
    const json = JSON.parse(readFileSync(written.modelJson, 'utf8')) as { weightsManifest: tf.io.WeightsManifestConfig }
    const specs = json.weightsManifest[0]!.weights
    expect(specs.filter((s) => s.quantization?.dtype === 'uint8').map((s) => s.name)).toEqual(weights.filter((w) => w.shape.length === 2).map((w) => w.name))
    // kernels 1 byte each, biases float32
    const kernelN = weights.filter((w) => w.shape.length === 2).reduce((s, w) => s + w.values.length, 0)
    const biasN = weights.filter((w) => w.shape.length === 1).reduce((s, w) => s + w.values.length, 0)
    expect(written.weightBytes).toBe(kernelN + 4 * biasN)
    expect(qm.bytes).toBe(written.weightBytes)

    const loaded = await tfjs.loadLayersModel(`${base}/int8/model.json`)
    const x = tf.tensor2d(gaussian(50 * 20, 9), [50, 20])
    const yStock = loaded.predict(x) as tf.Tensor
    const expected = predictWith(model, qm.weights, x)
    const got = yStock.dataSync()
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(expected[i]!, 5)
    const yFloat = model.predict(x) as tf.Tensor
    // int8 stays close to float: ‖y_q − y‖ / ‖y‖ of a few percent at most
    const rel = tf.tidy(() => tf.div(tf.norm(tf.sub(yStock, yFloat)), tf.norm(yFloat)).dataSync()[0]!)
    expect(rel).toBeLessThan(0.03)
    tf.dispose([x, yStock, yFloat])
    loaded.dispose()

    // the workbench's reader decodes the same file to the same values
    const back = readModelFiles(written.modelJson)
    expect(back.format).toBe('tfjs')
    back.weights.forEach((w, i) => expect(Array.from(w.values)).toEqual(Array.from(qm.weights[i]!.values)))
  })

  it('float16 (--format tfjs) halves the bytes and loads in stock TF.js', async () => {
    const { topology, weights } = await stockModel()
    const qm = quantizeModel(weights, { bits: 'float16', scheme: 'affine', granularity: { kind: 'tensor' }, calibration: { kind: 'minmax' }, method: 'uniform', format: 'tfjs' })
    const written = writeQuantizedExport(path.join(root, 'f16'), topology, qm, 'test')
    expect(written.weightBytes).toBe(qm.floatBytes / 2)
    const loaded = await tfjs.loadLayersModel(`${base}/f16/model.json`)
    const lw = loaded.getWeights()
    lw.forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(qm.weights[i]!.values)))
    loaded.dispose()
  })

  it('4-bit per-channel MSE (--format ntkw): the shipped loader + tfjs-layers rebuild the model; stock loaders refuse the folder', async () => {
    const { model, topology, weights } = await stockModel()
    const qm = quantizeModel(weights, { bits: 4, scheme: 'symmetric', granularity: { kind: 'channel' }, calibration: { kind: 'mse' }, method: 'uniform', format: 'ntkw' })
    const dir = path.join(root, 'int4')
    const written = writeQuantizedExport(dir, topology, qm, 'test')
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'ntkw-quantized.mjs', 'weights.ntkwq'])
    expect(written.weightBytes).toBe(qm.bytes)
    const viaHttp = (await loadNtkwModel(`${base}/int4/model.json`, { layers: tfl })) as tfl.LayersModel
    const x = tf.tensor2d(gaussian(30 * 20, 10), [30, 20])
    const y = viaHttp.predict(x) as tf.Tensor
    const expected = predictWith(model, qm.weights, x)
    const got = y.dataSync()
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(expected[i]!, 5)
    tf.dispose([x, y])
    viaHttp.dispose()
    // the copy written beside the export is a working module on its own
    const shipped = (await import(path.join(dir, 'ntkw-quantized.mjs'))) as typeof import('../../../resources/loader/ntkw-quantized.mjs')
    const direct = shipped.decodeNtkwWeights(JSON.parse(readFileSync(written.modelJson, 'utf8')), readFileSync(path.join(dir, 'weights.ntkwq')))
    direct.forEach((w, i) => expect(Array.from(w.values)).toEqual(Array.from(qm.weights[i]!.values)))
    // a stock loader cannot mistake the folder for a float model (it would otherwise build random weights)
    await expect(tfjs.loadLayersModel(`${base}/int4/model.json`)).rejects.toThrow()
    // the workbench reader reads it; a damaged file is a UserError
    expect(readModelFiles(written.modelJson).format).toBe('ntkw')
    const bin = readFileSync(path.join(dir, 'weights.ntkwq'))
    bin[bin.length - 5]! ^= 0xff
    const { writeFileSync } = await import('node:fs')
    writeFileSync(path.join(dir, 'weights.ntkwq'), bin)
    let err: unknown
    try {
      readModelFiles(written.modelJson)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(UserError)
    expect((err as UserError).code).toBe('ntkw_checksum')
  })
})
