import { readFileSync, existsSync, statSync } from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import * as tfl from '@tensorflow/tfjs-layers'
import { UserError } from '../../../shared/errors'
import type { StoredModel } from '../core/job'
import { toStoredModel } from '../models/stored'
import { permute } from './export'
import { decodeModel, floatAttr, intAttr, intsAttr, stringAttr, tensorValues, type NodeProto } from '../io/onnx-proto'

// ONNX classifier → TF.js Layers Sequential. The supported graph is the chain torch.onnx.export writes for
// MLPs and small CNNs. Layout: ONNX images are NCHW, TF.js NHWC, so the imported model takes [h, w, c];
// Conv weights go from [out, in, kh, kw] to Keras [kh, kw, in, out]; a Flatten of an NCHW map orders
// features (c, h, w) where Keras' Flatten orders them (h, w, c), so the rows of the Dense layer after it are
// permuted instead of the data. BatchNormalization right after a Conv/Gemm is folded into it:
//   W' = W·a, b' = (b − μ)·a + β with a = γ/√(σ² + ε) per output channel
// (ONNX BatchNormalization, inference mode). A final Softmax/LogSoftmax is dropped: project models output
// logits (argmax and softmax of the imported model equal the original's). Everything else is refused,
// naming the op and its node, before anything is built.

export const ONNX_IMPORT_OPS = ['Gemm', 'MatMul', 'Add', 'Conv', 'Relu', 'LeakyRelu', 'Gelu (Erf pattern or the opset-20 op)', 'Sigmoid', 'Tanh', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Flatten', 'Reshape', 'BatchNormalization', 'Dropout', 'Identity', 'Softmax (last)', 'LogSoftmax (last)', 'Transpose (NHWC input, before Flatten)']

type LayerSpec =
  | { kind: 'dense'; kernel: Float32Array; bias: Float32Array; units: number; inputs: number }
  | { kind: 'conv'; kernel: Float32Array; bias: Float32Array; kh: number; kw: number; cin: number; cout: number; strides: [number, number]; dilations: [number, number]; padding: 'valid' | 'same' }
  | { kind: 'pad'; pads: [[number, number], [number, number]] }
  | { kind: 'pool'; max: boolean; pool: [number, number]; strides: [number, number]; padding: 'valid' | 'same' }
  | { kind: 'gap' }
  | { kind: 'flatten' }
  | { kind: 'act'; activation: 'relu' | 'sigmoid' | 'tanh' | 'gelu' }
  | { kind: 'leaky'; alpha: number }
  | { kind: 'bn'; gamma: Float32Array; beta: Float32Array; mean: Float32Array; variance: Float32Array; epsilon: number }
  | { kind: 'softmax' }

interface Const {
  dims: number[]
  values: Float64Array
}

function refuse(n: NodeProto, why: string): never {
  const op = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}:${n.opType}` : n.opType
  throw new UserError('unsupported_onnx_op', `ONNX op ${op} (node '${n.name || n.output[0]}') ${why}`, `The importer converts classifiers as torch.onnx.export writes them: ${ONNX_IMPORT_OPS.join(', ')}.`)
}

/** TensorFlow 'same' pads (before, after) of one axis, for comparing with explicit ONNX pads. */
function tfSame(n: number, k: number, s: number, d = 1): [number, number] {
  const out = Math.ceil(n / s)
  const total = Math.max((out - 1) * s + (k - 1) * d + 1 - n, 0)
  return [Math.floor(total / 2), total - Math.floor(total / 2)]
}

const f32 = (v: Float64Array | number[]) => Float32Array.from(v)

export interface OnnxImportPlan {
  /** Keras input shape: [d] or [h, w, c] */
  inputShape: number[]
  layers: LayerSpec[]
  outputs: number
  droppedSoftmax: string | null
  opset: number
  producer: string
}

/** Parses and converts the graph (no tfjs needed); throws a UserError naming the first unsupported op. */
export function planOnnxImport(bytes: Uint8Array, source = 'model.onnx'): OnnxImportPlan {
  const m = decodeModel(bytes, source)
  const g = m.graph
  // ops from another domain (com.microsoft, custom ones) are refused first, whatever they are
  for (const n of g.node) if (n.domain && n.domain !== 'ai.onnx') refuse(n, 'is from the domain ' + n.domain + ', which the importer does not know')
  const known = new Set(['Gemm', 'MatMul', 'Add', 'Conv', 'Relu', 'LeakyRelu', 'Gelu', 'Sigmoid', 'Tanh', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Flatten', 'Reshape', 'BatchNormalization', 'Dropout', 'Identity', 'Softmax', 'LogSoftmax', 'Constant', 'Div', 'Erf', 'Mul', 'Transpose'])
  for (const n of g.node) if (!known.has(n.opType)) refuse(n, 'is not supported')
  const opset = Number(m.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0)

  const consts = new Map<string, Const>()
  for (const t of g.initializer) consts.set(t.name, { dims: t.dims.map(Number), values: tensorValues(t) })
  for (const n of g.node) {
    if (n.opType !== 'Constant') continue
    const t = n.attribute.find((a) => a.name === 'value')?.t
    if (t) consts.set(n.output[0]!, { dims: t.dims.map(Number), values: tensorValues(t) })
    else {
      const f = n.attribute.find((a) => a.name === 'value_float')
      if (!f) refuse(n, 'holds a value kind the importer does not read')
      consts.set(n.output[0]!, { dims: [], values: Float64Array.of(Number(f.f)) })
    }
  }
  const inputs = g.input.filter((i) => !consts.has(i.name))
  if (inputs.length !== 1) throw new UserError('unsupported_onnx_model', `${source} has ${inputs.length} graph inputs; a classifier takes one`, 'Export the model with one input tensor.')
  if (g.output.length !== 1) throw new UserError('unsupported_onnx_model', `${source} has ${g.output.length} graph outputs; a classifier has one`, 'Export the model with one output (the logits or class probabilities).')
  const dims = (inputs[0]!.type?.tensorType?.shape?.dim ?? []).map((d) => Number(d.dimValue ?? 0))
  if (!(dims.length === 2 || dims.length === 4) || dims.slice(1).some((d) => !(d > 0))) {
    throw new UserError('unsupported_onnx_model', `${source}: input ${inputs[0]!.name} has shape [${dims.join(', ')}]; expected [N, features] or an image batch [N, C, H, W] with fixed sizes`, 'Export with a fixed example input (torch.onnx.export(model, torch.randn(1, C, H, W), ...)).')
  }

  const nodes = g.node.filter((n) => n.opType !== 'Constant')
  const consumers = new Map<string, NodeProto[]>()
  for (const n of nodes) for (const i of n.input) if (i && !consts.has(i)) consumers.set(i, [...(consumers.get(i) ?? []), n])
  const constOf = (n: NodeProto, i: number, what: string): Const => {
    const c = consts.get(n.input[i] ?? '')
    if (!c) refuse(n, `needs a constant ${what} (input ${i + 1}), but it is computed in the graph`)
    return c
  }
  const scalar = (n: NodeProto, i: number): number | null => {
    const c = consts.get(n.input[i] ?? '')
    return c && c.values.length === 1 ? c.values[0]! : null
  }
  const only = (t: string, after: NodeProto): NodeProto | null => {
    const cs = consumers.get(t) ?? []
    if (cs.length > 1) refuse(after, `feeds ${cs.length} nodes (${cs.map((c) => c.opType).join(', ')}); the importer converts chains`)
    return cs[0] ?? null
  }

  const image = dims.length === 4
  // an NHWC input transposed to NCHW first (what the workbench's own export writes) is taken as NHWC
  const first = (consumers.get(inputs[0]!.name) ?? [])[0]
  const nhwcInput = image && first?.opType === 'Transpose' && (consumers.get(inputs[0]!.name) ?? []).length === 1 && (intsAttr(first, 'perm') ?? []).join() === '0,3,1,2'
  if (nhwcInput) dims.splice(1, 3, dims[3]!, dims[1]!, dims[2]!)
  // Keras-side shape of the current tensor: [d] or [h, w, c]; `perm` maps Keras flat features to ONNX ones
  let shape = image ? [dims[2]!, dims[3]!, dims[1]!] : [dims[1]!]
  const inputShape = [...shape]
  let perm: Int32Array | null = null
  let gapped = false
  /** the map was transposed back to NHWC: the next Flatten/Reshape orders features as Keras does */
  let nhwcMap = false
  const layers: LayerSpec[] = []
  let t = inputs[0]!.name
  let droppedSoftmax: string | null = null
  const output = g.output[0]!.name
  const done = new Set<NodeProto>()

  const foldBn = (n: NodeProto) => {
    const eps = floatAttr(n, 'epsilon', 1e-5)
    const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => constOf(n, i, ['scale', 'B', 'mean', 'var'][i - 1]!).values)
    const prev = layers[layers.length - 1]
    const a = Float64Array.from(gamma!, (gm, c) => gm / Math.sqrt(variance![c]! + eps))
    if (prev && (prev.kind === 'dense' || prev.kind === 'conv')) {
      const cout = prev.kind === 'dense' ? prev.units : prev.cout
      if (a.length !== cout) refuse(n, `has ${a.length} channels after a layer with ${cout}`)
      for (let i = 0; i < prev.kernel.length; i++) prev.kernel[i] = prev.kernel[i]! * a[i % cout]!
      for (let c = 0; c < cout; c++) prev.bias[c] = (prev.bias[c]! - mean![c]!) * a[c]! + beta![c]!
      return
    }
    const p = (v: Float64Array) => f32(perm ? Float64Array.from(perm, (j) => v[j]!) : v)
    layers.push({ kind: 'bn', gamma: p(gamma!), beta: p(beta!), mean: p(mean!), variance: p(variance!), epsilon: eps })
  }

  const flattenTo = () => {
    if (shape.length === 1) return
    const [h, w, c] = shape as [number, number, number]
    if (!gapped && !nhwcMap && h * w > 1) {
      // Keras flat index (y·W + x)·C + ch  ←  ONNX flat index ch·H·W + y·W + x
      perm = new Int32Array(h * w * c)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) perm[(y * w + x) * c + ch] = ch * h * w + y * w + x
    }
    layers.push({ kind: 'flatten' })
    shape = [h * w * c]
    nhwcMap = false
  }

  const dense = (n: NodeProto, kernelOnnx: Float32Array, din: number, dout: number, bias: Float32Array) => {
    if (shape.length !== 1) refuse(n, `multiplies an image-shaped tensor [${shape.join(', ')}]; flatten it first`)
    if (din !== shape[0]) refuse(n, `expects ${din} features but gets ${shape[0]}`)
    let kernel = kernelOnnx
    if (perm) {
      const p = perm
      kernel = new Float32Array(din * dout)
      for (let j = 0; j < din; j++) kernel.set(kernelOnnx.subarray(p[j]! * dout, p[j]! * dout + dout), j * dout)
      perm = null
    }
    layers.push({ kind: 'dense', kernel, bias, units: dout, inputs: din })
    shape = [dout]
  }

  const geluFrom = (x: string, div: NodeProto): string | null => {
    // PyTorch's nn.GELU(): Div(x, √2) → Erf → Add(1) → Mul(x, ·) → Mul(0.5)  (or 0.5·x first)
    const s = scalar(div, 1)
    if (div.opType !== 'Div' || div.input[0] !== x || s === null || Math.abs(s - Math.SQRT2) > 1e-4) return null
    const erf = (consumers.get(div.output[0]!) ?? [])[0]
    if (erf?.opType !== 'Erf') return null
    const add = (consumers.get(erf.output[0]!) ?? [])[0]
    if (add?.opType !== 'Add' || scalar(add, add.input[0] === erf.output[0] ? 1 : 0) !== 1) return null
    const xs = consumers.get(x) ?? []
    const mulX = xs.find((c) => c !== div && c.opType === 'Mul')
    if (!mulX || xs.length !== 2) return null
    let last: NodeProto | undefined
    if (mulX.input.includes(add.output[0]!)) {
      last = (consumers.get(mulX.output[0]!) ?? [])[0]
      if (last?.opType !== 'Mul' || scalar(last, last.input[0] === mulX.output[0] ? 1 : 0) !== 0.5) return null
    } else {
      const half = scalar(mulX, mulX.input[0] === x ? 1 : 0)
      if (half !== 0.5) return null
      last = (consumers.get(mulX.output[0]!) ?? [])[0]
      if (last?.opType !== 'Mul' || !last.input.includes(add.output[0]!)) return null
    }
    for (const d of [div, erf, add, mulX, last]) done.add(d)
    return last.output[0]!
  }

  while (t !== output) {
    const cs = consumers.get(t) ?? []
    if (cs.length === 0) throw new UserError('unsupported_onnx_model', `${source}: tensor ${t} is used by no node and is not the graph output`, 'Export a model whose nodes form one chain from input to output.')
    const gelu = cs.length === 2 ? cs.map((c) => geluFrom(t, c)).find((r) => r !== null) : null
    if (gelu) {
      layers.push({ kind: 'act', activation: 'gelu' })
      t = gelu
      continue
    }
    if (cs.length > 1) refuse(cs[0]!, `reads tensor ${t}, which ${cs.length} nodes use; the importer converts chains`)
    const n = cs[0]!
    if (done.has(n)) refuse(n, 'is reached twice')
    done.add(n)
    const out = n.output[0]!
    const consumed = n.input.filter((i) => i && !consts.has(i))
    if (consumed.length !== 1) refuse(n, `combines ${consumed.length} computed tensors; the importer converts chains`)
    switch (n.opType) {
      case 'Gemm': {
        if (intAttr(n, 'transA', 0) !== 0) refuse(n, 'has transA = 1')
        const b = constOf(n, 1, 'weight B')
        const alpha = floatAttr(n, 'alpha', 1)
        const beta = floatAttr(n, 'beta', 1)
        const transB = intAttr(n, 'transB', 0) === 1
        const [r, c] = b.dims as [number, number]
        const din = transB ? c : r
        const dout = transB ? r : c
        const w32 = f32(b.values.map((v) => v * alpha))
        const kernel = transB ? permute(w32, [r, c], [1, 0]) : w32
        const cb = n.input[2] ? constOf(n, 2, 'bias C') : null
        if (cb && cb.values.length !== dout && cb.values.length !== 1) refuse(n, `has a bias of ${cb.values.length} values for ${dout} outputs`)
        const bias = new Float32Array(dout).map((_, j) => (cb ? beta * cb.values[cb.values.length === 1 ? 0 : j]! : 0))
        dense(n, kernel, din, dout, bias)
        t = out
        break
      }
      case 'MatMul': {
        if (n.input[0] !== t) refuse(n, 'multiplies a constant by the activations (x must be the first input)')
        const w = constOf(n, 1, 'weight')
        if (w.dims.length !== 2) refuse(n, `has a weight of rank ${w.dims.length}`)
        const [din, dout] = w.dims as [number, number]
        let bias = new Float32Array(dout)
        const add = only(out, n)
        t = out
        if (add?.opType === 'Add') {
          const bi = add.input[0] === out ? 1 : 0
          const c = consts.get(add.input[bi] ?? '')
          if (c && (c.values.length === dout || c.values.length === 1)) {
            bias = bias.map((_, j) => c.values[c.values.length === 1 ? 0 : j]!)
            done.add(add)
            t = add.output[0]!
          }
        }
        dense(n, f32(w.values), din, dout, bias)
        break
      }
      case 'Conv': {
        if (shape.length !== 3) refuse(n, 'convolves a flat tensor')
        const w = constOf(n, 1, 'weight')
        if (w.dims.length !== 4) refuse(n, `has a ${w.dims.length - 2}-D kernel; only 2-D convolutions are supported`)
        if (intAttr(n, 'group', 1) !== 1) refuse(n, `has group = ${intAttr(n, 'group', 1)}; grouped and depthwise convolutions are not supported`)
        const [cout, cin, kh, kw] = w.dims as [number, number, number, number]
        const [h, wd, c] = shape as [number, number, number]
        if (cin !== c) refuse(n, `expects ${cin} input channels but gets ${c}`)
        const strides = (intsAttr(n, 'strides') ?? [1, 1]) as [number, number]
        const dilations = (intsAttr(n, 'dilations') ?? [1, 1]) as [number, number]
        const autoPad = stringAttr(n, 'auto_pad', 'NOTSET')
        let pads = intsAttr(n, 'pads') ?? [0, 0, 0, 0]
        const sh = tfSame(h, kh, strides[0], dilations[0])
        const sw = tfSame(wd, kw, strides[1], dilations[1])
        if (autoPad === 'SAME_UPPER') pads = [sh[0], sw[0], sh[1], sw[1]]
        else if (autoPad === 'SAME_LOWER') pads = [sh[1], sw[1], sh[0], sw[0]]
        else if (autoPad === 'VALID') pads = [0, 0, 0, 0]
        let padding: 'valid' | 'same' = 'valid'
        let [ih, iw] = [h, wd]
        if (pads.every((p) => p === 0)) padding = 'valid'
        else if (pads[0] === sh[0] && pads[2] === sh[1] && pads[1] === sw[0] && pads[3] === sw[1]) padding = 'same'
        else {
          layers.push({ kind: 'pad', pads: [[pads[0]!, pads[2]!], [pads[1]!, pads[3]!]] })
          ih += pads[0]! + pads[2]!
          iw += pads[1]! + pads[3]!
        }
        const kernel = permute(f32(w.values), [cout, cin, kh, kw], [2, 3, 1, 0])
        const b = n.input[2] ? constOf(n, 2, 'bias') : null
        const bias = b ? f32(b.values) : new Float32Array(cout)
        layers.push({ kind: 'conv', kernel, bias, kh, kw, cin, cout, strides, dilations, padding })
        shape =
          padding === 'same'
            ? [Math.ceil(h / strides[0]), Math.ceil(wd / strides[1]), cout]
            : [Math.floor((ih - ((kh - 1) * dilations[0] + 1)) / strides[0]) + 1, Math.floor((iw - ((kw - 1) * dilations[1] + 1)) / strides[1]) + 1, cout]
        t = out
        break
      }
      case 'BatchNormalization':
        if (n.output.length > 1 && n.output.slice(1).some((o) => o)) refuse(n, 'is in training mode (it has running-statistics outputs)')
        foldBn(n)
        t = out
        break
      case 'Relu':
      case 'Sigmoid':
      case 'Tanh':
        layers.push({ kind: 'act', activation: n.opType.toLowerCase() as 'relu' })
        t = out
        break
      case 'Gelu':
        if (stringAttr(n, 'approximate', 'none') !== 'none') refuse(n, 'uses the tanh approximation')
        layers.push({ kind: 'act', activation: 'gelu' })
        t = out
        break
      case 'LeakyRelu':
        layers.push({ kind: 'leaky', alpha: floatAttr(n, 'alpha', 0.01) })
        t = out
        break
      case 'MaxPool':
      case 'AveragePool': {
        if (shape.length !== 3) refuse(n, 'pools a flat tensor')
        if (intAttr(n, 'ceil_mode', 0) !== 0) refuse(n, 'has ceil_mode = 1')
        if ((intsAttr(n, 'dilations') ?? [1, 1]).some((d) => d !== 1)) refuse(n, 'has dilations')
        if (n.output.length > 1 && n.output[1]) refuse(n, 'also outputs indices')
        const k = intsAttr(n, 'kernel_shape') as [number, number]
        const strides = (intsAttr(n, 'strides') ?? [1, 1]) as [number, number]
        const [h, wd, c] = shape as [number, number, number]
        const pads = intsAttr(n, 'pads') ?? [0, 0, 0, 0]
        const autoPad = stringAttr(n, 'auto_pad', 'NOTSET')
        if (autoPad !== 'NOTSET' && autoPad !== 'VALID') refuse(n, `has auto_pad ${autoPad}`)
        const sh = tfSame(h, k[0], strides[0])
        const sw = tfSame(wd, k[1], strides[1])
        const max = n.opType === 'MaxPool'
        let padding: 'valid' | 'same' = 'valid'
        let [ih, iw] = [h, wd]
        if (autoPad === 'VALID' || pads.every((p) => p === 0)) padding = 'valid'
        else if (pads[0] === sh[0] && pads[2] === sh[1] && pads[1] === sw[0] && pads[3] === sw[1] && (max || intAttr(n, 'count_include_pad', 0) === 0)) padding = 'same'
        else if (!max && intAttr(n, 'count_include_pad', 0) === 1) {
          // padded cells count as zeros: explicit zero padding, then a valid average
          layers.push({ kind: 'pad', pads: [[pads[0]!, pads[2]!], [pads[1]!, pads[3]!]] })
          ih += pads[0]! + pads[2]!
          iw += pads[1]! + pads[3]!
        } else refuse(n, `has pads [${pads.join(', ')}] that TensorFlow pooling cannot express`)
        layers.push({ kind: 'pool', max, pool: k, strides, padding })
        shape = padding === 'same' ? [Math.ceil(h / strides[0]), Math.ceil(wd / strides[1]), c] : [Math.floor((ih - k[0]) / strides[0]) + 1, Math.floor((iw - k[1]) / strides[1]) + 1, c]
        t = out
        break
      }
      case 'GlobalAveragePool':
        if (shape.length !== 3) refuse(n, 'pools a flat tensor')
        layers.push({ kind: 'gap' })
        shape = [shape[2]!]
        gapped = true
        t = out
        break
      case 'Flatten':
        if (intAttr(n, 'axis', 1) !== 1) refuse(n, `flattens from axis ${intAttr(n, 'axis', 1)}; only axis 1 (keep the batch) is supported`)
        if (!gapped) flattenTo()
        gapped = false
        t = out
        break
      case 'Reshape': {
        const target = Array.from(constOf(n, 1, 'shape').values)
        const size = shape.reduce((a, b) => a * b, 1)
        if (!(target.length === 2 && (target[1] === -1 || target[1] === size) && [-1, 0, 1].includes(target[0]!) && !(target[0] === -1 && target[1] === -1))) {
          refuse(n, `reshapes to [${target.join(', ')}]; only flattening reshapes ([-1, ${size}], [0, -1], ...) are supported`)
        }
        if (!gapped) flattenTo()
        gapped = false
        t = out
        break
      }
      case 'Dropout':
      case 'Identity':
        t = out
        break
      case 'Transpose': {
        const perm = (intsAttr(n, 'perm') ?? []).join()
        if (nhwcInput && t === inputs[0]!.name && perm === '0,3,1,2') {
          t = out
          break
        }
        const next = (consumers.get(out) ?? [])[0]
        if (shape.length === 3 && perm === '0,2,3,1' && (next?.opType === 'Flatten' || next?.opType === 'Reshape')) {
          nhwcMap = true
          t = out
          break
        }
        refuse(n, `permutes axes [${perm}]; only the NHWC↔NCHW transposes around the input and before a Flatten are supported`)
      }
      case 'Softmax':
      case 'LogSoftmax': {
        if (shape.length !== 1) refuse(n, 'is applied to an image-shaped tensor')
        const axis = intAttr(n, 'axis', opset >= 13 ? -1 : 1)
        if (axis !== -1 && axis !== 1) refuse(n, `has axis ${axis}`)
        if (out === output) droppedSoftmax = n.opType
        else if (n.opType === 'Softmax') layers.push({ kind: 'softmax' })
        else refuse(n, 'is not the last node')
        t = out
        break
      }
      default:
        refuse(n, n.opType === 'Add' || n.opType === 'Mul' || n.opType === 'Div' || n.opType === 'Erf' ? 'appears outside the patterns the importer knows (MatMul + Add bias, the Gelu Erf pattern)' : 'is not supported')
    }
  }
  for (const n of nodes) if (!done.has(n)) refuse(n, 'is not on the path from the input to the output')
  if (shape.length !== 1) throw new UserError('unsupported_onnx_model', `${source}: the output has shape [${shape.join(', ')}]; a classifier ends in a vector of class scores`)
  const last = layers[layers.length - 1]
  if (!last || (last.kind !== 'dense' && last.kind !== 'softmax' && last.kind !== 'act' && last.kind !== 'bn')) throw new UserError('unsupported_onnx_model', `${source}: the graph does not end in a Gemm/MatMul readout`)
  return { inputShape, layers, outputs: shape[0]!, droppedSoftmax, opset, producer: [m.producerName, m.producerVersion].filter(Boolean).join(' ') }
}

/** Builds the TF.js Layers Sequential of a plan (names dense_1, conv2d_1, ... as the workbench builds). */
export function buildFromPlan(plan: OnnxImportPlan): tfl.Sequential {
  const counts = new Map<string, number>()
  const name = (k: string) => `${k}_${counts.set(k, (counts.get(k) ?? 0) + 1).get(k)}`
  const model = tfl.sequential({ name: 'sequential_1' })
  model.add(tfl.layers.inputLayer({ inputShape: plan.inputShape, name: 'input_1' }))
  const weights: { layer: tfl.layers.Layer; values: tf.Tensor[] }[] = []
  for (const l of plan.layers) {
    let layer: tfl.layers.Layer
    switch (l.kind) {
      case 'dense':
        layer = tfl.layers.dense({ units: l.units, name: name('dense') })
        weights.push({ layer, values: [tf.tensor(l.kernel, [l.inputs, l.units]), tf.tensor(l.bias)] })
        break
      case 'conv':
        layer = tfl.layers.conv2d({ filters: l.cout, kernelSize: [l.kh, l.kw], strides: l.strides, dilationRate: l.dilations, padding: l.padding, name: name('conv2d') })
        weights.push({ layer, values: [tf.tensor(l.kernel, [l.kh, l.kw, l.cin, l.cout]), tf.tensor(l.bias)] })
        break
      case 'pad':
        layer = tfl.layers.zeroPadding2d({ padding: l.pads, name: name('zero_padding2d') })
        break
      case 'pool': {
        const args = { poolSize: l.pool, strides: l.strides, padding: l.padding }
        layer = l.max ? tfl.layers.maxPooling2d({ ...args, name: name('max_pooling2d') }) : tfl.layers.averagePooling2d({ ...args, name: name('average_pooling2d') })
        break
      }
      case 'gap':
        layer = tfl.layers.globalAveragePooling2d({ name: name('global_average_pooling2d') })
        break
      case 'flatten':
        layer = tfl.layers.flatten({ name: name('flatten') })
        break
      case 'act':
        layer = l.activation === 'relu' ? tfl.layers.reLU({ name: name('re_lu') }) : tfl.layers.activation({ activation: l.activation, name: name('activation') })
        break
      case 'leaky':
        layer = tfl.layers.leakyReLU({ alpha: l.alpha, name: name('leaky_re_lu') })
        break
      case 'bn':
        layer = tfl.layers.batchNormalization({ epsilon: l.epsilon, name: name('batch_normalization') })
        weights.push({ layer, values: [tf.tensor(l.gamma), tf.tensor(l.beta), tf.tensor(l.mean), tf.tensor(l.variance)] })
        break
      case 'softmax':
        layer = tfl.layers.softmax({ name: name('softmax') })
        break
    }
    model.add(layer)
  }
  for (const w of weights) {
    w.layer.setWeights(w.values)
    tf.dispose(w.values)
  }
  return model
}

/** Reads FILE.onnx and returns the model as the project stores it (nothing is stored here). */
export async function importOnnx(file: string, name?: string): Promise<StoredModel> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new UserError('file_not_found', `no such file: ${file}`, 'Give the path of a .onnx file.')
  const plan = planOnnxImport(new Uint8Array(readFileSync(file)), path.basename(file))
  const model = buildFromPlan(plan)
  try {
    return await toStoredModel(model, {
      name: name ?? path.basename(file, path.extname(file)),
      source: { kind: 'import', path: path.resolve(file) },
      numClasses: plan.outputs,
      // how inputs reach the imported network (the meta's recipe): the layout change and what the file was
      recipe: {
        importedFrom: 'onnx',
        opset: plan.opset,
        ...(plan.producer ? { producer: plan.producer } : {}),
        inputLayout: plan.inputShape.length === 3 ? `NHWC [${plan.inputShape.join(', ')}] (the ONNX model took NCHW)` : 'flat',
        ...(plan.droppedSoftmax ? { finalActivationDropped: plan.droppedSoftmax } : {}),
      },
    })
  } finally {
    model.dispose()
  }
}
