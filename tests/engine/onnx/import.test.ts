import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as tf from '@tensorflow/tfjs-core'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readNpy } from '../../../electron/engine/io/npy'
import { writeModelFolder, readModelFolder } from '../../../electron/engine/models/format'
import { filesToModel } from '../../../electron/engine/models/io'
import { importOnnx, planOnnxImport } from '../../../electron/engine/onnx/import'
import { permute } from '../../../electron/engine/onnx/export'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { tempDir } from '../../helpers/tmp'

// Import of ONNX classifiers in PyTorch's exporter layout (tests/fixtures/onnx/make_onnx_fixtures.py): the
// imported TF.js model, and the same model re-exported to TF.js files and loaded back by stock
// tf.loadLayersModel, predict what ONNX Runtime computes on the original file (the committed .y.npy, and
// onnxruntime-node run here on the same inputs). Images go in NCHW to ONNX and NHWC to TF.js.

const fixtures = fileURLToPath(new URL('../../fixtures/onnx/', import.meta.url))
const tmp = tempDir('ntkw-onnx-import-')

beforeAll(async () => {
  await initBackend()
})
afterAll(() => tmp.cleanup())

function softmaxRows(z: Float32Array, k: number): Float32Array {
  const out = new Float32Array(z.length)
  for (let i = 0; i < z.length; i += k) {
    let m = -Infinity
    for (let j = 0; j < k; j++) m = Math.max(m, z[i + j]!)
    let s = 0
    for (let j = 0; j < k; j++) s += Math.exp(z[i + j]! - m)
    for (let j = 0; j < k; j++) out[i + j] = Math.exp(z[i + j]! - m) / s
  }
  return out
}
const argmax = (z: Float32Array, k: number) => Array.from({ length: z.length / k }, (_, i) => z.subarray(i * k, i * k + k).reduce((b, v, j, a) => (v > a[b]! ? j : b), 0))

describe.each([
  ['mlp', true],
  ['cnn', false],
  ['cnn-gap', false],
])('ONNX import of %s', (name, softmaxLast) => {
  it("predicts what ONNX Runtime computes on the original file, before and after a TF.js round trip", async () => {
    const file = path.join(fixtures, `${name}.onnx`)
    const x = readNpy(path.join(fixtures, `${name}.x.npy`))
    const yRef = Float32Array.from(readNpy(path.join(fixtures, `${name}.y.npy`)).data as ArrayLike<number>)
    const xs = Float32Array.from(x.data as ArrayLike<number>)
    // ONNX Runtime here, on the committed inputs, agrees with the committed outputs
    const session = await ort.InferenceSession.create(file)
    const live = (await session.run({ input: new ort.Tensor('float32', xs, x.shape) })).output!.data as Float32Array
    for (let i = 0; i < live.length; i++) expect(Math.abs(live[i]! - yRef[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(yRef[i]!)))

    const stored = await importOnnx(file)
    expect(stored.meta.source.kind).toBe('import')
    const k = stored.meta.numClasses!
    const nhwc = x.shape.length === 4 ? permute(xs, x.shape, [0, 2, 3, 1]) : xs
    const rowShape = x.shape.length === 4 ? [x.shape[2]!, x.shape[3]!, x.shape[1]!] : x.shape.slice(1)
    expect(stored.meta.inputShape).toEqual(rowShape)
    const dir = path.join(tmp.dir, name)
    writeModelFolder(dir, stored as never)
    for (const files of [stored, readModelFolder(dir)]) {
      const model = await filesToModel(files as never)
      const logits = tf.tidy(() => (model.apply(tf.tensor(nhwc, [x.shape[0]!, ...rowShape]), { training: false }) as tf.Tensor).dataSync() as Float32Array)
      model.dispose()
      const out = softmaxLast ? softmaxRows(logits, k) : logits
      expect(argmax(out, k)).toEqual(argmax(yRef, k))
      let worst = 0
      for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i]! - yRef[i]!) / Math.max(1e-3, Math.abs(yRef[i]!)))
      expect(worst).toBeLessThan(1e-4)
    }
  })
})

describe('ONNX import refuses what it cannot convert, before storing anything', () => {
  it('an LSTM, naming the op and its node', () => {
    expect(() => planOnnxImport(new Uint8Array(readFileSync(path.join(fixtures, 'lstm.onnx'))), 'lstm.onnx')).toThrow(/ONNX op LSTM \(node '\/lstm\/LSTM'\) is not supported/)
  })
  it('an op from an unknown domain, naming the domain, the op and its node', () => {
    expect(() => planOnnxImport(new Uint8Array(readFileSync(path.join(fixtures, 'unknown-domain.onnx'))), 'unknown-domain.onnx')).toThrow(/ONNX op com\.example\.custom:FancyAct \(node '\/act\/FancyAct'\)/)
  })
  it('a file that is not ONNX', () => {
    expect(() => planOnnxImport(new TextEncoder().encode('{"not": "onnx"}'), 'x.onnx')).toThrow(/x\.onnx/)
  })
})
