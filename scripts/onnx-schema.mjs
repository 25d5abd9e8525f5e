// Writes resources/onnx/onnx.json, the schema the ONNX import and export read: the protobufjs JSON descriptor
// of the official onnx.proto (https://github.com/onnx/onnx, Apache-2.0), definitions unchanged. protobufjs
// loads the descriptor directly (no .proto parsing at run time).
//   node scripts/onnx-schema.mjs PATH/TO/onnx.proto ONNX_VERSION
// The python onnx package ships the file: python3 -c 'import onnx, os; print(os.path.dirname(onnx.__file__))'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'

const [source, version] = process.argv.slice(2)
if (!source || !version) {
  process.stderr.write('usage: node scripts/onnx-schema.mjs PATH/TO/onnx.proto ONNX_VERSION\n')
  process.exit(2)
}
const root = protobuf.loadSync(source)
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'onnx', 'onnx.json')
writeFileSync(out, JSON.stringify({ source: `onnx/onnx.proto of ONNX ${version} (Apache-2.0), as a protobufjs JSON descriptor`, ...root.toJSON() }, null, 1) + '\n')
process.stdout.write(`wrote ${out}\n`)
