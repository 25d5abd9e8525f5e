import { UserError } from '../../../shared/errors'
import type { ModelFiles } from '../models/format'
import { APP_VERSION } from '../runtime/version'
import { kerasChain, type KerasLayer } from './keras-layers'
import { attr, DT, encodeModel, IR_VERSION, OPSET, tensor, valueInfo, type ModelProto, type NodeProto, type TensorProto } from '../io/onnx-proto'
import type { QdqPlan } from './qdq-plan'

// TF.js Layers chain → ONNX graph (opset 13, IR 7). The graph takes the TF.js input layout, NHWC for images
// ([N, H, W, C], said in the graph's doc_string): one Transpose to NCHW follows the input, convolutions and
// pooling run in ONNX's NCHW, and a Transpose back to NHWC precedes Flatten/Reshape so the flattened feature
// order is Keras' (h, w, c) and the Dense kernels need no reordering. Dense is Gemm with transB = 1 (weights
// [out, in], the layout PyTorch writes and ONNX Runtime's quantizer expects, output channel on axis 0); Conv2D
// weights go from Keras [kh, kw, in, out] to ONNX [out, in, kh, kw]; Keras 'same' padding becomes explicit
// pads (extra cell at the end, as TensorFlow pads). With a QDQ plan (qdq-plan.ts) the same graph gets int8
// weights + DequantizeLinear, int32 biases and QuantizeLinear/DequantizeLinear pairs on layer inputs.

export const INPUT_NAME = 'input'
/** layers whose ONNX ops commute exactly with elementwise monotone quantization (max, copies, transposes) */
const COMMUTES = new Set(['MaxPooling2D', 'Flatten', 'Reshape', 'Dropout'])
export const OUTPUT_NAME = 'logits'

export interface OnnxExport {
  bytes: Uint8Array
  /** input shape with the batch, NHWC for images */
  inputShape: (number | string)[]
  outputs: number
  nodes: number
  opTypes: string[]
}

/** out[perm-order] = in: transposes a dense C-order array of `shape` by `perm` (numpy.transpose semantics). */
export function permute<T extends Float32Array | Int32Array>(values: T, shape: number[], perm: number[]): T {
  const rank = shape.length
  const outShape = perm.map((p) => shape[p]!)
  const inStrides = new Array<number>(rank)
  let s = 1
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = s
    s *= shape[i]!
  }
  const out = new (values.constructor as new (n: number) => T)(values.length)
  const idx = new Array<number>(rank).fill(0)
  for (let o = 0; o < values.length; o++) {
    let src = 0
    for (let d = 0; d < rank; d++) src += idx[d]! * inStrides[perm[d]!]!
    out[o] = values[src]!
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break
      idx[d] = 0
    }
  }
  return out
}

const pair = (v: unknown, name: string): [number, number] => {
  if (typeof v === 'number') return [v, v]
  if (Array.isArray(v) && v.length === 2) return [Number(v[0]), Number(v[1])]
  throw new UserError('bad_model', `${name}: expected a number or a pair, got ${JSON.stringify(v)}`)
}

/** TensorFlow 'same' padding of one spatial axis: output ceil(n/s), the odd cell padded at the end. */
function samePads(n: number, k: number, s: number, d = 1): { before: number; after: number; out: number } {
  const out = Math.ceil(n / s)
  const eff = (k - 1) * d + 1
  const total = Math.max((out - 1) * s + eff - n, 0)
  return { before: Math.floor(total / 2), after: total - Math.floor(total / 2), out }
}

class GraphBuilder {
  nodes: NodeProto[] = []
  inits: TensorProto[] = []
  private names = new Set<string>()
  private counts = new Map<string, number>()

  unique(base: string): string {
    let n = base
    let i = this.counts.get(base) ?? 0
    while (this.names.has(n)) n = `${base}_${++i}`
    this.counts.set(base, i)
    this.names.add(n)
    return n
  }

  init(name: string, dims: number[], dataType: number, values: ArrayLike<number>): string {
    const n = this.unique(name)
    this.inits.push(tensor(n, dims, dataType, values))
    return n
  }

  node(scope: string, opType: string, inputs: string[], attributes: NodeProto['attribute'] = [], outName?: string, at = this.nodes.length): string {
    const name = this.unique(`/${scope}/${opType}`)
    const out = outName ?? `${name}_output_0`
    this.nodes.splice(at, 0, { name, opType, input: inputs, output: [out], attribute: attributes })
    return out
  }
}

interface State {
  t: string
  /** Keras shape without the batch; images [h, w, c] are held as NCHW in the graph */
  shape: number[]
}

function activation(g: GraphBuilder, scope: string, x: string, name: string): string {
  const c = (v: number, label: string) => g.init(`${scope}/${label}`, [], DT.FLOAT, [v])
  switch (name) {
    case 'linear':
      return x
    case 'relu':
      return g.node(scope, 'Relu', [x])
    case 'sigmoid':
      return g.node(scope, 'Sigmoid', [x])
    case 'tanh':
      return g.node(scope, 'Tanh', [x])
    case 'elu':
      return g.node(scope, 'Elu', [x], [attr.float('alpha', 1)])
    case 'selu':
      return g.node(scope, 'Selu', [x])
    case 'softplus':
      return g.node(scope, 'Softplus', [x])
    case 'softsign':
      return g.node(scope, 'Softsign', [x])
    case 'softmax':
      return g.node(scope, 'Softmax', [x], [attr.int('axis', -1)])
    case 'hardSigmoid':
    case 'hard_sigmoid':
      return g.node(scope, 'HardSigmoid', [x], [attr.float('alpha', 0.2), attr.float('beta', 0.5)])
    case 'relu6':
      return g.node(scope, 'Clip', [x, c(0, 'zero'), c(6, 'six')])
    case 'swish':
      return g.node(scope, 'Mul', [x, g.node(scope, 'Sigmoid', [x])])
    case 'mish':
      return g.node(scope, 'Mul', [x, g.node(scope, 'Tanh', [g.node(scope, 'Softplus', [x])])])
    case 'gelu': {
      // x·Φ(x) = x · ½(1 + erf(x/√2)): the Erf pattern PyTorch's exporter writes for nn.GELU() (Gelu is an op only from opset 20)
      const e = g.node(scope, 'Erf', [g.node(scope, 'Div', [x, c(Math.SQRT2, 'sqrt2')])])
      return g.node(scope, 'Mul', [g.node(scope, 'Mul', [x, g.node(scope, 'Add', [e, c(1, 'one')])]), c(0.5, 'half')])
    }
    case 'gelu_new': {
      // ½x(1 + tanh(√(2/π)(x + 0.044715x³))), as tfjs-layers computes gelu_new
      const x3 = g.node(scope, 'Mul', [g.node(scope, 'Mul', [x, x]), x])
      const inner = g.node(scope, 'Mul', [g.node(scope, 'Add', [x, g.node(scope, 'Mul', [x3, c(0.044715, 'k')])]), c(Math.sqrt(2 / Math.PI), 'sqrt2pi')])
      return g.node(scope, 'Mul', [g.node(scope, 'Mul', [x, g.node(scope, 'Add', [g.node(scope, 'Tanh', [inner]), c(1, 'one')])]), c(0.5, 'half')])
    }
    default:
      throw new UserError('unsupported_onnx_export', `layer ${scope}: activation '${name}' has no ONNX export`, 'Supported: linear, relu, sigmoid, tanh, elu, selu, softplus, softsign, softmax, hard_sigmoid, relu6, swish, mish, gelu, gelu_new.')
  }
}

const toNhwc = (g: GraphBuilder, scope: string, s: State): string => (s.shape.length === 3 ? g.node(scope, 'Transpose', [s.t], [attr.ints('perm', [0, 2, 3, 1])]) : s.t)

function need(l: KerasLayer, key: string): { shape: number[]; values: Float32Array } {
  const w = l.weights.get(key)
  if (!w) throw new UserError('bad_model', `layer ${l.name} has no ${key} weight`, 'The model.json and its weights do not belong together; export the model again.')
  return w
}

function kerasActivation(l: KerasLayer): string {
  return String(l.config.activation ?? 'linear')
}

/** Builds the ONNX graph of a TF.js Layers model (float, or QDQ with a plan) and encodes it. */
export function exportOnnx(files: ModelFiles, o: { source?: string; plan?: QdqPlan; name?: string } = {}): OnnxExport {
  const source = o.source ?? 'model.json'
  const chain = kerasChain(files, source)
  const g = new GraphBuilder()
  const plan = o.plan
  const image = chain.inputShape.length === 3
  let s: State = { t: INPUT_NAME, shape: [...chain.inputShape] }
  if (image) s = { t: g.node('input', 'Transpose', [INPUT_NAME], [attr.ints('perm', [0, 3, 1, 2])]), shape: s.shape }
  else if (chain.inputShape.length > 3) throw new UserError('unsupported_onnx_export', `${source}: input of rank ${chain.inputShape.length} is not exported`, 'Export models with flat [d], [h, w] or image [h, w, c] inputs.')
  const usedPlan = new Set<string>()
  /** the last tensor computed by an op that does not commute with quantization (see qdqInput) */
  let anchor = INPUT_NAME

  for (const l of chain.layers) {
    const scope = l.name
    const c = l.config
    const q = plan?.layers.get(l.name)
    if (q) usedPlan.add(l.name)
    // activation quantization: QuantizeLinear → DequantizeLinear on the layer input (static range), placed
    // where the input was last computed: elementwise monotone quantization commutes exactly with max pooling,
    // flatten, reshape and transposes, so the numbers are the same, and ONNX Runtime then sees its fusable
    // pattern DQ → Conv/Gemm → (Relu) → Q. A Relu right before the pair is dropped when the grid's zero point
    // is 0: QuantizeLinear saturates negatives to code 0, so Q(relu(x)) = Q(x) exactly (what ONNX Runtime's
    // quantizer does with such activations).
    const qdqInput = (x: string): string => {
      if (!q?.input) return x
      const sc = g.init(`${scope}/input_scale`, [], DT.FLOAT, [q.input.scale])
      const zp = g.init(`${scope}/input_zero_point`, [], DT.UINT8, [q.input.zeroPoint])
      const at = g.nodes.findIndex((nd) => nd.output.includes(anchor)) + 1
      const producer = at > 0 ? g.nodes[at - 1]! : null
      let source = anchor
      let insertAt = at
      if (producer?.opType === 'Relu' && q.input.zeroPoint === 0) {
        source = producer.input[0]!
        g.nodes.splice(at - 1, 1)
        insertAt = at - 1
      }
      const dq = g.node(scope, 'DequantizeLinear', [g.node(scope, 'QuantizeLinear', [source, sc, zp], [], undefined, insertAt), sc, zp], [], undefined, insertAt + 1)
      for (const nd of g.nodes.slice(insertAt + 2)) nd.input = nd.input.map((i) => (i === anchor ? dq : i))
      return x === anchor ? dq : x
    }
    // weight [out, ...] in ONNX layout: float initializer, or int8/uint8 codes + DequantizeLinear (axis 0)
    const weightInput = (onnxValues: Float32Array, dims: number[], codes?: Int32Array): string => {
      if (!q?.weight || !codes) return g.init(`${scope}/weight`, dims, DT.FLOAT, onnxValues)
      const w = q.weight
      const perChannel = w.scales.length > 1
      const codesName = g.init(`${scope}/weight_quantized`, dims, w.dtype === 'int8' ? DT.INT8 : DT.UINT8, codes)
      const sc = g.init(`${scope}/weight_scale`, perChannel ? [w.scales.length] : [], DT.FLOAT, w.scales)
      const zp = g.init(`${scope}/weight_zero_point`, perChannel ? [w.scales.length] : [], w.dtype === 'int8' ? DT.INT8 : DT.UINT8, w.zeroPoints)
      return g.node(scope, 'DequantizeLinear', [codesName, sc, zp], perChannel ? [attr.int('axis', 0)] : [])
    }
    const biasInput = (b: Float32Array): string => {
      if (!q?.bias) return g.init(`${scope}/bias`, [b.length], DT.FLOAT, q?.floatBias ?? b)
      const codesName = g.init(`${scope}/bias_quantized`, [b.length], DT.INT32, q.bias.codes)
      const per = q.bias.scales.length > 1
      const sc = g.init(`${scope}/bias_scale`, per ? [b.length] : [], DT.FLOAT, q.bias.scales)
      const zp = g.init(`${scope}/bias_zero_point`, per ? [b.length] : [], DT.INT32, new Int32Array(q.bias.scales.length))
      return g.node(scope, 'DequantizeLinear', [codesName, sc, zp], per ? [attr.int('axis', 0)] : [])
    }

    switch (l.className) {
      case 'Dense': {
        if (s.shape.length !== 1) throw new UserError('unsupported_onnx_export', `layer ${scope}: Dense on a rank-${s.shape.length + 1} tensor is not exported`, 'Flatten before Dense layers.')
        const k = need(l, 'kernel')
        const [din, dout] = k.shape as [number, number]
        const wT = permute(k.values, [din, dout], [1, 0])
        const codes = q?.weight ? permute(q.weight.codes, [din, dout], [1, 0]) : undefined
        const inputs = [qdqInput(s.t), weightInput(wT, [dout, din], codes)]
        if (c.use_bias !== false) inputs.push(biasInput(need(l, 'bias').values))
        s = { t: g.node(scope, 'Gemm', inputs, [attr.float('alpha', 1), attr.float('beta', 1), attr.int('transB', 1)]), shape: [dout] }
        s.t = activation(g, scope, s.t, kerasActivation(l))
        break
      }
      case 'Conv2D': {
        if (s.shape.length !== 3) throw new UserError('unsupported_onnx_export', `layer ${scope}: Conv2D needs an image input`)
        if ((c.data_format ?? 'channels_last') !== 'channels_last') throw new UserError('unsupported_onnx_export', `layer ${scope}: data_format ${String(c.data_format)} is not exported`, 'Use channels_last (the TF.js default).')
        const k = need(l, 'kernel')
        const [kh, kw, cin, cout] = k.shape as [number, number, number, number]
        const [sh, sw] = pair(c.strides ?? 1, scope)
        const [dh, dw] = pair(c.dilation_rate ?? 1, scope)
        const [h, w] = s.shape as [number, number, number]
        let pads = [0, 0, 0, 0]
        let oh: number
        let ow: number
        if (c.padding === 'same') {
          const ph = samePads(h, kh, sh, dh)
          const pw = samePads(w, kw, sw, dw)
          pads = [ph.before, pw.before, ph.after, pw.after]
          oh = ph.out
          ow = pw.out
        } else {
          oh = Math.floor((h - ((kh - 1) * dh + 1)) / sh) + 1
          ow = Math.floor((w - ((kw - 1) * dw + 1)) / sw) + 1
        }
        const perm = [3, 2, 0, 1]
        const wOnnx = permute(k.values, k.shape, perm)
        const codes = q?.weight ? permute(q.weight.codes, k.shape, perm) : undefined
        const inputs = [qdqInput(s.t), weightInput(wOnnx, [cout, cin, kh, kw], codes)]
        if (c.use_bias !== false) inputs.push(biasInput(need(l, 'bias').values))
        const attrs = [attr.ints('kernel_shape', [kh, kw]), attr.ints('strides', [sh, sw]), attr.ints('dilations', [dh, dw]), attr.ints('pads', pads), attr.int('group', 1)]
        s = { t: g.node(scope, 'Conv', inputs, attrs), shape: [oh, ow, cout] }
        s.t = activation(g, scope, s.t, kerasActivation(l))
        break
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        if (s.shape.length !== 3) throw new UserError('unsupported_onnx_export', `layer ${scope}: pooling needs an image input`)
        const [ph, pw] = pair(c.pool_size ?? 2, scope)
        const [sh, sw] = pair(c.strides ?? c.pool_size ?? 2, scope)
        const [h, w, ch] = s.shape as [number, number, number]
        let pads = [0, 0, 0, 0]
        let oh: number
        let ow: number
        if (c.padding === 'same') {
          const a = samePads(h, ph, sh)
          const b = samePads(w, pw, sw)
          pads = [a.before, b.before, a.after, b.after]
          oh = a.out
          ow = b.out
        } else {
          oh = Math.floor((h - ph) / sh) + 1
          ow = Math.floor((w - pw) / sw) + 1
        }
        const attrs = [attr.ints('kernel_shape', [ph, pw]), attr.ints('strides', [sh, sw]), attr.ints('pads', pads)]
        // TensorFlow averages over the cells inside the image only: count_include_pad = 0 (the ONNX default)
        s = { t: g.node(scope, l.className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [s.t], attrs), shape: [oh, ow, ch] }
        break
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D': {
        if (s.shape.length !== 3) throw new UserError('unsupported_onnx_export', `layer ${scope}: global pooling needs an image input`)
        if (c.keepdims === true) throw new UserError('unsupported_onnx_export', `layer ${scope}: keepdims is not exported`)
        const p = g.node(scope, l.className === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool', [s.t])
        s = { t: g.node(scope, 'Flatten', [p], [attr.int('axis', 1)]), shape: [s.shape[2]!] }
        break
      }
      case 'Flatten':
        if (s.shape.length > 1) s = { t: g.node(scope, 'Flatten', [toNhwc(g, scope, s)], [attr.int('axis', 1)]), shape: [s.shape.reduce((a, b) => a * b, 1)] }
        break
      case 'Reshape': {
        const target = (c.target_shape as number[]).map(Number)
        const size = s.shape.reduce((a, b) => a * b, 1)
        const known = target.filter((v) => v !== -1).reduce((a, b) => a * b, 1)
        const shape = target.map((v) => (v === -1 ? size / known : v))
        const r = g.node(scope, 'Reshape', [toNhwc(g, scope, s), g.init(`${scope}/shape`, [target.length + 1], DT.INT64, [0, ...target])])
        s = shape.length === 3 ? { t: g.node(scope, 'Transpose', [r], [attr.ints('perm', [0, 3, 1, 2])]), shape } : { t: r, shape }
        break
      }
      case 'Dropout':
        break
      case 'BatchNormalization': {
        const axis = Number(c.axis ?? -1)
        if (axis !== -1 && axis !== s.shape.length) throw new UserError('unsupported_onnx_export', `layer ${scope}: BatchNormalization on axis ${axis} is not exported`, 'Normalize the channel (last) axis.')
        const mean = need(l, 'moving_mean').values
        const ch = mean.length
        const gamma = l.weights.get('gamma')?.values ?? new Float32Array(ch).fill(1)
        const beta = l.weights.get('beta')?.values ?? new Float32Array(ch)
        const inputs = [s.t, g.init(`${scope}/gamma`, [ch], DT.FLOAT, gamma), g.init(`${scope}/beta`, [ch], DT.FLOAT, beta), g.init(`${scope}/mean`, [ch], DT.FLOAT, mean), g.init(`${scope}/var`, [ch], DT.FLOAT, need(l, 'moving_variance').values)]
        if (s.shape.length === 2) throw new UserError('unsupported_onnx_export', `layer ${scope}: BatchNormalization on a rank-3 tensor is not exported`)
        s = { t: g.node(scope, 'BatchNormalization', inputs, [attr.float('epsilon', Number(c.epsilon ?? 1e-3))]), shape: s.shape }
        break
      }
      case 'Activation':
        s = { t: activation(g, scope, s.t, String(c.activation)), shape: s.shape }
        break
      case 'ReLU': {
        const slope = Number(c.negative_slope ?? 0)
        const threshold = Number(c.threshold ?? 0)
        if (slope !== 0 || threshold !== 0) throw new UserError('unsupported_onnx_export', `layer ${scope}: ReLU with a slope or threshold is not exported`)
        const max = c.max_value ?? c.maxValue
        s = { t: max == null ? g.node(scope, 'Relu', [s.t]) : g.node(scope, 'Clip', [s.t, g.init(`${scope}/min`, [], DT.FLOAT, [0]), g.init(`${scope}/max`, [], DT.FLOAT, [Number(max)])]), shape: s.shape }
        break
      }
      case 'LeakyReLU':
        s = { t: g.node(scope, 'LeakyRelu', [s.t], [attr.float('alpha', Number(c.alpha ?? 0.3))]), shape: s.shape }
        break
      case 'ELU':
        s = { t: g.node(scope, 'Elu', [s.t], [attr.float('alpha', Number(c.alpha ?? 1))]), shape: s.shape }
        break
      case 'Softmax': {
        if (s.shape.length !== 1) throw new UserError('unsupported_onnx_export', `layer ${scope}: Softmax on an image tensor is not exported`)
        s = { t: g.node(scope, 'Softmax', [s.t], [attr.int('axis', -1)]), shape: s.shape }
        break
      }
      case 'Rescaling': {
        const mul = g.node(scope, 'Mul', [s.t, g.init(`${scope}/scale`, [], DT.FLOAT, [Number(c.scale ?? 1)])])
        s = { t: g.node(scope, 'Add', [mul, g.init(`${scope}/offset`, [], DT.FLOAT, [Number(c.offset ?? 0)])]), shape: s.shape }
        break
      }
      case 'ZeroPadding2D': {
        if (s.shape.length !== 3) throw new UserError('unsupported_onnx_export', `layer ${scope}: ZeroPadding2D needs an image input`)
        const p = c.padding
        const [[t, b], [le, r]] = (typeof p === 'number' ? [[p, p], [p, p]] : Array.isArray(p) && typeof p[0] === 'number' ? [[p[0], p[0]], [p[1], p[1]]] : p) as [[number, number], [number, number]]
        const pads = g.init(`${scope}/pads`, [8], DT.INT64, [0, 0, t, le, 0, 0, b, r])
        s = { t: g.node(scope, 'Pad', [s.t, pads], [attr.string('mode', 'constant')]), shape: [s.shape[0]! + t + b, s.shape[1]! + le + r, s.shape[2]!] }
        break
      }
      default:
        throw new UserError('unsupported_onnx_export', `${source}: layer '${scope}' (${l.className}) has no ONNX export`, 'Supported: Dense, Conv2D, pooling, Flatten, Reshape, Dropout, BatchNormalization, activations, Rescaling, ZeroPadding2D.')
    }
    if (!COMMUTES.has(l.className)) anchor = s.t
  }
  if (s.shape.length !== 1) throw new UserError('unsupported_onnx_export', `${source}: the model output has shape [${s.shape.join(', ')}]; a classifier ends in a vector`)
  if (plan) for (const name of plan.layers.keys()) if (!usedPlan.has(name)) throw new Error(`QDQ plan names layer ${name}, which the model does not have`)
  // the graph output gets a stable name
  g.nodes.push({ name: '/output/Identity', opType: 'Identity', input: [s.t], output: [OUTPUT_NAME], attribute: [] })
  const inputShape: (number | string)[] = ['N', ...chain.inputShape]
  const layout = image ? `input ${INPUT_NAME}: float32 [N, ${chain.inputShape.join(', ')}] in NHWC (channels last, the TF.js layout), transposed to NCHW inside` : `input ${INPUT_NAME}: float32 [N, ${chain.inputShape.join(', ')}]`
  const model: ModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'NTK Workbench',
    producerVersion: APP_VERSION,
    docString: `${o.name ?? 'model'} exported from TF.js Layers by NTK Workbench${plan ? ' (QDQ quantized)' : ''}. ${layout}; output ${OUTPUT_NAME}: float32 [N, ${s.shape[0]}] (logits).`,
    graph: {
      name: o.name ?? 'model',
      node: g.nodes,
      initializer: g.inits,
      input: [valueInfo(INPUT_NAME, DT.FLOAT, inputShape)],
      output: [valueInfo(OUTPUT_NAME, DT.FLOAT, ['N', s.shape[0]!])],
      docString: layout,
    },
  }
  return { bytes: encodeModel(model), inputShape, outputs: s.shape[0]!, nodes: g.nodes.length, opTypes: [...new Set(g.nodes.map((n) => n.opType))] }
}
