import type { QuantizeCellJob, QuantizeCellOutcome } from '../../../shared/cluster'
import { filesToModel } from '../models/io'
import type { ModelJson } from '../models/format'
import { quantizeCell, sweepEnv } from '../quantize/sweep-cell'

/**
 * A quantize-cell job on an `ntkw worker`: the sweep's model rebuilt from its model.json and weights (checked
 * by filesToModel: workbench layer classes only), the evaluation rows as the local job holds them, and
 * quantizeCell, the local sweep's code.
 */
export async function quantizeCellOn(job: QuantizeCellJob, a: Record<string, Float32Array>, b: Record<string, Uint8Array>): Promise<QuantizeCellOutcome> {
  let modelJson: ModelJson
  try {
    modelJson = JSON.parse(new TextDecoder().decode(b.modelJson)) as ModelJson
  } catch (e) {
    throw new Error(`the sweep's model.json is not JSON: ${(e as Error).message}`)
  }
  const model = await filesToModel({ modelJson, weights: b.weights! }, 'the sweep model')
  try {
    const i = job.inputs
    const m = (name: 'xEval' | 'yEval' | 'calibX') => ({ data: a[name]!, rows: i[name]!.rows, cols: i[name]!.cols })
    const env = sweepEnv(model, { xEval: m('xEval'), yEval: m('yEval'), calib: i.calibX ? m('calibX') : null }, { calibRows: i.calibX?.rows ?? 0, ntkProbe: job.spec.ntkProbe })
    try {
      return await quantizeCell(job.spec, env)
    } finally {
      env.dispose()
    }
  } finally {
    model.dispose()
  }
}
