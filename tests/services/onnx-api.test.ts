import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { readNpy } from '../../electron/engine/io/npy'
import { permute } from '../../electron/engine/onnx/export'
import type { ModelDetail, ModelSummary } from '../../shared/index'
import { servicesForTest } from '../helpers/services-api'

// ONNX through the API the Models page uses, with the real engine process and project: a PyTorch-layout CNN
// imported as a job (the path a drop of a .onnx file on Models takes), exported back to ONNX (folder and
// browser download) and run by ONNX Runtime on NHWC inputs: the outputs of the original NCHW file. An LSTM
// file fails its job naming the op, and nothing is stored.

const fixtures = fileURLToPath(new URL('../fixtures/onnx/', import.meta.url))
const { tmp, call, settle: settleIn } = servicesForTest('ntkw-onnx-api-')
const settle = (runId: string) => settleIn(runId, 240_000)

describe('ONNX models through the API', () => {
  it('import .onnx as a job → export to ONNX (folder and download) → ONNX Runtime gives the original outputs; an LSTM is refused', async () => {
    await call('project.new', { path: path.join(tmp.dir, 'o.ntkw') })
    const imp = await call<{ runId: string }>('models.import', { path: path.join(fixtures, 'cnn.onnx') })
    expect((await settle(imp.runId)).state).toBe('succeeded')
    const [m] = await call<ModelSummary[]>('models.list')
    expect(m!.name).toBe('cnn')
    expect(m!.inputShape).toEqual([12, 12, 3])
    const d = await call<ModelDetail>('models.get', { modelId: m!.id })
    // BatchNormalization folded into the Conv before it, Dropout dropped
    expect(d.layerTable.map((l) => l.className)).toEqual(['InputLayer', 'Conv2D', 'ReLU', 'MaxPooling2D', 'Conv2D', 'Activation', 'AveragePooling2D', 'Flatten', 'Dense', 'ReLU', 'Dense'])

    const ex = await call<{ path: string }>('models.export', { modelId: m!.id, dir: path.join(tmp.dir, 'out'), format: 'onnx' })
    expect(ex.path).toBe(path.join(tmp.dir, 'out', 'model.onnx'))
    const dl = await call<{ weights: Uint8Array; weightsFile: string }>('models.files', { modelId: m!.id, format: 'onnx' })
    expect(dl.weightsFile).toBe('model.onnx')
    expect(Buffer.from(dl.weights).equals(readFileSync(ex.path))).toBe(true)
    // a plain Uint8Array (a Buffer would leave `ntkw serve` as JSON, not as a binary frame)
    expect(Object.getPrototypeOf(dl.weights)).toBe(Uint8Array.prototype)

    const x = readNpy(path.join(fixtures, 'cnn.x.npy'))
    const y = Float32Array.from(readNpy(path.join(fixtures, 'cnn.y.npy')).data as ArrayLike<number>)
    const nhwc = permute(Float32Array.from(x.data as ArrayLike<number>), x.shape, [0, 2, 3, 1])
    const s = await ort.InferenceSession.create(ex.path)
    const z = (await s.run({ input: new ort.Tensor('float32', nhwc, [x.shape[0]!, 12, 12, 3]) })).logits!.data as Float32Array
    await s.release()
    for (let i = 0; i < y.length; i++) expect(Math.abs(z[i]! - y[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(y[i]!)))

    const bad = await call<{ runId: string }>('models.import', { path: path.join(fixtures, 'lstm.onnx') })
    const failed = await settle(bad.runId)
    expect(failed.state).toBe('failed')
    expect(failed.error).toMatch(/ONNX op LSTM \(node '\/lstm\/LSTM'\)/)
    expect(await call<ModelSummary[]>('models.list')).toHaveLength(1)
  })
})
