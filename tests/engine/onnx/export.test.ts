import * as tf from '@tensorflow/tfjs-core'
import type * as tfl from '@tensorflow/tfjs-layers'
import * as ort from 'onnxruntime-node'
import { beforeAll, describe, expect, it } from 'vitest'
import { Xoshiro128 } from '../../../electron/engine/core/random'
import { buildModel, parseArch } from '../../../electron/engine/models/build'
import { modelToFiles } from '../../../electron/engine/models/io'
import { exportOnnx } from '../../../electron/engine/onnx/export'
import { buildFromPlan, planOnnxImport } from '../../../electron/engine/onnx/import'
import { qdq, quantizeForOnnx } from '../../../electron/engine/onnx/qdq'
import { DT, decodeModel, encodeModel, tensor, tensorValues, valueInfo } from '../../../electron/engine/io/onnx-proto'
import { initBackend } from '../../../electron/engine/runtime/backend'

// The ONNX writer layer by layer, against ONNX Runtime as the independent computation: seeded networks that
// exercise every padding rule (Keras 'same' with odd sizes and strides, pooling with 'same'), BatchNormalization
// with non-trivial statistics, the GELU Erf pattern and the other activations; then QDQ exports per tensor and
// per channel, symmetric and affine, with and without activation quantization, whose workbench evaluation must
// be what ONNX Runtime computes.

beforeAll(async () => {
  await initBackend()
})

const ARCHS: [string, unknown, number[]][] = [
  [
    'cnn with same/valid padding, strides, both poolings, batchnorm, gelu',
    {
      layers: [
        { type: 'conv2d', filters: 5, kernel: [4, 3], stride: 2, padding: 'same', activation: 'gelu' },
        { type: 'batchnorm' },
        { type: 'maxpool2d', pool: 2, stride: 2, padding: 'same' },
        { type: 'conv2d', filters: 6, kernel: [2, 3], padding: 'valid', activation: 'tanh' },
        { type: 'avgpool2d', pool: 2, stride: 1, padding: 'same' },
        { type: 'flatten' },
        { type: 'dropout', rate: 0.2 },
        { type: 'dense', units: 12, activation: 'sigmoid' },
      ],
    },
    [13, 11, 2],
  ],
  ['mlp with elu, swish, softplus, leaky_relu, relu6, abs, batchnorm', { layers: [{ type: 'dense', units: 20, activation: 'elu' }, { type: 'dense', units: 16, activation: 'swish' }, { type: 'batchnorm' }, { type: 'dense', units: 12, activation: 'softplus' }, { type: 'dense', units: 10, activation: 'leaky_relu:0.1' }, { type: 'dense', units: 9, activation: 'relu6' }, { type: 'dense', units: 8, activation: 'abs' }] }, [17]],
]

function randomBn(model: tfl.LayersModel, rng: Xoshiro128): void {
  for (const l of model.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue
    const ws = l.getWeights().map((w) => {
      const v = new Float32Array(w.size)
      const name = l.weights[l.getWeights().indexOf(w)]!.name
      for (let i = 0; i < v.length; i++) v[i] = /variance/.test(name) ? 0.5 + rng.uniform() : /gamma/.test(name) ? 0.5 + rng.uniform() : rng.uniform() - 0.5
      return tf.tensor(v, w.shape)
    })
    l.setWeights(ws)
    tf.dispose(ws)
  }
}

async function ortRun(bytes: Uint8Array, x: Float32Array, shape: number[], level: 'disabled' | 'all' = 'all'): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: level })
  const out = (await s.run({ input: new ort.Tensor('float32', x, shape) })).logits!.data as Float32Array
  await s.release()
  return out
}

function maxRel(a: Float32Array, b: Float32Array): number {
  let scale = 0
  let d = 0
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!))
    d = Math.max(d, Math.abs(a[i]! - b[i]!))
  }
  return d / scale
}

describe.each(ARCHS)('ONNX export: %s', (_label, arch, inputShape) => {
  it('float logits equal the TF.js model within 1e-5 relative, every layer converted', async () => {
    const model = buildModel(parseArch(arch), { inputShape, outputs: 7, seed: 11 })
    const rng = new Xoshiro128(5)
    randomBn(model, rng)
    const n = 64
    const x = Float32Array.from({ length: n * inputShape.reduce((a, b) => a * b, 1) }, () => 2 * rng.uniform() - 1)
    const files = await modelToFiles(model)
    const { bytes, opTypes } = exportOnnx(files)
    const m = decodeModel(bytes)
    expect(m.graph.initializer.every((t) => t.rawData!.byteLength === 4 * tensorValues(t).length || t.dataType !== 1)).toBe(true)
    expect(opTypes).not.toContain('Dropout')
    const ref = tf.tidy(() => (model.apply(tf.tensor(x, [n, ...inputShape]), { training: false }) as tf.Tensor).dataSync() as Float32Array)
    const got = await ortRun(bytes, x, [n, ...inputShape])
    expect(maxRel(got, ref)).toBeLessThan(1e-5)
    // and back: the importer reads the workbench's own export (NHWC input, Transpose before Flatten)
    if (inputShape.length === 3) {
      const back = buildFromPlan(planOnnxImport(bytes))
      const again = tf.tidy(() => (back.apply(tf.tensor(x, [n, ...inputShape]), { training: false }) as tf.Tensor).dataSync() as Float32Array)
      back.dispose()
      expect(maxRel(again, ref)).toBeLessThan(1e-5)
    }

    // QDQ variants: the workbench's evaluation is ONNX Runtime's on the exported file
    for (const v of [
      { granularity: { kind: 'channel' as const }, scheme: 'symmetric' as const, acts: true },
      { granularity: { kind: 'tensor' as const }, scheme: 'affine' as const, acts: true },
      { granularity: { kind: 'channel' as const }, scheme: 'symmetric' as const, acts: false },
    ]) {
      const calibX = tf.tensor(x.subarray(0, 32 * (x.length / n)), [32, ...inputShape])
      const q = await quantizeForOnnx(model, { granularity: v.granularity, scheme: v.scheme, calibration: { kind: 'minmax' }, activations: v.acts ? { calibration: { kind: 'minmax' } } : null, calibX })
      calibX.dispose()
      const qb = exportOnnx(files, { plan: q.plan }).bytes
      const ops = decodeModel(qb).graph.node.map((nd) => nd.opType)
      expect(ops.filter((o) => o === 'QuantizeLinear').length).toBe(v.acts ? ops.filter((o) => o === 'Gemm' || o === 'Conv').length : 0)
      const mine = tf.tidy(() => q.forward(tf.tensor(x, [n, ...inputShape])).dataSync() as Float32Array)
      q.model.dispose()
      const theirs = await ortRun(qb, x, [n, ...inputShape], 'disabled')
      // identical up to float32 summation order (a rare activation step at a rounding boundary)
      const err = maxRel(mine, theirs)
      const k = 7
      let exactRows = 0
      for (let i = 0; i < n; i++) if (maxRel(mine.subarray(i * k, i * k + k), theirs.subarray(i * k, i * k + k)) < 1e-5) exactRows++
      expect(exactRows, `${JSON.stringify(v)}: rows within 1e-5`).toBeGreaterThanOrEqual(n - 2)
      expect(err, `${JSON.stringify(v)}: ${err}`).toBeLessThan(v.acts ? 2e-3 : 1e-5)
      // quantization changed the function (the test can tell the float export from the QDQ one)
      expect(maxRel(theirs, got)).toBeGreaterThan(1e-4)
    }
    model.dispose()
  })
})

describe('QuantizeLinear → DequantizeLinear', () => {
  it('the workbench qdq() is bit for bit what ONNX Runtime computes, ties and saturation included', async () => {
    const scale = Math.fround(0.0371)
    const zeroPoint = 131
    const rng = new Xoshiro128(3)
    const xs: number[] = []
    // exact ties (k + ½)·s as float32, values around them, far outside the grid, and random ones
    for (let k = -140; k <= 140; k++) {
      const t = Math.fround((k + 0.5) * scale)
      xs.push(t, Math.fround(t * (1 + 1e-7)), Math.fround(t * (1 - 1e-7)))
    }
    for (let i = 0; i < 3000; i++) xs.push(Math.fround((rng.uniform() - 0.5) * 30 * scale * 128))
    const x = Float32Array.from(xs)
    const bytes = encodeModel({
      irVersion: 7,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'qdq',
        node: [
          { name: 'q', opType: 'QuantizeLinear', input: ['input', 's', 'z'], output: ['q'], attribute: [] },
          { name: 'dq', opType: 'DequantizeLinear', input: ['q', 's', 'z'], output: ['logits'], attribute: [] },
        ],
        initializer: [tensor('s', [], DT.FLOAT, [scale]), tensor('z', [], DT.UINT8, [zeroPoint])],
        input: [valueInfo('input', DT.FLOAT, [x.length])],
        output: [valueInfo('logits', DT.FLOAT, [x.length])],
      },
    })
    const theirs = await ortRun(bytes, x, [x.length], 'disabled')
    const mine = tf.tidy(() => qdq(tf.tensor1d(x), { scale, zeroPoint }).dataSync() as Float32Array)
    let diff = 0
    for (let i = 0; i < x.length; i++) if (mine[i] !== theirs[i]) diff++
    expect(diff).toBe(0)
    // the grid saturates at both ends
    expect(Math.min(...theirs)).toBeCloseTo(-zeroPoint * scale, 6)
    expect(Math.max(...theirs)).toBeCloseTo((255 - zeroPoint) * scale, 6)
  })
})
