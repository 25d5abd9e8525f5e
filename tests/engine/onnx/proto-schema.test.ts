import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import protobuf from 'protobufjs'
import { describe, expect, it } from 'vitest'
import { onnxSchema } from '../../../electron/engine/io/onnx-proto'

// resources/onnx/onnx.json is the official onnx.proto as a protobufjs JSON descriptor. Two independent checks: the
// field numbers the ONNX IR specification (IR.md in the ONNX repository) fixes for what the exporter writes, and, where the
// python onnx package is installed, the whole parsed schema against the onnx.proto that package ships.

const ours = onnxSchema()

function fieldIds(type: string): Record<string, number> {
  const t = ours.lookupType(type)
  // protobufjs names fields in camelCase (ir_version → irVersion)
  return Object.fromEntries(Object.values(t.fields).map((f) => [f.name, f.id]))
}

describe('the shipped ONNX schema', () => {
  it('has the wire numbers of the IR specification for every field the exporter and importer use', () => {
    expect(fieldIds('onnx.ModelProto')).toMatchObject({ irVersion: 1, producerName: 2, producerVersion: 3, docString: 6, graph: 7, opsetImport: 8, metadataProps: 14 })
    expect(fieldIds('onnx.GraphProto')).toMatchObject({ node: 1, name: 2, initializer: 5, docString: 10, input: 11, output: 12 })
    expect(fieldIds('onnx.NodeProto')).toMatchObject({ input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 })
    expect(fieldIds('onnx.TensorProto')).toMatchObject({ dims: 1, dataType: 2, floatData: 4, int32Data: 5, int64Data: 7, name: 8, rawData: 9, doubleData: 10 })
    expect(fieldIds('onnx.AttributeProto')).toMatchObject({ name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, type: 20 })
    const dt = ours.lookupEnum('onnx.TensorProto.DataType').values
    expect(dt).toMatchObject({ FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, DOUBLE: 11 })
  })

  it('parses to the same schema as the onnx.proto of the python onnx package', (ctx) => {
    const r = spawnSync('python3', ['-c', 'import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), "onnx.proto"))'], { encoding: 'utf8' })
    const official = r.status === 0 ? r.stdout.trim() : ''
    if (!official || !existsSync(official)) {
      console.warn('SKIPPED: python3 with the onnx package is not installed; the schema was checked by its field numbers only')
      ctx.skip()
    }
    // the package's file is a different ONNX release at times: compare the messages and enums we ship
    const theirs = protobuf.loadSync(official).toJSON().nested!.onnx as protobuf.INamespace
    const mine = ours.toJSON().nested!.onnx as protobuf.INamespace
    for (const [name, def] of Object.entries(mine.nested!)) if (theirs.nested![name]) expect(def, name).toEqual(theirs.nested![name])
    expect(Object.keys(theirs.nested!).filter((k) => k in mine.nested!).length).toBeGreaterThanOrEqual(20)
  })
})
