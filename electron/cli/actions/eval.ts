import path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../shared/errors'
import { BackendChoice } from '../../../shared/backend'
import { readNpy } from '../../engine/io/npy'
import { inputTensor, labelIds } from '../../engine/models/data'
import { evaluateModel } from '../../engine/models/evaluate'
import type { ModelFiles } from '../../engine/models/format'
import { readAnyModelFolder } from '../../engine/quantize/read-any-model'
import { filesToModel, inputShapeOf, outputUnitsOf } from '../../engine/models/io'
import { initBackend } from '../../engine/runtime/backend'
import { ModelStore } from '../../engine/store/models'
import { openProject } from '../../engine/store/project-db'
import type { CliArgs } from '../command'
import { inputFile, oneOf, str } from '../flags'

const USAGE_LINE = 'Usage: ntkw eval --model DIR/model.json --x X.npy --y Y.npy [--json]'

export function formatConfusion(c: number[][]): string {
  const w = Math.max(3, ...c.flat().map((v) => String(v).length))
  const head = '      ' + c.map((_, j) => String(j).padStart(w)).join(' ')
  return [head, ...c.map((row, i) => `${String(i).padStart(4)}  ${row.map((v) => String(v).padStart(w)).join(' ')}`)].join('\n')
}

export async function run({ values, io }: CliArgs): Promise<number> {
  const modelArg = str(values.model)
  if (!modelArg) throw new UserError('usage', '--model is required', USAGE_LINE)
  const x = inputFile('x', str(values.x), USAGE_LINE)
  const y = inputFile('y', str(values.y), USAGE_LINE, 'labels are .npy integer class ids or one-hot rows')
  const backendFlag = str(values.backend)
  const backend = await initBackend(backendFlag ? oneOf('backend', backendFlag, BackendChoice.options, 'wasm') : 'auto')
  const project = str(values.project) ? openProject(path.resolve(str(values.project)!)) : null
  try {
    const store = project ? new ModelStore(project.db) : null
    const id = store ? store.resolve(modelArg) : null
    // a stock TF.js folder or a packed ntkw-quantized export (ntkw quantize --format ntkw)
    const any = store ? null : readAnyModelFolder(path.resolve(modelArg))
    const files: ModelFiles = store ? (store.files(id!) as unknown as ModelFiles) : any!.files
    const model = await filesToModel(files, store ? `model ${modelArg}` : path.basename(modelArg))
    try {
      const xa = readNpy(x)
      const ya = readNpy(y)
      if (xa.shape[0] !== ya.shape[0]) throw new UserError('shape_mismatch', `--x has ${xa.shape[0]} rows but --y has ${ya.shape[0]}`, 'Give one label per input row.')
      const xt = inputTensor({ data: xa.data, shape: xa.shape }, inputShapeOf(model), path.basename(x))
      try {
        const labels = labelIds({ data: ya.data, shape: ya.shape }, outputUnitsOf(model), path.basename(y))
        const ev = await evaluateModel(model, xt, labels, any ? any.storedBytes : files.weights.byteLength, backend.active)
        if (store && id) store.setEvaluation(id, ev)
        if (values.json) io.out(`${JSON.stringify(ev)}\n`)
        else {
          io.out(`accuracy ${(ev.accuracy * 100).toFixed(2)} %\nloss     ${ev.loss.toFixed(4)}\nn        ${ev.n}\nECE      ${ev.ece.toFixed(4)}\n`)
          io.out(`params   ${ev.params}  (${ev.weightBytes} weight bytes)\nlatency  ${ev.latency.msPerBatch.toFixed(2)} ms per batch of ${ev.latency.batch} on ${ev.latency.backend}\n\nconfusion (rows: true class, columns: predicted)\n${formatConfusion(ev.confusion)}\n`)
        }
        return 0
      } finally {
        tf.dispose(xt)
      }
    } finally {
      model.dispose()
    }
  } finally {
    project?.close()
  }
}
