import type { GemmVariant } from './variants'

// The ONNX model of one Gemm form, written directly as protobuf bytes. The engine's ONNX codec (io/onnx-proto.ts,
// protobufjs with the full ONNX schema) takes ≈ 70 ms to load on these machines, once per thread that
// multiplies; this message is six fixed fields deep. Field numbers are onnx.proto's (ModelProto, GraphProto,
// NodeProto, AttributeProto, ValueInfoProto, TypeProto, TensorShapeProto); tests/engine/blas decodes the
// result with that schema.

const VARINT = 0
const FIXED32 = 5
const BYTES = 2
const enc = new TextEncoder()

class Writer {
  private readonly parts: number[] = []
  varint(field: number, v: number): this {
    this.key(field, VARINT)
    this.raw(v)
    return this
  }
  float(field: number, v: number): this {
    this.key(field, FIXED32)
    const b = new Uint8Array(4)
    new DataView(b.buffer).setFloat32(0, v, true) // fixed32 is little-endian on the wire
    this.parts.push(...b)
    return this
  }
  bytes(field: number, b: Uint8Array): this {
    this.key(field, BYTES)
    this.raw(b.length)
    this.parts.push(...b)
    return this
  }
  string(field: number, s: string): this {
    return this.bytes(field, enc.encode(s))
  }
  message(field: number, w: Writer): this {
    return this.bytes(field, w.finish())
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts)
  }
  private key(field: number, wire: number): void {
    this.raw(field * 8 + wire)
  }
  private raw(v: number): void {
    while (v > 0x7f) {
      this.parts.push((v & 0x7f) | 0x80)
      v = Math.floor(v / 128)
    }
    this.parts.push(v)
  }
}

const ELEM_FLOAT = 1
const ELEM_DOUBLE = 11
const ATTR_FLOAT = 1
const ATTR_INT = 2

function valueInfo(name: string, dims: [string, string], elem = ELEM_FLOAT): Writer {
  const shape = new Writer()
  for (const d of dims) shape.message(1, new Writer().string(2, d))
  const tensor = new Writer().varint(1, elem).message(2, shape)
  return new Writer().string(1, name).message(2, new Writer().message(1, tensor))
}

function intAttr(name: string, v: number): Writer {
  return new Writer().string(1, name).varint(3, v).varint(20, ATTR_INT)
}

function floatAttr(name: string, v: number): Writer {
  return new Writer().string(1, name).float(2, v).varint(20, ATTR_FLOAT)
}

/** ModelProto (IR 7, opset 13) with one Gemm node: inputs a, b (and c when β = 1), output y */
export function gemmModelBytes(v: GemmVariant): Uint8Array {
  const inputs = v.beta ? ['a', 'b', 'c'] : ['a', 'b']
  const node = new Writer()
  for (const i of inputs) node.string(1, i)
  node
    .string(2, 'y')
    .string(3, 'gemm')
    .string(4, 'Gemm')
    .message(5, intAttr('transA', v.transA ? 1 : 0))
    .message(5, intAttr('transB', v.transB ? 1 : 0))
    .message(5, floatAttr('alpha', v.alpha))
    .message(5, floatAttr('beta', v.beta))
  const graph = new Writer().message(1, node).string(2, `gemm_${v.key}`)
  graph.message(11, valueInfo('a', ['a0', 'a1'])).message(11, valueInfo('b', ['b0', 'b1']))
  if (v.beta) graph.message(11, valueInfo('c', ['m', 'n']))
  graph.message(12, valueInfo('y', ['m', 'n']))
  return model(graph)
}

function model(graph: Writer): Uint8Array {
  return new Writer()
    .varint(1, 7)
    .string(2, 'ntk-workbench')
    .message(7, graph)
    .message(8, new Writer().varint(2, 13))
    .finish()
}

/**
 * Y = C − double(A)·X: the float64 residual of a float32 matrix (linalg/refine.ts) in one native call. A is
 * widened exactly by a Cast node, then a double Gemm (α = −1, β = 1); X, C and Y are float64.
 */
export function residualModelBytes(): Uint8Array {
  const cast = new Writer().string(1, 'a').string(2, 'a64').string(3, 'widen').string(4, 'Cast').message(5, intAttr('to', ELEM_DOUBLE))
  const node = new Writer()
    .string(1, 'a64')
    .string(1, 'x')
    .string(1, 'c')
    .string(2, 'y')
    .string(3, 'gemm')
    .string(4, 'Gemm')
    .message(5, floatAttr('alpha', -1))
    .message(5, floatAttr('beta', 1))
  const graph = new Writer().message(1, cast).message(1, node).string(2, 'residual_f64')
  graph.message(11, valueInfo('a', ['m', 'k'])).message(11, valueInfo('x', ['k', 'n'], ELEM_DOUBLE)).message(11, valueInfo('c', ['m', 'n'], ELEM_DOUBLE))
  graph.message(12, valueInfo('y', ['m', 'n'], ELEM_DOUBLE))
  return model(graph)
}
